"""What triage knows of a repository, as stored: its issues and its documentation's
passages (pure value types, shared by the store and triage)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True)
class Candidate:
    """A known issue, as the duplicate search reads it."""

    number: int
    title: str
    body: str
    state: str = "open"  # open | closed
    url: str = ""


@dataclass(frozen=True)
class Chunk:
    """One section of a documentation file on the default branch."""

    path: str
    heading: str
    anchor: str
    text: str

    def link(self, repository: str, ref: str) -> str:
        # Quoted: a doc's path or heading cannot end the link and start another.
        fragment = f"#{quote(self.anchor, safe='-_')}" if self.anchor else ""
        return (f"https://github.com/{quote(repository, safe='/')}/blob/{quote(ref, safe='')}/"
                f"{quote(self.path, safe='/')}{fragment}")
