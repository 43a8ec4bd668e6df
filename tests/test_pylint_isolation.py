"""pylint runs isolated: no third-party inference from our own environment, no imports of
PR files named like pylint's dependencies, and only `disable` taken from repo settings."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from checks.linters.settings import load_linter_settings
from checks.linters.tools import run_pylint
from checks.linters.workspace import Workspace

pytestmark = pytest.mark.slow


def workspace(tmp_path: Path, files: dict[str, str],
              default_branch: dict[str, bytes] | None = None) -> Workspace:
    root, home = tmp_path / "repo", tmp_path / "home"
    root.mkdir()
    home.mkdir()
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    py = tuple(sorted(n for n in files if n.endswith(".py")))
    return Workspace(root=root, home=home, python_files=py, all_files=py,
                     settings=load_linter_settings(default_branch or {}))


def test_pylint_never_imports_or_runs_pr_files(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    trap = f"open({str(marker)!r}, 'w').write('pwned')\n"
    hostile_rc = ("[MAIN]\nload-plugins=evil_plugin\ninit-hook=" + trap.strip() + "\n"
                  "[MESSAGES CONTROL]\ndisable=W0104\n")
    ws = workspace(tmp_path, {
        # named like pylint's own dependencies and like a plugin the settings ask for
        "isort.py": trap, "tomlkit.py": trap, "evil_plugin.py": trap,
        ".pylintrc": hostile_rc,
        # a call that is wrong for *our* click but might be right for the PR's
        "app.py": "import click\nfrom click.testing import CliRunner\n"
                  "runner = CliRunner(mix_stderr=False)\n1 + 1\n",
        "calls.py": "def f(a):\n    return a\n\n\nf(1, 2)\n",
    }, default_branch={".pylintrc": hostile_rc.encode()})
    result = asyncio.run(run_pylint(ws))
    assert result.error is None
    assert not marker.exists()
    rules = {(f.path, f.rule) for f in result.findings}
    assert ("calls.py", "E1121") in rules  # first-party inference still works
    assert not any(rule == "E1123" for _, rule in rules)  # no verdict on click's signature
    assert ("app.py", "W0104") not in rules  # the default branch's disable is honoured


def test_a_pr_pylintrc_is_not_obeyed(tmp_path: Path) -> None:
    ws = workspace(tmp_path, {".pylintrc": "[MESSAGES CONTROL]\ndisable=all\n",
                              "app.py": "1 + 1\n"})
    result = asyncio.run(run_pylint(ws))
    assert ("app.py", "W0104") in {(f.path, f.rule) for f in result.findings}


def test_repo_disables_from_every_settings_file() -> None:
    settings = load_linter_settings({
        "setup.cfg": b"[pylint.messages_control]\ndisable = C0114,\n  W0511\n",
        "pyproject.toml": b'[tool.pylint."messages control"]\ndisable = ["R0903", "bad name!"]\n',
    })
    assert settings.pylint_disable == ("C0114", "R0903", "W0511")
