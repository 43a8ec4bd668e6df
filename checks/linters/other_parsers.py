"""The non-Python linters' JSON output -> `Finding`s (pure). Paths come back relative to
the snapshot root; no tool's raw text beyond its one-line message is kept.

Checkers: what a rule is about decides, not the tool. oxlint's correctness rules, shell
and Dockerfile mistakes are bugs; secrets, workflow injection and root containers are
security; the rest (pinning advice, idioms) is style."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.findings import Finding, Severity
from checks.linters.parsers import ParseError, clean, load_json, relative

MAX_MESSAGE = 300
# oxlint rules about code that runs text as code or leaks it.
OXLINT_SECURITY = frozenset({"no-eval", "no-new-func", "no-implied-eval", "no-script-url",
                             "react/no-danger", "react/no-danger-with-children"})
# hadolint: the container runs as root, or escalates to it.
HADOLINT_SECURITY = frozenset({"DL3002", "DL3004"})
ZIZMOR_SEVERITY = {"High": Severity.ERROR, "Medium": Severity.WARNING,
                   "Low": Severity.NOTE, "Informational": Severity.NOTE, "Unknown": Severity.NOTE}


LEVELS = {"error": Severity.ERROR, "warning": Severity.WARNING}  # else a note


def _message(text: object, root: str) -> str:
    return clean(str(text or ""), root)[:MAX_MESSAGE]


def parse_oxlint(text: str, root: str) -> list[Finding]:
    data = load_json(text, "oxlint") or {}
    diagnostics = data.get("diagnostics", []) if isinstance(data, Mapping) else None
    if not isinstance(diagnostics, list):
        raise ParseError("oxlint JSON must be an object with `diagnostics`")
    out = []
    for d in diagnostics:
        labels = d.get("labels") or [{}]
        spans = [label.get("span") or {} for label in labels]
        # The last label is where the problem is (no-dupe-keys: "and duplicated here").
        line = int((spans[-1] or {}).get("line") or 1)
        rule = _oxlint_rule(str(d.get("code") or "oxlint"))
        checker = "security" if rule in OXLINT_SECURITY else "bug"
        severity = Severity.ERROR if d.get("severity") == "error" else Severity.WARNING
        help_text = f" {d['help']}" if d.get("help") else ""
        out.append(Finding(checker=checker, tool="oxlint", rule=rule, severity=severity,
                           path=relative(str(d.get("filename") or ""), root), line=line,
                           message=_message(f"{d.get('message', '')}.{help_text}", root)))
    return out


def _oxlint_rule(code: str) -> str:
    """`eslint(no-dupe-keys)` -> `no-dupe-keys`; `react(no-danger)` -> `react/no-danger`."""
    plugin, _, rest = code.partition("(")
    name = rest.rstrip(")") or plugin
    return name if plugin in ("eslint", "oxc", "") or not rest else f"{plugin}/{name}"


def parse_shellcheck(text: str, root: str) -> list[Finding]:
    data = load_json(text, "shellcheck") or {}
    comments = data.get("comments", []) if isinstance(data, Mapping) else None
    if not isinstance(comments, list):
        raise ParseError("shellcheck JSON must be an object with `comments`")
    out = []
    for c in comments:
        level = c.get("level")
        checker = "bug" if level in ("error", "warning") else "style"
        severity = LEVELS.get(str(level), Severity.NOTE)
        out.append(Finding(checker=checker, tool="shellcheck", rule=f"SC{c.get('code')}",
                           severity=severity, path=relative(str(c.get("file") or ""), root),
                           line=int(c.get("line") or 1),
                           end_line=int(c["endLine"]) if c.get("endLine") else None,
                           message=_message(c.get("message"), root)))
    return out


def parse_hadolint(text: str, root: str) -> list[Finding]:
    data = load_json(text, "hadolint") or []
    if not isinstance(data, list):
        raise ParseError("hadolint JSON must be a list")
    out = []
    for d in data:
        code, level = str(d.get("code") or "hadolint"), d.get("level")
        if code in HADOLINT_SECURITY:
            checker = "security"
        elif level == "error" or code.startswith("SC"):
            checker = "bug"
        else:
            checker = "style"
        severity = LEVELS.get(str(level), Severity.NOTE)
        out.append(Finding(checker=checker, tool="hadolint", rule=code, severity=severity,
                           path=relative(str(d.get("file") or ""), root),
                           line=int(d.get("line") or 1), message=_message(d.get("message"), root)))
    return out


def parse_zizmor(text: str, root: str) -> list[Finding]:
    data = load_json(text, "zizmor") or []
    if not isinstance(data, list):
        raise ParseError("zizmor JSON must be a list")
    out = []
    for d in data:
        primary = next((loc for loc in d.get("locations") or []
                        if (loc.get("symbolic") or {}).get("kind") == "Primary"), None)
        if primary is None:
            continue
        where = (primary.get("concrete") or {}).get("location") or {}
        start = int((where.get("start_point") or {}).get("row") or 0) + 1  # zizmor: 0-based
        end = int((where.get("end_point") or {}).get("row") or start - 1) + 1
        key = (primary.get("symbolic") or {}).get("key") or {}
        path = str((key.get("Local") or {}).get("given_path")
                   or (key.get("Local") or {}).get("verbatim_path") or "")
        determinations = d.get("determinations") or {}
        annotation = (primary.get("symbolic") or {}).get("annotation") or ""
        out.append(Finding(
            checker="security", tool="zizmor", rule=str(d.get("ident") or "zizmor"),
            severity=ZIZMOR_SEVERITY.get(str(determinations.get("severity")), Severity.NOTE),
            path=relative(path, root), line=start, end_line=max(start, end - 1),
            message=_message(f"{d.get('desc', '')}: {annotation}" if annotation
                             else d.get("desc"), root)))
    return out


def parse_detect_secrets(text: str, root: str) -> list[Finding]:
    """One finding per line that holds a secret, naming its kinds, never its value (the
    tool reports a hash of it, which is not kept either)."""
    data = load_json(text, "detect-secrets") or {}
    results = data.get("results", {}) if isinstance(data, Mapping) else None
    if not isinstance(results, Mapping):
        raise ParseError("detect-secrets JSON must be an object with `results`")
    kinds: dict[tuple[str, int], set[str]] = {}
    for path, items in results.items():
        for item in items if isinstance(items, list) else []:
            place = (relative(str(item.get("filename") or path), root),
                     int(item.get("line_number") or 1))
            kinds.setdefault(place, set()).add(str(item.get("type") or "secret")[:60])
    # A private key is the concern our semgrep rule reports too: one finding naming both.
    return [Finding(checker="security", tool="detect-secrets", rule="committed-secret",
                    severity=Severity.ERROR, path=path, line=line,
                    concern="private-key-committed" if found == {"Private Key"}
                    else "committed-secret",
                    cwe="CWE-798",
                    message=(f"A secret is committed here ({', '.join(sorted(found))}). "
                             "Remove it, rotate it (it is exposed already), and read it "
                             "from the environment or a secret store instead."))
            for (path, line), found in sorted(kinds.items())]


def parse_actionlint(text: str, root: str) -> list[Finding]:
    data = load_json(text, "actionlint") or []
    if not isinstance(data, list):
        raise ParseError("actionlint JSON must be a list")
    return [Finding(checker="bug", tool="actionlint", rule=str(d.get("kind") or "actionlint"),
                    severity=Severity.WARNING, path=relative(str(d.get("filepath") or ""), root),
                    line=int(d.get("line") or 1), message=_message(d.get("message"), root))
            for d in data]
