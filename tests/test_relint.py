"""A suggestion is offered only when the file with it applied re-lints clean (real ruff)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from bot.core.findings import Edit, Finding
from checks.linters.tools import ruff_on_text, run_ruff
from checks.linters.workspace import Workspace
from checks.relint import unclean_fixes, without_fixes

SOURCE = 'def greet(name):\n    print(f"hello")\n    return name\n'


def _workspace(tmp_path: Path) -> Workspace:
    root, home = tmp_path / "repo", tmp_path / "home"
    (root / "pkg").mkdir(parents=True)
    home.mkdir()
    (root / "pkg/mod.py").write_text(SOURCE)
    return Workspace(root=root, home=home, python_files=("pkg/mod.py",),
                     all_files=("pkg/mod.py",))


def test_a_fix_that_lints_clean_keeps_its_suggestion_and_one_that_does_not_loses_it(
        tmp_path: Path) -> None:
    async def go() -> list[Finding]:
        ws = _workspace(tmp_path)
        before = await run_ruff(ws)
        f541 = next(f for f in before.findings if f.rule == "F541")
        assert f541.fix  # ruff's own safe fix: drop the f prefix
        # The same finding with a "fix" that would add an unused import: not offered.
        harmful = replace(f541, message="x", fix=(Edit(2, 5, 2, 5, "import os; "),))
        with_harmful = replace(before, findings=(*before.findings, harmful))
        unclean = await unclean_fixes(with_harmful, sources={"pkg/mod.py": SOURCE},
                                      workspace=ws, ruff=ruff_on_text)
        return without_fixes([f541, harmful], unclean)

    good, harmful = asyncio.run(go())
    assert good.fix and not harmful.fix
    assert harmful.message == "x"  # the comment stays, only the suggestion goes
