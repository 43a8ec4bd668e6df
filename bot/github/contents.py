"""Files read many at a time: the changed files at head and the default branch's settings
in about one GraphQL request per 100 files, instead of one REST request per file.

What GraphQL cannot give as text (binary, or truncated because it is large) is read through
REST, which answers exactly as it always did. A GraphQL answer that fails (an error in its
body, a server that refuses the query) is logged and the batch read through REST: slower,
never lost. A rate limit is not a failure of the batch: it ends the job like any other."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from bot.core.repo_config import LoadedConfig, parse_repo_config
from bot.errors import GitHubError
from bot.github import blobs
from bot.github.gateway import InstallationClient

log = logging.getLogger(__name__)


async def read_files(gh: InstallationClient, repo: str, ref: str, paths: Sequence[str]
                     ) -> dict[str, bytes | None]:
    """Each path's bytes at `ref` as `get_file` gives them (None: no such file there)."""
    unique = list(dict.fromkeys(paths))
    found = await asyncio.gather(*(_one_batch(gh, repo, ref, batch)
                                   for batch in blobs.batches(unique)))
    return {path: content for batch in found for path, content in batch.items()}


async def _one_batch(gh: InstallationClient, repo: str, ref: str, paths: list[str]
                     ) -> dict[str, bytes | None]:
    try:
        data = await gh.graphql(blobs.blob_query(paths), blobs.blob_variables(repo, ref, paths))
    except GitHubError as exc:
        log.warning("batched read of %d file(s) failed, reading them one by one: %s",
                    len(paths), exc)
        return await _through_rest(gh, repo, ref, paths)
    parsed = blobs.parse_blobs(data, paths)
    out: dict[str, bytes | None] = {p: blob.text.encode() for p, blob in parsed.items()
                                    if blob.text is not None}
    out.update({p: None for p, blob in parsed.items() if not blob.found})
    rest = [p for p in paths if p not in out]
    out.update(await _through_rest(gh, repo, ref, rest))
    return {p: out[p] for p in paths}


async def _through_rest(gh: InstallationClient, repo: str, ref: str, paths: list[str]
                        ) -> dict[str, bytes | None]:
    contents = await asyncio.gather(*(gh.get_file(repo, p, ref) for p in paths))
    return dict(zip(paths, contents, strict=True))


async def default_branch_settings(gh: InstallationClient, repo: str, branch: str,
                                  also: Sequence[str]) -> tuple[LoadedConfig, dict[str, bytes]]:
    """The review settings (`gh.config_path`) and the files named in `also` (the linters'
    settings) on the default branch, in one batch; only the files that exist."""
    found = await read_files(gh, repo, branch, [gh.config_path, *also])
    text = found.get(gh.config_path)
    config = parse_repo_config(text.decode("utf-8", "replace") if text is not None else None)
    return config, {p: c for p in also if (c := found.get(p)) is not None}
