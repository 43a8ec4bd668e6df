"""Linter outputs (recorded from real runs on the demo) -> Findings."""

from __future__ import annotations

import pytest

from bot.core.findings import Severity
from checks.linters import parsers
from tests.conftest import FIXTURES

TOOLS = FIXTURES / "tools"


def test_ruff() -> None:
    found = parsers.parse_ruff((TOOLS / "ruff.json").read_text(), "/snapshot")
    by_rule = {f.rule: f for f in found}
    assert by_rule["B006"].path == "shop/orders.py" and by_rule["B006"].line == 14
    assert by_rule["B006"].checker == "bug"
    assert by_rule["B006"].concern == "mutable-default-argument"
    assert by_rule["N802"].checker == "style" and by_rule["N802"].severity is Severity.NOTE


def test_pylint_json2() -> None:
    found = parsers.parse_pylint((TOOLS / "pylint.json").read_text(), "/snapshot")
    e1121 = next(f for f in found if f.rule == "E1121")
    assert e1121.severity is Severity.ERROR and e1121.line == 22 and e1121.checker == "bug"
    w0102 = next(f for f in found if f.rule == "W0102")
    assert w0102.concern == "mutable-default-argument"


def test_bandit_paths_and_lines() -> None:
    found = parsers.parse_bandit((TOOLS / "bandit.json").read_text(), "/snapshot")
    b602 = next(f for f in found if f.rule == "B602")
    assert b602.path == "shop/orders.py"  # bandit's "./" prefix is gone
    assert b602.line == 33 and b602.end_line == 33 and b602.severity is Severity.ERROR
    assert b602.concern == "shell-injection" and b602.checker == "security"


def test_semgrep_rule_ids_lose_the_config_folder() -> None:
    found = parsers.parse_semgrep((TOOLS / "semgrep.json").read_text(), "/snapshot")
    rules = {f.rule for f in found}
    assert "subprocess-shell-true" in rules and "list-membership-in-loop" in rules
    sql = next(f for f in found if f.rule == "sql-built-by-string-formatting")
    assert (sql.line, sql.end_line) == (27, 28) and sql.concern == "sql-injection"
    perf = next(f for f in found if f.rule == "list-membership-in-loop")
    assert perf.checker == "performance"


@pytest.mark.parametrize("parse", [parsers.parse_ruff, parsers.parse_pylint,
                                   parsers.parse_bandit, parsers.parse_semgrep])
def test_garbage_output_is_a_parse_error(parse) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(parsers.ParseError):
        parse("Traceback (most recent call last):", "/snapshot")


def test_empty_output_means_no_findings() -> None:
    assert parsers.parse_ruff("", "/x") == [] and parsers.parse_semgrep("", "/x") == []


def test_ruff_rule_families_map_to_checkers() -> None:
    from bot.core.catalog import ruff_checker

    assert ruff_checker("S602") == "security"
    assert ruff_checker("SIM108") == "style"
    assert ruff_checker("PERF401") == "performance"
    assert ruff_checker("F821") == "bug"
