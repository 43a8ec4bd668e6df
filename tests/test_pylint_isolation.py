"""pylint runs isolated: no third-party inference from our own environment, no imports of
PR files named like pylint's dependencies, and only `disable` taken from repo settings."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from checks.pylint_env import repo_pylint_disables
from checks.tools import Workspace, run_pylint

pytestmark = pytest.mark.slow


def workspace(tmp_path: Path, files: dict[str, str]) -> Workspace:
    root, home = tmp_path / "repo", tmp_path / "home"
    root.mkdir()
    home.mkdir()
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    py = tuple(sorted(n for n in files if n.endswith(".py")))
    return Workspace(root=root, home=home, python_files=py, all_files=py)


def test_pylint_never_imports_or_runs_pr_files(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    trap = f"open({str(marker)!r}, 'w').write('pwned')\n"
    ws = workspace(tmp_path, {
        # named like pylint's own dependencies and like a plugin the settings ask for
        "isort.py": trap, "tomlkit.py": trap, "evil_plugin.py": trap,
        ".pylintrc": "[MAIN]\nload-plugins=evil_plugin\ninit-hook=" + trap.strip() + "\n"
                     "[MESSAGES CONTROL]\ndisable=W0104\n",
        # a call that is wrong for *our* click but might be right for the PR's
        "app.py": "import click\nfrom click.testing import CliRunner\n"
                  "runner = CliRunner(mix_stderr=False)\n1 + 1\n",
        "calls.py": "def f(a):\n    return a\n\n\nf(1, 2)\n",
    })
    result = asyncio.run(run_pylint(ws))
    assert result.error is None
    assert not marker.exists()
    rules = {(f.path, f.rule) for f in result.findings}
    assert ("calls.py", "E1121") in rules  # first-party inference still works
    assert not any(rule == "E1123" for _, rule in rules)  # no verdict on click's signature
    assert ("app.py", "W0104") not in rules  # the repository's own disable is honoured


def test_repo_disables_from_every_settings_file(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("[pylint.messages_control]\ndisable = C0114,\n  W0511\n")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.pylint."messages control"]\ndisable = ["R0903", "bad name!"]\n')
    assert repo_pylint_disables(tmp_path) == ["C0114", "R0903", "W0511"]
