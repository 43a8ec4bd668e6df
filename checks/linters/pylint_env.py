"""A folder of links to pylint and its own dependencies only (see pylint_runner.py)."""

from __future__ import annotations

import importlib.metadata as md
import os
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement


def dependency_closure(root: str) -> list[md.Distribution]:
    seen: dict[str, md.Distribution] = {}
    todo = [root]
    while todo:
        name = todo.pop()
        key = name.lower().replace("_", "-")
        if key in seen:
            continue
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            continue  # an optional dependency not installed
        seen[key] = dist
        for text in dist.requires or []:
            try:
                req = Requirement(text)
            except InvalidRequirement:
                continue
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return list(seen.values())


def link_pylint_env(target: Path) -> Path:
    """Link every top-level module of pylint's distribution closure into `target`."""
    target.mkdir(parents=True, exist_ok=True)
    for dist in dependency_closure("pylint"):
        for top in {f.parts[0] for f in dist.files or []}:
            # dist-info folders come too: packages read their own version from metadata.
            if top.endswith((".data", ".pth")) or top in ("..", "__pycache__", "bin"):
                continue
            source = Path(str(dist.locate_file(top)))
            link = target / top
            if source.exists() and not link.exists():
                os.symlink(source, link)
    return target
