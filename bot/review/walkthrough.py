"""What the change is, before what is wrong with it: the review body's walkthrough (pure).

Every changed file, grouped by kind (code, tests, workflows, config, docs, other), with its
added and removed lines and what changed in it: for Python the functions and classes added,
changed or removed (from the syntax tree at head and the diff's removed lines), elsewhere the
hunks' section headers. And an estimate of the review effort, 1 to 5:

- size: the changed lines (added + removed; docs count half): up to 30 is 1, up to 150 is 2,
  up to 500 is 3, up to 1,500 is 4, more is 5;
- spread: one more when more than 10 code files changed;
- risk: one more when a workflow, an action or a Dockerfile changed (they run with secrets
  or build what ships);
- one less (at least 1) when only docs and tests changed;
- capped at 5.

Every path and name is an inert code span (they come from the PR)."""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from bot.core.diffmap import DiffMap, FileDiff, FileStatus
from bot.core.inert import code_span
from bot.core.pysource import parse_python
from bot.core.repo_config import is_code, is_test_path
from checks.linters.kinds import is_dockerfile, is_workflow

Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
KIND_ORDER = ("code", "tests", "workflows", "config", "docs", "other")
DOC_SUFFIXES = (".md", ".rst", ".txt", ".adoc")
CONFIG_SUFFIXES = (".toml", ".cfg", ".ini", ".yml", ".yaml", ".json", ".lock", ".conf",
                   ".env", ".properties", ".xml")
CONFIG_NAMES = frozenset({"Makefile", "setup.py", "MANIFEST.in", "requirements.txt",
                          ".gitignore", ".gitattributes", ".editorconfig"})
SIZE_STEPS = (30, 150, 500, 1500)  # changed lines for effort 1, 2, 3, 4 (more: 5)
SPREAD_FILES = 10
MAX_NAMES = 6  # per file, then "and N more"
MAX_ROWS = 100  # then "and N more files"
COLLAPSE_ROWS = 15  # a longer table is folded in <details>
DEF_LINE = re.compile(r"^(?:async\s+)?(?:def|class)\s+([A-Za-z_]\w*)")


@dataclass(frozen=True)
class FileChange:
    path: str
    kind: str
    added: int
    removed: int
    status: FileStatus
    what: tuple[str, ...]  # "added `f()`", "changed `C.m()`", "removed `g()`", or headings


def kind_of(path: str) -> str:
    name = PurePosixPath(path).name
    if is_workflow(path):
        return "workflows"
    if is_test_path(path):
        return "tests"
    if is_code(path) and name != "setup.py":
        return "code"
    if path.endswith(DOC_SUFFIXES) or path.startswith("docs/"):
        return "docs"
    if is_dockerfile(path) or path.endswith(CONFIG_SUFFIXES) or name in CONFIG_NAMES \
            or name.startswith("."):
        return "config"
    return "other"


def changes(diff: DiffMap, sources: Mapping[str, str]) -> list[FileChange]:
    """Every changed file, in kind order then path order."""
    out = [FileChange(path, kind_of(path), len(f.added_lines), f.removed_count, f.status,
                      _what(path, f, sources.get(path)))
           for path, f in diff.files.items()]
    return sorted(out, key=lambda c: (KIND_ORDER.index(c.kind), c.path))


def _what(path: str, f: FileDiff, source: str | None) -> tuple[str, ...]:
    if f.status is FileStatus.REMOVED:
        return ("deleted",)
    if path.endswith((".py", ".pyi")) and source is not None:
        found = python_changes(source, f)
        if found is not None:
            return found
    if f.status is FileStatus.RENAMED and f.old_path:
        return (f"renamed from {_span(f.old_path)}",
                *(f"in {_span(h)}" for h in f.headings[:MAX_NAMES]))
    if f.status is FileStatus.ADDED:
        return ("new file",)
    return tuple(f"in {_span(h)}" for h in f.headings[:MAX_NAMES])


def python_changes(source: str, f: FileDiff) -> tuple[str, ...] | None:
    """Functions and classes added, changed (an added line inside) or removed (a `def` or
    `class` line removed whose name is gone); None when the file does not parse."""
    tree = parse_python(source)  # a hostile file (3,000 nested lambdas) is None, not a crash
    if tree is None:
        return None
    defs = list(_definitions(tree))
    names = {name for name, _node in defs}
    short = {name.rsplit(".", 1)[-1] for name in names}
    gone = sorted({m.group(1) for text in f.removed_text if (m := DEF_LINE.match(text))}
                  - short)
    added: list[str] = []
    changed: list[str] = []
    for name, node in defs:
        span = range(node.lineno, (node.end_lineno or node.lineno) + 1)
        if any(name.startswith(a + ".") for a in added):
            continue  # inside a definition that is new as a whole
        if node.lineno in f.added_lines and all(n in f.added_lines for n in span):
            added.append(name)
        elif any(n in f.added_lines for n in span) and not _inner_changed(name, node, defs, f):
            changed.append(name)
    named = [("added", [_name(n, defs) for n in added]),
             ("changed", [_name(n, defs) for n in changed]),
             ("removed", [_span(n) for n in gone])]
    out, left = [], MAX_NAMES
    for verb, items in named:
        if items and left > 0:
            shown = items[:left]
            more = f" and {len(items) - len(shown)} more" if len(items) > len(shown) else ""
            out.append(f"{verb} {', '.join(shown)}{more}")
            left -= len(shown)
        elif items:
            out.append(f"{verb} {len(items)}")
    return tuple(out)


def _definitions(tree: ast.AST, prefix: str = "") -> list[tuple[str, Definition]]:
    out: list[tuple[str, Definition]] = []
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            name = f"{prefix}{node.name}"
            out.append((name, node))
            out += _definitions(node, f"{name}.")
    return out


def _inner_changed(name: str, node: Definition, defs: Sequence[tuple[str, Definition]],
                   f: FileDiff) -> bool:
    """Every added line of this definition lies in one of its own nested definitions,
    which are named instead (a changed method, not its whole class)."""
    inner = [n for other, n in defs if other.startswith(name + ".")]
    lines = [n for n in f.added_lines if node.lineno <= n <= (node.end_lineno or node.lineno)]
    return bool(inner) and all(any(i.lineno <= n <= (i.end_lineno or i.lineno) for i in inner)
                               for n in lines)


def _name(name: str, defs: Sequence[tuple[str, Definition]]) -> str:
    node = next(n for other, n in defs if other == name)
    return _span(name if isinstance(node, ast.ClassDef) else f"{name}()")


def _span(text: str) -> str:
    """A name or heading from the PR, inert, safe inside a table cell."""
    return code_span(text, in_table=True)


def effort(files: Sequence[FileChange]) -> tuple[int, str]:
    """The review effort, 1-5, and why (the rule is in this module's docstring)."""
    lines = sum((c.added + c.removed) / (2 if c.kind == "docs" else 1) for c in files)
    score = 1 + sum(lines > step for step in SIZE_STEPS)
    why = [f"{int(lines)} changed line(s) in {len(files)} file(s)"]
    code = sum(c.kind == "code" for c in files)
    if code > SPREAD_FILES:
        score += 1
        why.append(f"{code} code files")
    risky = [c for c in files if c.kind == "workflows" or is_dockerfile(c.path)]
    if risky:
        score += 1
        why.append("a workflow or Dockerfile changed")
    if files and all(c.kind in ("docs", "tests") for c in files):
        score -= 1
        why.append("docs and tests only")
    return max(1, min(5, score)), "; ".join(why)


def walkthrough_markdown(diff: DiffMap, sources: Mapping[str, str]) -> str:
    """The walkthrough section: the effort line, then the table (folded when long)."""
    files = changes(diff, sources)
    if not files:
        return ""
    score, why = effort(files)
    rows = [f"| {code_span(c.path, in_table=True)} | {c.kind} | +{c.added}/-{c.removed} | "
            f"{'; '.join(c.what) or '—'} |" for c in files[:MAX_ROWS]]
    if len(files) > MAX_ROWS:
        rows.append(f"| and {len(files) - MAX_ROWS} more file(s) | | | |")
    table = ["| file | kind | +/- | what changed |", "|---|---|---:|---|", *rows]
    head = ["### Walkthrough", "", f"**Review effort: {score}/5** ({why}).", ""]
    if len(files) > COLLAPSE_ROWS:
        return "\n".join([*head, f"<details><summary>{len(files)} changed files</summary>",
                          "", *table, "", "</details>"])
    return "\n".join([*head, *table])
