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
from dataclasses import dataclass, field

from bot.core.instructions import FOLDER, Instruction, instruction_paths, parse_instructions
from bot.core.repo_config import LoadedConfig, parse_repo_config
from bot.errors import GitHubError
from bot.github import blobs
from bot.github.gateway import InstallationClient

log = logging.getLogger(__name__)


@dataclass
class Read:
    contents: dict[str, bytes | None] = field(default_factory=dict)  # None: no such file
    folders: dict[str, tuple[str, ...]] = field(default_factory=dict)  # a folder's files


async def read_paths(gh: InstallationClient, repo: str, ref: str, paths: Sequence[str]) -> Read:
    """Each path's bytes at `ref` as `get_file` gives them, and the files of those that are
    folders (GraphQL only: read through REST, a folder is just absent)."""
    unique = list(dict.fromkeys(paths))
    batches = await asyncio.gather(*(_one_batch(gh, repo, ref, batch)
                                     for batch in blobs.batches(unique)))
    out = Read()
    for batch in batches:
        out.contents.update(batch.contents)
        out.folders.update(batch.folders)
    return out


async def read_files(gh: InstallationClient, repo: str, ref: str, paths: Sequence[str]
                     ) -> dict[str, bytes | None]:
    """Each path's bytes at `ref` as `get_file` gives them (None: no such file there)."""
    return (await read_paths(gh, repo, ref, paths)).contents


async def _one_batch(gh: InstallationClient, repo: str, ref: str, paths: list[str]) -> Read:
    try:
        data = await gh.graphql(blobs.blob_query(paths), blobs.blob_variables(repo, ref, paths))
    except GitHubError as exc:
        log.warning("batched read of %d file(s) failed, reading them one by one: %s",
                    len(paths), exc)
        return Read(await _through_rest(gh, repo, ref, paths))
    parsed = blobs.parse_blobs(data, paths)
    out: dict[str, bytes | None] = {p: blob.text.encode() for p, blob in parsed.items()
                                    if blob.text is not None}
    out.update({p: None for p, blob in parsed.items() if not blob.found})
    rest = [p for p in paths if p not in out]
    out.update(await _through_rest(gh, repo, ref, rest))
    return Read({p: out[p] for p in paths},
                {p: blob.entries for p, blob in parsed.items() if blob.entries})


async def _through_rest(gh: InstallationClient, repo: str, ref: str, paths: list[str]
                        ) -> dict[str, bytes | None]:
    contents = await asyncio.gather(*(gh.get_file(repo, p, ref) for p in paths))
    return dict(zip(paths, contents, strict=True))


@dataclass(frozen=True)
class BranchSettings:
    """What the default branch says about reviews: reviewbot's settings, the linters'
    settings files that exist, and the maintainers' instructions."""

    config: LoadedConfig
    linter_configs: dict[str, bytes]
    instructions: tuple[Instruction, ...] = ()


async def default_branch_settings(gh: InstallationClient, repo: str, branch: str,
                                  also: Sequence[str]) -> BranchSettings:
    """The review settings (`gh.config_path`), the files named in `also` (the linters'
    settings) and the instruction files, in one batch (and one more when the instructions
    folder holds files)."""
    whole = instruction_paths(())
    found = await read_paths(gh, repo, branch, [gh.config_path, *also, *whole, FOLDER])
    more = [p for p in instruction_paths(found.folders.get(FOLDER, ())) if p not in whole]
    texts = dict(found.contents)
    if more:
        texts.update(await read_files(gh, repo, branch, more))
    text = texts.get(gh.config_path)
    config = parse_repo_config(text.decode("utf-8", "replace") if text is not None else None)
    instructions = parse_instructions({p: c for p in [*whole, *more]
                                       if (c := texts.get(p)) is not None})
    return BranchSettings(config, {p: c for p in also if (c := texts.get(p)) is not None},
                          instructions)
