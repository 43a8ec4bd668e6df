"""What people said and did about reviewbot's work on a PR, reached from async code (each
call off the event loop): 👍/👎 and resolved threads, `/ignore`, findings fixed, rules the
repository keeps rejecting, and the commands admitted under their hourly limits."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import anyio
from sqlalchemy.engine import Engine

from bot.store import feedback, memory


@dataclass(frozen=True)
class Said:
    """What the people with write access did with reviewbot's comments since the last
    review: 👍/👎 counts per fingerprint, threads they resolved (fingerprint -> who), and
    the findings they turned down (fingerprint -> who and how)."""

    counts: Mapping[str, tuple[int, int]]
    resolved_by: Mapping[str, str]
    down: Mapping[str, str]


@dataclass(frozen=True)
class PullDecisions:
    engine: Engine

    async def admit(self, asked: memory.CommandAsked, limit: memory.CommandLimit) -> bool:
        return await anyio.to_thread.run_sync(memory.admit_command, self.engine, asked, limit)

    async def ignored(self, repository: str, number: int) -> memory.Ignored:
        return await anyio.to_thread.run_sync(memory.ignored_on, self.engine, repository,
                                              number)

    async def ignore(self, repository: str, number: int, what: tuple[str, str],
                     who: str) -> None:
        """`what`: ("finding", fingerprint) or ("rule", rule); a finding also counts against
        its rule in the repository's acceptance."""
        kind, value = what

        def apply() -> None:
            memory.remember_ignored(self.engine, repository, number, kind, value, who)
            if kind == "finding":
                feedback.mark(self.engine, repository, number, value, "ignored")
        await anyio.to_thread.run_sync(apply)

    async def fixed(self, repository: str, number: int) -> frozenset[str]:
        return await anyio.to_thread.run_sync(feedback.marked, self.engine, repository,
                                              number, "fixed")

    async def mark_fixed(self, repository: str, number: int, fingerprint: str) -> None:
        await anyio.to_thread.run_sync(feedback.mark, self.engine, repository, number,
                                       fingerprint, "fixed")

    async def suppressed_rules(self, repository: str) -> dict[str, str]:
        return await anyio.to_thread.run_sync(feedback.suppressed_rules, self.engine,
                                              repository)

    async def record_posted(self, repository: str, number: int,
                            posted: Iterable[feedback.Posted]) -> None:
        await anyio.to_thread.run_sync(feedback.record_posted, self.engine, repository,
                                       number, list(posted))

    async def remember(self, repository: str, number: int, said: Said) -> memory.Ignored:
        """Record the votes and resolutions, and remember each turned-down finding once (it
        survives a deleted comment; the first reason given is the one kept)."""
        return await anyio.to_thread.run_sync(self._remember, repository, number, said)

    def _remember(self, repository: str, number: int, said: Said) -> memory.Ignored:
        engine = self.engine
        feedback.record_reactions(engine, repository, number, said.counts)
        for fp in said.resolved_by:
            feedback.mark(engine, repository, number, fp, "resolved")
        ignored = memory.ignored_on(engine, repository, number)
        added: dict[str, str] = {}
        for fp, why in [*said.down.items(),
                        *((fp, f"@{who} (thread resolved)")
                          for fp, who in said.resolved_by.items())]:
            if fp not in ignored.fingerprints:
                added.setdefault(fp, why)
        for fp, why in added.items():
            memory.remember_ignored(engine, repository, number, "finding", fp, why)
        return memory.Ignored({**ignored.fingerprints, **added}, ignored.rules)
