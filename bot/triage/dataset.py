"""Labelled issues from a CSV (columns repo,label,title,body, as in the NLBSE'24 data) or a
JSONL export (one object per line with the same keys)."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from bot.errors import ConfigError
from bot.triage.text import Issue

REQUIRED = ("repo", "label", "title", "body")


def read_issues(path: Path) -> list[Issue]:
    if not path.is_file():
        raise ConfigError(f"{path}: no such file")
    rows = _jsonl(path) if path.suffix in (".jsonl", ".ndjson") else _csv(path)
    issues = []
    for n, row in enumerate(rows, start=1):
        missing = [k for k in REQUIRED if k not in row]
        if missing:
            raise ConfigError(f"{path}: row {n} lacks {', '.join(missing)} "
                              f"(needed: {', '.join(REQUIRED)})")
        issues.append(Issue(title=str(row["title"] or ""), body=str(row["body"] or ""),
                            label=str(row["label"] or "").strip(), repo=str(row["repo"]),
                            number=int(row.get("number") or 0)))
    return issues


def _csv(path: Path) -> Iterator[dict[str, str]]:
    csv.field_size_limit(sys.maxsize)  # issue bodies with pasted logs exceed the default
    with path.open(newline="", encoding="utf-8") as handle:
        yield from csv.DictReader(handle)


def _jsonl(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        for n, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"{path}: line {n} is not JSON: {exc.msg}") from exc
            if not isinstance(row, dict):
                raise ConfigError(f"{path}: line {n} is not an object")
            yield row


def by_repo(issues: list[Issue]) -> dict[str, list[Issue]]:
    out: dict[str, list[Issue]] = {}
    for issue in issues:
        out.setdefault(issue.repo, []).append(issue)
    return dict(sorted(out.items()))
