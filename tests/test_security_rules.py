"""reviewbot's taint rules against their positive and negative fixtures (tests/security/),
with the real semgrep: every `# ruleid:` line flagged by that rule, no `# ok:` line."""

from __future__ import annotations

import asyncio
import re
import shutil
from pathlib import Path

from checks.linters.tools import run_semgrep
from checks.linters.workspace import Workspace

FIXTURES = Path(__file__).resolve().parent / "security"
MARK = re.compile(r"# (ruleid|ok): (\S+)")


def test_each_taint_rule_flags_its_positives_and_not_its_negatives(tmp_path: Path) -> None:
    # semgrep skips paths under tests/ by default, so the fixtures are reviewed elsewhere.
    root, home = tmp_path / "snapshot", tmp_path / "home"
    shutil.copytree(FIXTURES, root, ignore=shutil.ignore_patterns("*.md"))
    home.mkdir()
    files = tuple(sorted(p.name for p in root.glob("*.py")))
    ws = Workspace(root=root, home=home, python_files=files, all_files=files)
    result = asyncio.run(run_semgrep(ws))
    assert result.error is None
    found = {(f.path, f.line, f.rule) for f in result.findings}
    wanted, unwanted = set(), set()
    for name in files:
        for number, line in enumerate((root / name).read_text().splitlines(), 1):
            if (mark := MARK.search(line)) is not None:
                (wanted if mark.group(1) == "ruleid" else unwanted).add(
                    (name, number, mark.group(2)))
    rules = {rule for _f, _n, rule in wanted}
    assert len(rules) >= 12  # every taint rule and the two pattern rules have a positive
    assert wanted - found == set()
    assert found & unwanted == set()
    taint = next(f for f in result.findings if f.rule == "taint-sql-injection")
    assert taint.cwe == "CWE-89" and taint.checker == "security"


def test_a_pattern_finding_is_superseded_only_where_the_taint_rules_ran() -> None:
    """One predicate decides both: a file importing django.conf (no request in sight) is
    not analysed for taint, so its shell=True stands; a view module's is judged by taint."""
    from bot.core.findings import Finding, Severity
    from bot.core.taint_scope import taint_analysed
    from bot.review.aggregate.tiers import classify

    settings = "from django.conf import settings\nimport subprocess\n" \
               "subprocess.run(settings.CMD, shell=True)\n"
    view = "from django.http import HttpResponse\nimport subprocess\n" \
           "subprocess.run(CMD, shell=True)\n"
    shell = Finding(checker="security", tool="semgrep", rule="subprocess-shell-true",
                    severity=Severity.ERROR, path="app/tasks.py", line=3, message="shell",
                    concern="shell-injection")
    assert not taint_analysed(settings) and taint_analysed(view)
    assert classify(shell, settings)[0] != "off"
    tier, why = classify(shell, view)
    assert tier == "off" and "superseded by the taint rules" in why
