"""The walkthrough that opens the review body: every changed file by kind with its lines and
what changed in it, and the review effort (pure)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from bot.core.diffmap import parse_unified_diff
from bot.review.walkthrough import FileChange, changes, effort, kind_of, walkthrough_markdown
from tests.github_world import commit_files

HEAD_PY = '''import os


class Cart:
    def total(self):
        return sum(self.items) + 1

    def clear(self):
        self.items = []


def ship(cart):
    return os.getenv("CARRIER")
'''

BASE_PY = HEAD_PY.replace("sum(self.items) + 1", "sum(self.items)").replace(
    'def ship(cart):\n    return os.getenv("CARRIER")', "def refund(cart):\n    return None")
BASE = {"shop/cart.py": BASE_PY, "old.py": "def gone():\n    pass\n",
        "web/app.js": "function render(view) {\n" + "  view.step();\n" * 6
                      + "  const a = 1;\n  const b = 2;\n  return a + b;\n}\n",
        ".github/workflows/ci.yml": "name: ci\non: push\n", "README.md": "old\n"}
HEAD = {"shop/cart.py": HEAD_PY, "tests/test_cart.py": "def test_total():\n    assert True\n",
        "web/app.js": BASE["web/app.js"].replace("b = 2", "b = 3"),
        ".github/workflows/ci.yml": "name: ci\non: [push, pull_request]\n",
        "README.md": "new\n"}


def git_diff(tmp_path: Path) -> str:
    repo = tmp_path / "repo"
    base = commit_files(repo, BASE, "base")
    (repo / "old.py").unlink()
    head = commit_files(repo, HEAD, "head")
    return subprocess.run(["git", "-C", str(repo), "diff", base, head], check=True,
                          capture_output=True, text=True).stdout


def test_every_changed_file_by_kind_with_its_lines_and_what_changed(tmp_path: Path) -> None:
    diff = parse_unified_diff(git_diff(tmp_path))
    sources = {"shop/cart.py": HEAD_PY, "tests/test_cart.py": "def test_total():\n"
                                                             "    assert True\n"}
    rows = {c.path: c for c in changes(diff, sources)}
    assert [c.path for c in changes(diff, sources)] == [
        "old.py", "shop/cart.py", "web/app.js", "tests/test_cart.py", ".github/workflows/ci.yml",
        "README.md"]
    cart = rows["shop/cart.py"]
    assert (cart.kind, cart.added, cart.removed) == ("code", 3, 3)
    assert cart.what == ("added `ship()`", "changed `Cart.total()`", "removed `refund`")
    assert rows["tests/test_cart.py"].what == ("added `test_total()`",)
    assert rows["tests/test_cart.py"].kind == "tests"
    assert rows["web/app.js"].what == ("in `function render(view) {`",)
    assert (rows[".github/workflows/ci.yml"].kind, rows["README.md"].kind) == ("workflows",
                                                                                "docs")
    assert rows["old.py"].what == ("deleted",) and rows["old.py"].removed == 2

    text = walkthrough_markdown(diff, sources)
    assert "| `shop/cart.py` | code | +3/-3 | added `ship()`; changed `Cart.total()`; " \
           "removed `refund` |" in text
    assert "| `README.md` | docs | +1/-1 | — |" in text
    assert "<details>" not in text  # six rows: not folded
    assert text.startswith("### Walkthrough\n\n**Review effort: 2/5** (")


def test_kinds_of_files() -> None:
    assert [kind_of(p) for p in ("a/b.py", "tests/x.py", "src/test_y.py", "docs/x.rst",
                                 "Dockerfile", "pyproject.toml", ".github/workflows/x.yml",
                                 "action.yml", "logo.png", "setup.py", "run.sh")] == [
        "code", "tests", "tests", "docs", "config", "config", "workflows", "workflows",
        "other", "config", "code"]


def change(kind: str, added: int, removed: int = 0, path: str = "") -> FileChange:
    from bot.core.diffmap import FileStatus

    return FileChange(path or f"{kind}/{added}.x", kind, added, removed, FileStatus.MODIFIED, ())


def test_the_effort_rule_on_small_and_large_changes() -> None:
    assert effort([change("code", 10)])[0] == 1
    assert effort([change("code", 100, 40)])[0] == 2
    assert effort([change("code", 400)])[0] == 3
    assert effort([change("code", 1000)])[0] == 4
    assert effort([change("code", 5000)])[0] == 5
    # docs count half; docs and tests only is one less
    assert effort([change("docs", 200)])[0] == 1
    assert effort([change("tests", 400)])[0] == 2
    # spread and risk add one each, capped at 5
    spread = [change("code", 10, path=f"m{i}.py") for i in range(11)]
    assert effort(spread) == (3, "110 changed line(s) in 11 file(s); 11 code files")
    risky = [change("code", 10), change("workflows", 2, path=".github/workflows/ci.yml")]
    assert effort(risky)[0] == 2 and "a workflow or Dockerfile changed" in effort(risky)[1]
    assert effort([*spread, change("code", 5000)])[0] == 5


def test_a_long_table_is_folded_and_capped_and_names_stay_inert() -> None:
    files = "".join(f"diff --git a/f{i}.py b/f{i}.py\n--- a/f{i}.py\n+++ b/f{i}.py\n"
                    f"@@ -1,1 +1,1 @@\n-a\n+b\n" for i in range(130))
    hostile = ("diff --git a/x`|y.md b/x`|y.md\n--- a/x`|y.md\n+++ b/x`|y.md\n"
               "@@ -1,1 +1,1 @@ <script>|</script>\n-a\n+b\n")
    text = walkthrough_markdown(parse_unified_diff(files + hostile), {})
    assert "<details><summary>131 changed files</summary>" in text
    assert "| and 31 more file(s) |" in text
    assert text.count("\n| `") == 100
    small = walkthrough_markdown(parse_unified_diff(hostile), {})
    row = next(line for line in small.splitlines() if "y.md" in line)
    # the path's and the heading's `|` are escaped: they do not split the row, and the
    # heading's markup is inside a code span
    assert row.replace("\\|", "").count("|") == 5
    assert "in `<script>\\|</script>`" in row


def test_reviewbots_section_of_the_description_never_touches_the_authors_text() -> None:
    from bot.core.description import END, START, with_section

    authored = "Fixes #12.\n\nPlease review the cart first."
    once = with_section(authored, "table v1")
    assert once.startswith(authored) and once.endswith(f"{START}\ntable v1\n{END}")
    twice = with_section(once + "\n\nP.S. added later by the author", "table v2")
    assert twice.startswith(authored) and "table v1" not in twice and "table v2" in twice
    assert twice.endswith("P.S. added later by the author")
    assert with_section(None, "t") == f"{START}\nt\n{END}"
    assert with_section(f"{END} then {START} unclosed", "t").count(START) == 2  # no pair: appended
