"""A PR cannot configure its own review, leak the server's secrets through a linter, or keep
a linter's process tree alive. Real linters on a hostile repository built in a temp dir."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path

import pytest

from bot.core.redact import MASK, SecretMask
from bot.core.render import render
from bot.errors import ToolError
from bot.review.local import request_from_git
from bot.review.pipeline import run_review
from checks.linters.runner import Exits, run_tool
from checks.linters.settings import load_linter_settings, semgrep_rules_problem
from tests.fakegithub import FakeGitHub
from tests.github_world import commit_files

SECRET_VALUE = "TOPSECRET-value-0123456789"


def hostile_repo(tmp_path: Path, target: str) -> tuple[Path, str, str]:
    """The default branch has hostile linter settings too; the PR brings its own that try
    to read `target` and to switch every linter off."""
    repo = tmp_path / "repo"
    base = commit_files(repo, {
        "ruff.toml": f'extend = "{target}"\n[lint]\nextend-ignore = ["E501"]\n',
        ".pylintrc": "[MAIN]\nload-plugins=evil\ninit-hook=import os\n"
                     "[MESSAGES CONTROL]\ndisable=all,W0611\n",
        # structurally a rule file, but semgrep cannot parse its pattern
        ".semgrep.yml": "rules:\n  - id: broken\n    languages: [python]\n    message: x\n"
                        "    severity: ERROR\n    pattern: 'foo(('\n",
        "README.md": "demo\n",
    }, "base")
    head = commit_files(repo, {
        "pyproject.toml": f'[tool.ruff]\nextend = "{target}"\n[tool.ruff.lint]\n'
                          'ignore = ["ALL"]\n[tool.pylint."messages control"]\n'
                          'disable = "all"\n[tool.bandit]\nskips = ["B602", "B608"]\n',
        ".pylintrc": "[MESSAGES CONTROL]\ndisable=all\n",
        ".bandit": "[bandit]\nskips = B602\n",
        ".semgrep.yml": "p/ci\n",
        "sub/ruff.toml": f'extend = "{target}"\n',
        "app.py": "import subprocess\n\n\ndef add(item, basket=[]):\n"
                  "    basket.append(item)\n    return basket\n\n\n"
                  "def run(folder):\n    subprocess.run('tar ' + folder, shell=True)\n"
                  "    folder == 'x'\n",  # a comparison as a statement: a missing assert
    }, "head")
    return repo, base, head


@pytest.mark.slow
def test_pr_settings_are_not_obeyed_and_nothing_outside_the_snapshot_is_read(
        tmp_path: Path) -> None:
    secret_file = tmp_path / "outside" / "creds.env"
    secret_file.parent.mkdir()
    secret_file.write_text(f'GITHUB_WEBHOOK_SECRET = "{SECRET_VALUE}"\n')
    repo, base, head = hostile_repo(tmp_path, str(secret_file))

    plan = asyncio.run(run_review(request_from_git(repo, base, head)))

    for text in (json.dumps(plan.as_json()), render(plan, "markdown"), render(plan, "sarif"),
                 render(plan, "text")):
        assert SECRET_VALUE not in text
    summary = plan.summary
    # every linter still ran (findings of one concern are merged: the comment names all)
    posted = " ".join(c.body for c in plan.comments)
    for tool_rule in ("ruff B006", "pylint W0104", "bandit B602",
                      "semgrep subprocess-shell-true"):  # our semgrep rules survive theirs
        assert tool_rule in posted
    assert plan.tool_errors == ()
    assert "ruff `extend" in summary and "was ignored" in summary
    assert "pylint `disable=all` was not applied" in summary
    assert "semgrep rules were ignored" in summary


def test_settings_keep_rule_keys_only_and_drop_paths() -> None:
    settings = load_linter_settings({
        "pyproject.toml": b'[tool.ruff]\nextend = "../../etc/passwd"\ncache-dir = "/tmp/x"\n'
                          b'src = ["/"]\nline-length = 120\nselect = ["E"]\nmystery = 1\n'
                          b'[tool.ruff.lint.per-file-ignores]\n"pkg/__init__.py" = ["F401"]\n'
                          b'[tool.ruff.format]\nquote-style = "single"\n',
        ".bandit": b"[bandit]\nskips = B101,../x,B311\n",
        ".semgrep.yml": b"https://semgrep.dev/c/p/ci\n",
    })
    assert settings.ruff == {"line-length": 120, "lint": {
        "per-file-ignores": {"pkg/__init__.py": ["F401"]}, "select": ["E"]}}
    assert settings.bandit_skip == ("B101", "B311")
    assert settings.semgrep_rules is None
    notes = " ".join(settings.notes)
    assert "extend" in notes and "`mystery`" in notes
    assert "cache-dir" not in notes and "format" not in notes  # dropped, but no noise
    assert "registry name or URL" in notes


def test_extend_of_another_root_file_is_merged() -> None:
    settings = load_linter_settings({
        "ruff.toml": b'extend = "./pyproject.toml"\n[lint]\nignore = ["E741"]\n',
        "pyproject.toml": b'[tool.ruff]\nline-length = 99\n[tool.ruff.lint]\nselect = ["F"]\n',
    })
    assert settings.ruff == {"line-length": 99, "lint": {"select": ["F"], "ignore": ["E741"]}}
    assert settings.notes == ()


@pytest.mark.parametrize("text, problem", [
    ("p/ci", "registry name"),
    ("rules: p/ci", "no `rules:` list"),
    ("rules:\n  - languages: [python]\n", "has no `id`"),
    ("rules:\n  - id: x\n    pattern: a\n", "no `languages`"),
    ("rules: [", "not valid YAML"),
])
def test_semgrep_rule_files_that_cannot_load(text: str, problem: str) -> None:
    found = semgrep_rules_problem(text)
    assert found is not None and problem in found


def test_mask_hides_configured_secrets_and_credential_shapes() -> None:
    pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx1x2x3x4x5x6x7\nabc\n" \
          "-----END RSA PRIVATE KEY-----"
    mask = SecretMask(["webhook-secret-1", pem])
    text = (f"a webhook-secret-1 b ghs_{'a' * 36} c sk-proj-{'B' * 40} d "
            f"github_pat_{'c' * 40} e\n{pem}\nand a cut key -----BEGIN PRIVATE KEY-----\nMIIE")
    masked = mask.text(text)
    for leaked in ("webhook-secret-1", "ghs_a", "sk-proj", "github_pat", "MIIE", "PRIVATE KEY"):
        assert leaked not in masked
    assert masked.startswith(f"a {MASK} b {MASK} c {MASK} d {MASK} e")
    # a line of the key alone (a tool printing the tail of a file) is masked too
    assert mask.text("x MIIEowIBAAKCAQEAx1x2x3x4x5x6x7 y") == f"x {MASK} y"
    assert mask.json({"body": "webhook-secret-1", "n": 1, "c": [{"m": "ghs_" + "z" * 30}]}) == \
        {"body": MASK, "n": 1, "c": [{"m": MASK}]}


@pytest.mark.slow
def test_tool_errors_never_carry_stderr(tmp_path: Path) -> None:
    script = tmp_path / "tool.py"
    script.write_text(f"import sys\nsys.stderr.write({SECRET_VALUE!r})\nsys.exit(2)\n")
    with pytest.raises(ToolError) as caught:
        asyncio.run(run_tool([sys.executable, str(script)], cwd=tmp_path, env={},
                             timeout=30, exits=Exits((0,), {2: "configuration error"})))
    assert SECRET_VALUE not in str(caught.value)
    assert "status 2 (configuration error" in str(caught.value)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z")


@pytest.mark.slow
def test_a_timed_out_tool_dies_with_its_children(tmp_path: Path) -> None:
    """Like semgrep-core: a child that ignores SIGTERM and outlives its parent."""
    pid_file = tmp_path / "child.pid"
    child = ("import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
             "time.sleep(300)\n")
    script = tmp_path / "tool.py"
    script.write_text(
        "import subprocess, sys, time\n"
        f"p = subprocess.Popen([sys.executable, '-c', {child!r}])\n"
        f"open({str(pid_file)!r}, 'w').write(str(p.pid))\n"
        "time.sleep(300)\n")
    started = time.monotonic()
    with pytest.raises(ToolError, match="timed out"):
        asyncio.run(run_tool([sys.executable, str(script)], cwd=tmp_path, env={},
                             timeout=1, exits=Exits((0,))))
    assert time.monotonic() - started < 15
    child_pid = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while _alive(child_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(child_pid)


OPENAI_KEY = "sk-test-" + "Q" * 40


@pytest.mark.slow
def test_the_running_app_leaks_nothing_from_its_environment(sqlite_engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """`reviewbot serve` with its secrets in its environment; the PR's and the default
    branch's ruff settings both point at /proc/<server pid>/environ."""
    from tests.conftest import SECRET
    from tests.github_world import REPO, make_world
    from tests.helpers.processes import served
    from tests.test_serve_e2e import free_port

    world = make_world(sqlite_engine)
    fake, pem = world.fake, world.private_key
    with served(fake.app, free_port()) as api_url:
        err = _review_hostile_pr_in_a_served_app(tmp_path, fake, pem, api_url)
    posted = json.dumps([list(fake.reviews.values()), list(fake.review_comments.values()),
                         list(fake.check_runs.values()), fake.issue_comments], default=str)
    assert len(fake.reviews[(REPO, 7)]) == 1, err
    assert "bandit B602" in posted and "ruff B006" in posted  # the review was not switched off
    for secret in (SECRET, OPENAI_KEY, *[line for line in pem.splitlines() if len(line) > 20]):
        assert secret not in posted
        assert secret not in err


def _review_hostile_pr_in_a_served_app(tmp_path: Path, fake: FakeGitHub, pem: str,
                                       api_url: str) -> str:
    """Serve, deliver the hostile PR, wait for its check run; returns the server's stderr."""
    from tests.conftest import SECRET
    from tests.github_world import APP_ID, load_repo_into, pr_event
    from tests.helpers.processes import replay_and_wait, start_serve, stop
    from tests.test_serve_e2e import free_port

    port = free_port()
    env = {**os.environ, "GITHUB_WEBHOOK_SECRET": SECRET, "GITHUB_APP_ID": str(APP_ID),
           "GITHUB_PRIVATE_KEY": pem, "OPENAI_API_KEY": OPENAI_KEY,
           "OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "REVIEWBOT_LLM_MAX_RETRIES": "0",
           "GITHUB_API_URL": api_url,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "REVIEWBOT_POLL_SECONDS": "0.05",
           "REVIEWBOT_GITHUB_WRITE_INTERVAL": "0"}
    server = start_serve(port, env)
    try:
        repo, base, head = hostile_repo(tmp_path, f"/proc/{server.pid}/environ")
        load_repo_into(fake, repo, base, head)
        payload = tmp_path / "pr.json"
        payload.write_bytes(pr_event(7, head))
        replay_and_wait(port, payload, env, lambda: any(
            r["status"] == "completed" for r in fake.check_runs.values()))
    finally:
        err = stop(server)
    return err


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux-only")
def test_the_server_process_environment_is_closed_to_its_user(tmp_path: Path) -> None:
    """As root here, the child first becomes `nobody`, so that the owner of its
    /proc/<pid>/environ tells: nobody's own (readable by a linter of the same user) or root's."""
    import subprocess

    code = ("import os, sys\nfrom bot.cli.process import make_undumpable\n"
            "import ctypes, ctypes.util\nlibc = ctypes.CDLL(ctypes.util.find_library('c'))\n"
            "if os.getuid() == 0:\n    os.setgid(65534)\n    os.setuid(65534)\n"
            # a change of user leaves a process non-dumpable; an exec'd server starts dumpable
            "    libc.prctl(4, 1, 0, 0, 0)\n"
            "before = os.stat(f'/proc/{os.getpid()}/environ').st_uid\n"
            "assert make_undumpable()\n"
            "after = os.stat(f'/proc/{os.getpid()}/environ').st_uid\nprint(before, after)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=30, cwd=Path(__file__).resolve().parent.parent)
    assert out.returncode == 0, out.stderr
    before, after = out.stdout.split()
    assert before != "0" and after == "0"


def test_a_file_of_blank_lines_is_scanned_in_one_pass() -> None:
    """`^\\s*` ran across blank lines: 20,000 of them took 3 s, a megabyte would have held
    the worker for hours. The import probes now stay on their line."""
    from bot.core.taint_scope import taint_analysed

    blank = "\n" * 1_000_000
    assert not taint_analysed(blank + "x = 1\n")
    assert not taint_analysed(blank.encode() + b"x = 1\n")
    assert taint_analysed(blank + "    from flask import Flask\n")
    assert taint_analysed(blank.encode() + b"from flask import request\n")
