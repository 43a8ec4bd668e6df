"""What triage knows of a repository besides the issue: its issue templates and its docs
(README and docs/ at the default branch), read through the API. The docs are chunked and
kept in the store, read again only when the default branch moved."""

from __future__ import annotations

import asyncio
import logging

from bot.core.known import Chunk
from bot.core.triage_config import TriageConfig
from bot.errors import GitHubError
from bot.github import issues as api
from bot.github.gateway import InstallationClient
from bot.store.triage import TriageStore
from bot.triage.docs import MAX_DOC_FILES, chunk_markdown, is_doc
from bot.triage.missing import Template, parse_template

log = logging.getLogger(__name__)
TEMPLATE_DIR = ".github/ISSUE_TEMPLATE/"
MAX_TEMPLATES = 20
MAX_DOC_BYTES = 200_000


FALLBACK_FILES = ("README.md", "README.rst", "README")
FALLBACK_DIRS = (".github/ISSUE_TEMPLATE", "docs")


async def default_branch_tree(gh: InstallationClient, repo: str,
                              branch: str) -> tuple[str, list[str]]:
    """The default branch's commit and its files. Where the branch or tree API is not
    available (some GitHub-compatible servers), the branch name and the README plus the
    template and docs folders' files, read through the contents API."""
    try:
        head = await api.branch_head(gh, repo, branch)
        return head, await api.tree_paths(gh, repo, head)
    except GitHubError as exc:
        log.warning("no tree for the default branch (%s); reading known folders", exc,
                    extra={"repo": repo})
    listed = await asyncio.gather(*(api.list_dir(gh, repo, d, branch) for d in FALLBACK_DIRS))
    return branch, [*FALLBACK_FILES, *(p for paths in listed for p in paths)]


async def templates(gh: InstallationClient, repo: str, ref: str,
                    paths: list[str]) -> list[Template]:
    wanted = [p for p in paths if p.startswith(TEMPLATE_DIR)
              and p.endswith((".md", ".yml", ".yaml")) and not p.endswith("config.yml")]
    wanted = wanted[:MAX_TEMPLATES]
    contents = await asyncio.gather(*(gh.get_file(repo, p, ref) for p in wanted))
    found = [parse_template(p, c.decode("utf-8", "replace"))
             for p, c in zip(wanted, contents, strict=True) if c is not None]
    return [t for t in found if t is not None]


async def bug_template(gh: InstallationClient, repo: str, ref: str, paths: list[str],
                       config: TriageConfig) -> Template | None:
    """The repository's bug report template, if it has one (named so, or labelling its
    issues with the repository's bug label)."""
    bug_label = config.type_labels.get("bug", "bug")
    found = await templates(gh, repo, ref, paths)
    return next((t for t in found if t.is_bug_template(bug_label)), None)


async def docs(store: TriageStore, gh: InstallationClient, repo: str,
               tree: tuple[str, list[str]]) -> list[Chunk]:
    """The docs' chunks at the default branch's commit (`tree`: it and its files),
    indexed again when the branch moved."""
    ref, paths = tree
    known = await store.docs_ref(repo)
    if known != ref:
        wanted = [p for p in paths if is_doc(p)][:MAX_DOC_FILES]
        contents = await asyncio.gather(*(gh.get_file(repo, p, ref) for p in wanted))
        chunks = [c for p, raw in zip(wanted, contents, strict=True)
                  if raw is not None and len(raw) <= MAX_DOC_BYTES
                  for c in chunk_markdown(p, raw.decode("utf-8", "replace"))]
        await store.replace_docs(repo, ref, chunks)
        log.info("docs indexed", extra={"repo": repo, "files": len(wanted),
                                        "chunks": len(chunks)})
    return await store.doc_chunks(repo)
