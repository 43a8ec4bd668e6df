"""Configuration parsing, snapshot path safety, rate-limit delays, renderers, delivery parsing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.core.delivery import is_own_event, parse_delivery
from bot.core.diffmap import FilterMode
from bot.core.findings import Finding, Severity
from bot.core.plan import Coverage, ReviewPlan
from bot.core.render import render
from bot.core.repo_config import parse_repo_config
from bot.errors import MalformedDelivery
from bot.github.ratelimit import rate_limit_delay
from bot.review.snapshot import UnsafePath, safe_relpath, write_snapshot


def test_repo_config_valid_and_invalid() -> None:
    ok = parse_repo_config("filter_mode: diff_context\nmax_comments: 5\nignore: ['docs/*']\n")
    assert ok.error is None and ok.config.filter_mode is FilterMode.DIFF_CONTEXT
    assert ok.config.ignored("docs/x.py") and ok.config.ignored("package-lock.json")
    assert ok.config.ignored("web/app.min.js") and not ok.config.ignored("src/app.py")
    for text, fragment in [("max_comments: lots", "max_comments"), ("[1, 2]", "mapping"),
                           ("a: [", "not valid YAML"), ("checkers: {lint: {}}", "unknown"),
                           ("surprise: 1", "surprise")]:
        bad = parse_repo_config(text)
        assert bad.error is not None and fragment in bad.error, text
        assert bad.config.max_comments == 30  # defaults used
    assert parse_repo_config(None).error is None and parse_repo_config("").error is None


@pytest.mark.parametrize("path", ["/etc/passwd", "../x", "a/../../x", "a\\b", "", "a\0b", "."])
def test_unsafe_paths_are_refused(path: str) -> None:
    with pytest.raises(UnsafePath):
        safe_relpath(path)


def test_snapshot_writes_inside_root_only(tmp_path: Path) -> None:
    root = tmp_path / "snap"
    root.mkdir()
    (tmp_path / "outside").mkdir()
    (root / "link").symlink_to(tmp_path / "outside")
    assert write_snapshot(root, {"a/b.py": b"x = 1\n"}) == ["a/b.py"]
    assert (root / "a" / "b.py").read_bytes() == b"x = 1\n"
    with pytest.raises(UnsafePath):
        write_snapshot(root, {"link/evil.py": b"x"})
    assert not (tmp_path / "outside" / "evil.py").exists()


@pytest.mark.parametrize(
    ("status", "headers", "message", "expected"),
    [
        (403, {"retry-after": "30"}, "", 30.0),
        (429, {}, "", 60.0),
        (403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1100"}, "", 101.0),
        (403, {}, "You have exceeded a secondary rate limit", 60.0),
        (403, {}, "Resource not accessible by integration", None),
        (404, {"retry-after": "5"}, "", None),
    ],
)
def test_rate_limit_delay(status: int, headers: dict[str, str], message: str,
                          expected: float | None) -> None:
    assert rate_limit_delay(status, headers, message, now=1000.0) == expected


def sample_plan() -> ReviewPlan:
    finding = Finding(checker="security", tool="bandit", rule="B602", severity=Severity.ERROR,
                      path="a.py", line=3, end_line=4, message="shell", fingerprint="abc",
                      also_reported_by=("semgrep:subprocess-shell-true",))
    return ReviewPlan(base="b", head="h", event="COMMENT", summary="S", comments=(),
                      findings=(finding,), coverage=Coverage(1, 1), conclusion="failure")


def test_json_output_has_the_public_schema() -> None:
    data = json.loads(render(sample_plan(), "json"))
    assert set(data) == {"base", "head", "event", "summary", "comments", "findings",
                         "coverage", "usage", "tools"}
    assert set(data["findings"][0]) == {"checker", "tool", "rule", "severity", "path", "line",
                                        "end_line", "message", "fingerprint", "tier"}
    assert set(data["usage"]) == {"llm_calls", "prompt_tokens", "completion_tokens", "cost_usd"}


def test_sarif_output() -> None:
    sarif = json.loads(render(sample_plan(), "sarif"))
    assert sarif["version"] == "2.1.0"
    result = sarif["runs"][0]["results"][0]
    assert result["ruleId"] == "bandit/B602" and result["level"] == "error"
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 3, "endLine": 4}
    with pytest.raises(ValueError, match="unknown format"):
        render(sample_plan(), "html")


def test_delivery_parsing_and_own_events() -> None:
    d = parse_delivery({"x-github-event": "issue_comment", "x-github-delivery": "1"},
                       b'{"action": "created", "sender": {"login": "rb[bot]"}, '
                       b'"comment": {"performed_via_github_app": {"id": 5}}}')
    assert d.action == "created" and d.installation_id is None and d.repository is None
    assert is_own_event(d, app_slug="rb", app_id=None)
    assert is_own_event(d, app_slug=None, app_id=5)
    assert not is_own_event(d, app_slug="other", app_id=6)
    with pytest.raises(MalformedDelivery):
        parse_delivery({"x-github-event": "x", "x-github-delivery": "y" * 200}, b"{}")


def test_log_lines_are_json_with_ids_and_secrets_masked() -> None:
    import logging

    from bot.obs.logs import JsonFormatter, RedactingFormatter, delivery_id_var, job_id_var

    formatter = RedactingFormatter(JsonFormatter(), ["s3cr3t-value", "ab"])
    record = logging.makeLogRecord({"msg": "token s3cr3t-value leaked", "levelname": "INFO",
                                    "name": "t", "extra_field": "s3cr3t-value"})
    d_token, j_token = delivery_id_var.set("d-9"), job_id_var.set(7)
    try:
        line = formatter.format(record)
    finally:
        delivery_id_var.reset(d_token)
        job_id_var.reset(j_token)
    data = json.loads(line)
    assert "s3cr3t-value" not in line
    assert data["msg"] == "token *** leaked" and data["extra_field"] == "***"
    assert data["delivery_id"] == "d-9" and data["job_id"] == 7
    assert "ab" not in formatter.secrets  # too short to mask safely


def test_settings_never_show_secrets() -> None:
    from tests.conftest import make_settings

    settings = make_settings(OPENAI_API_KEY="sk-very-secret")
    assert "sk-very-secret" not in repr(settings)
    assert "sk-very-secret" in settings.secret_values()


def test_file_limit_bounds_fetches_and_is_reported() -> None:
    from bot.core.diffmap import parse_unified_diff
    from bot.review.request import files_to_fetch, split_reviewable

    text = "".join(f"--- /dev/null\n+++ b/f{i}.py\n@@ -0,0 +1 @@\n+x = {i}\n" for i in range(5))
    diff = parse_unified_diff(text)
    config = parse_repo_config("max_files: 3").config
    wanted = files_to_fetch(diff, config)
    assert wanted == ["f0.py", "f1.py", "f2.py"]
    reviewable, skipped = split_reviewable(diff, config, {p: b"x = 1\n" for p in wanted})
    assert sorted(reviewable) == wanted
    assert skipped == [("f3.py", "over the 3-file limit"), ("f4.py", "over the 3-file limit")]
