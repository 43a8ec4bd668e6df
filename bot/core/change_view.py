"""The change as a model reads it: each hunk of a file as numbered lines at head, `+` on the
added ones (pure)."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.diffmap import DiffMap


def render_change(diff: DiffMap, sources: Mapping[str, str],
                  limit: int) -> tuple[str, bool]:
    """Each hunk of each reviewed file as numbered lines at head, `+` on added lines."""
    parts: list[str] = []
    size = 0
    for path in sorted(sources):
        f = diff.get(path)
        if f is None:
            continue
        lines = sources[path].splitlines()
        block = [f"### {path}"]
        for first, last in f.hunks:
            block.append("@@")
            for n in range(first, min(last, len(lines)) + 1):
                mark = "+" if n in f.added_lines else " "
                block.append(f"{n:>5} {mark} {lines[n - 1]}")
        text = "\n".join(block)
        if size + len(text) > limit:
            return "\n\n".join(parts), False
        parts.append(text)
        size += len(text)
    return "\n\n".join(parts), True
