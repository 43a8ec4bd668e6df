"""Many files in one request: GraphQL `object(expression: "REF:PATH")` under aliases, about
100 per query (pure: the query text and the parsing of its answer).

Paths travel as GraphQL variables, never inside the query text, so no file name can change
the query. A blob GraphQL cannot give as text (binary, or truncated because it is large) is
reported as such and read through REST instead, which says the same thing REST always did
(binary bytes, or no content past 1 MB)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

PER_QUERY = 100  # aliases per query: well inside GitHub's node limits


@dataclass(frozen=True)
class Blob:
    text: str | None  # None: not given as text (binary or truncated): read it through REST
    found: bool = True  # False: no such file at that ref (or not a file)
    entries: tuple[str, ...] = ()  # a folder's files (their names), when it is a folder


def blob_query(paths: Sequence[str]) -> str:
    """The query for one batch; its variables come from `blob_variables`."""
    params = "".join(f", $e{i}: String!" for i in range(len(paths)))
    fields = "\n".join(f"    f{i}: object(expression: $e{i}) {{ __typename "
                       f"... on Blob {{ text isBinary isTruncated }} "
                       f"... on Tree {{ entries {{ name type }} }} }}"
                       for i in range(len(paths)))
    return (f"query($owner: String!, $name: String!{params}) {{\n"
            f"  repository(owner: $owner, name: $name) {{\n{fields}\n  }}\n}}")


def blob_variables(repo: str, ref: str, paths: Sequence[str]) -> dict[str, str]:
    owner, name = repo.split("/", 1)
    return {"owner": owner, "name": name,
            **{f"e{i}": f"{ref}:{path}" for i, path in enumerate(paths)}}


def parse_blobs(data: dict[str, Any], paths: Sequence[str]) -> dict[str, Blob]:
    repository = data.get("repository")
    found = repository if isinstance(repository, dict) else {}
    out = {}
    for i, path in enumerate(paths):
        node = found.get(f"f{i}")
        if isinstance(node, dict) and node.get("__typename") == "Tree":
            listed = node.get("entries")
            entries: list[Any] = listed if isinstance(listed, list) else []
            out[path] = Blob(None, found=False, entries=tuple(
                str(e.get("name")) for e in entries
                if isinstance(e, dict) and e.get("type") == "blob" and e.get("name")))
        elif not isinstance(node, dict) or node.get("__typename") != "Blob":
            out[path] = Blob(None, found=False)  # absent, a tree, or a submodule
        elif node.get("isBinary") or node.get("isTruncated") \
                or not isinstance(node.get("text"), str):
            out[path] = Blob(None)
        else:
            out[path] = Blob(str(node["text"]))
    return out


def batches(paths: Sequence[str]) -> list[list[str]]:
    return [list(paths[i:i + PER_QUERY]) for i in range(0, len(paths), PER_QUERY)]
