"""What a bug report lacks: the sections its repository's issue template asks for
(`.github/ISSUE_TEMPLATE/`, Markdown templates and YAML issue forms), a version and the steps
to reproduce. Asked for once, exactly; a complete report is never nagged (pure)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import yaml

# Linear-time patterns only (a report is untrusted text): no two adjacent quantifiers that
# can match the same characters, no `\s` that runs across lines.
HEADING = re.compile(r"^[ \t]{0,3}(?:#{1,6}[ \t]+(?P<h>[^\n]*)|\*\*(?P<b>[^*\n]+)\*\*:?[ \t]*)$",
                     re.MULTILINE)
EMPTY_ANSWERS = {"", "_no response_", "no response", "n/a", "none", "-", "tbd", "todo", "..."}
VERSION = re.compile(r"\bv?\d+\.\d+(?:\.\d+)?(?:[-.+][\w.]+)?\b|\b[0-9a-f]{7,40}\b")
VERSION_WORDS = ("version", "release", "build")
REPRO_WORDS = ("reproduce", "repro", "steps", "how to trigger", "minimal example", "mcve")
NUMBERED = re.compile(r"^[ \t]*(?:\d+[.)]|[-*])[ \t]+\S", re.MULTILINE)
CODE = re.compile(r"```|~~~")


@dataclass(frozen=True)
class Template:
    name: str
    labels: tuple[str, ...]
    sections: tuple[str, ...]  # headings (or form fields) a report must fill
    about: str = ""

    def is_bug_template(self, bug_label: str) -> bool:
        """Named a bug report, or labelling its issues with the repository's bug label."""
        named = "bug" in self.name.lower() or "bug" in self.about.lower()
        return named or bug_label.lower() in {label.lower() for label in self.labels}


def parse_template(path: str, text: str) -> Template | None:
    """A Markdown template (front matter, then headings) or an issue form (YAML)."""
    if path.endswith((".yml", ".yaml")):
        return _parse_form(path, text)
    if path.endswith(".md"):
        return _parse_markdown(path, text)
    return None


def _labels(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return ()


def _parse_form(path: str, text: str) -> Template | None:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("body"), list):
        return None
    sections = []
    for item in data["body"]:
        if not isinstance(item, dict) or item.get("type") in ("markdown", "checkboxes"):
            continue
        attrs = item.get("attributes") or {}
        required = bool((item.get("validations") or {}).get("required"))
        if required and isinstance(attrs, dict) and attrs.get("label"):
            sections.append(str(attrs["label"]).strip())
    return Template(name=str(data.get("name") or path), labels=_labels(data.get("labels")),
                    sections=tuple(sections), about=str(data.get("description") or ""))


def _parse_markdown(path: str, text: str) -> Template | None:
    meta: dict[str, object] = {}
    body = text
    if text.startswith("---"):
        _, _, rest = text.partition("---")
        front, sep, body = rest.partition("\n---")
        if sep:
            try:
                loaded = yaml.safe_load(front)
            except yaml.YAMLError:
                loaded = None
            meta = loaded if isinstance(loaded, dict) else {}
    sections = [heading_text(m) for m in HEADING.finditer(body)]
    return Template(name=str(meta.get("name") or path), labels=_labels(meta.get("labels")),
                    sections=tuple(s.strip() for s in sections if s and s.strip()),
                    about=str(meta.get("about") or ""))


def heading_text(match: re.Match[str]) -> str:
    """A heading's words, without the closing hashes an ATX heading may have."""
    return (match.group("h") or match.group("b") or "").strip().rstrip("#").strip()


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def sections_of(body: str) -> dict[str, str]:
    """The report's headings (normalised) and what is written under each."""
    matches = list(HEADING.finditer(body))
    out: dict[str, str] = {}
    for k, m in enumerate(matches):
        end = matches[k + 1].start() if k + 1 < len(matches) else len(body)
        content = re.sub(r"<!--.*?-->", "", body[m.end():end], flags=re.DOTALL).strip()
        out[_norm(heading_text(m))] = content
    return out


def _answered(content: str | None) -> bool:
    return content is not None and _norm(content) not in {_norm(e) for e in EMPTY_ANSWERS}


def missing_information(title: str, body: str, template: Template | None) -> list[str]:
    """What to ask for, in the template's words where it has them; empty: complete."""
    body = body or ""
    found = sections_of(body)
    missing: list[str] = []
    if template is not None:
        for section in template.sections:
            if not _answered(found.get(_norm(section))):
                missing.append(section)
    asked = " ".join(_norm(m) for m in missing)
    if not any(w in asked for w in VERSION_WORDS) and not _has_version(title, body, found):
        missing.append("the version you use (of this project, and of your OS or runtime "
                       "if it matters)")
    if not any(w in asked for w in REPRO_WORDS) and not _has_repro(body, found):
        missing.append("the steps to reproduce the problem (a minimal example if you can)")
    return missing


def _has_version(title: str, body: str, found: Mapping[str, str]) -> bool:
    for heading, content in found.items():
        if any(w in heading for w in VERSION_WORDS):
            return _answered(content)
    return bool(VERSION.search(title) or VERSION.search(body))


def _has_repro(body: str, found: Mapping[str, str]) -> bool:
    for heading, content in found.items():
        if any(w in heading for w in REPRO_WORDS):
            return _answered(content)
    return bool(NUMBERED.search(body) or CODE.search(body))
