"""Triage's memory: the classifier per repository (versioned), each issue's triage state,
labels people set or removed, the issues known for duplicates, and the docs' chunks."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass

import anyio
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.core.known import Candidate, Chunk
from bot.store.tables import doc_chunks, issue_index, label_vetoes, triage_models, triage_state

MAX_INDEXED_BODY = 20_000


@dataclass(frozen=True)
class StoredModel:
    repository: str
    version: int
    created_at: float
    trained_on: int
    labels: dict[str, int]
    source: str
    model: bytes


def save_model(engine: Engine, repository: str, model: bytes, *, trained_on: int,
               labels: dict[str, int], source: str) -> int:
    """Store a newly trained model as the repository's next version; its version."""
    with engine.begin() as conn:
        latest = conn.execute(sa.select(sa.func.max(triage_models.c.version)).where(
            triage_models.c.repository == repository)).scalar_one()
        version = int(latest or 0) + 1
        conn.execute(triage_models.insert().values(
            repository=repository, version=version, created_at=time.time(),
            trained_on=trained_on, labels=json.dumps(labels), source=source[:256],
            model=model))
    return version


def latest_model(engine: Engine, repository: str) -> StoredModel | None:
    with engine.connect() as conn:
        row = conn.execute(sa.select(triage_models).where(
            triage_models.c.repository == repository).order_by(
            triage_models.c.version.desc()).limit(1)).first()
    if row is None:
        return None
    return StoredModel(row.repository, row.version, row.created_at, row.trained_on,
                       json.loads(row.labels), row.source, bytes(row.model))


def list_models(engine: Engine, repository: str | None = None) -> list[StoredModel]:
    query = sa.select(triage_models).order_by(triage_models.c.repository,
                                              triage_models.c.version)
    if repository is not None:
        query = query.where(triage_models.c.repository == repository)
    with engine.connect() as conn:
        return [StoredModel(r.repository, r.version, r.created_at, r.trained_on,
                            json.loads(r.labels), r.source, b"")
                for r in conn.execute(query)]


@dataclass(frozen=True)
class TriageState:
    comment_id: int | None = None
    triaged: bool = False
    labels: tuple[str, ...] = ()
    asked: tuple[str, ...] = ()


def _key(repository: str, number: int) -> sa.ColumnElement[bool]:
    return sa.and_(triage_state.c.repository == repository, triage_state.c.number == number)


def state_of(engine: Engine, repository: str, number: int) -> TriageState:
    with engine.connect() as conn:
        row = conn.execute(sa.select(triage_state).where(_key(repository, number))).first()
    if row is None:
        return TriageState()
    return TriageState(comment_id=row.comment_id, triaged=row.triaged_at is not None,
                       labels=tuple(row.labels.split()),
                       asked=tuple(json.loads(row.asked or "[]")))


def save_state(engine: Engine, repository: str, number: int, *, comment_id: int | None,
               labels: Sequence[str], asked: Sequence[str]) -> None:
    now = time.time()
    values = {"comment_id": comment_id, "triaged_at": now, "labels": " ".join(labels),
              "asked": json.dumps(list(asked)), "updated_at": now}
    with engine.begin() as conn:
        if conn.execute(triage_state.update().where(_key(repository, number))
                        .values(**values)).rowcount == 0:
            conn.execute(triage_state.insert().values(repository=repository, number=number,
                                                      **values))


def labels_applied(engine: Engine, repository: str) -> dict[int, frozenset[str]]:
    """Per issue, the labels reviewbot applied (never training data: a model must not
    learn from its own guesses)."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(triage_state.c.number, triage_state.c.labels).where(
            triage_state.c.repository == repository)).all()
    return {n: frozenset(labels.split()) for n, labels in rows if labels}


def record_veto(engine: Engine, repository: str, number: int, label: str, action: str,
                actor: str) -> None:
    try:
        with engine.begin() as conn:
            conn.execute(label_vetoes.insert().values(
                repository=repository, number=number, label=label[:128], action=action,
                actor=actor[:128], created_at=time.time()))
    except IntegrityError:
        pass  # already vetoed: the first human decision stands


def label_decisions(engine: Engine, repository: str, number: int) -> list[tuple[str, str]]:
    """The labels people set or removed on an issue, with who did it."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(label_vetoes.c.label, label_vetoes.c.actor).where(
            label_vetoes.c.repository == repository, label_vetoes.c.number == number)).all()
    return [(label, actor) for label, actor in rows]


def index_issue(engine: Engine, repository: str, issue: Candidate,
                vector: Sequence[float] | None = None, label: str | None = None) -> None:
    """Known (or known again): the text and state; the embedding when given (a changed
    text without one loses the old one); its type when people labelled it (training)."""
    number, title, body, state = issue.number, issue.title, issue.body, issue.state
    values: dict[str, object] = {"title": title[:1000], "body": (body or "")[:MAX_INDEXED_BODY],
                                 "state": state[:16], "updated_at": time.time()}
    if label is not None:
        values["label"] = label[:32]
    if vector is not None:
        values["vector"] = json.dumps([round(float(x), 6) for x in vector])
    else:
        with engine.connect() as conn:
            old = conn.execute(sa.select(issue_index.c.title, issue_index.c.body).where(
                issue_index.c.repository == repository,
                issue_index.c.number == number)).first()
        if old is not None and (old.title, old.body) != (values["title"], values["body"]):
            values["vector"] = None
    with engine.begin() as conn:
        key = sa.and_(issue_index.c.repository == repository, issue_index.c.number == number)
        if conn.execute(issue_index.update().where(key).values(**values)).rowcount == 0:
            conn.execute(issue_index.insert().values(repository=repository, number=number,
                                                     **values))


def indexed_issues(engine: Engine, repository: str, limit: int = 5000
                   ) -> list[tuple[Candidate, list[float] | None]]:
    """The repository's known issues, newest first (open and closed), with their
    embeddings where known."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(issue_index).where(
            issue_index.c.repository == repository).order_by(
            issue_index.c.number.desc()).limit(limit)).all()
    return [(Candidate(number=r.number, title=r.title, body=r.body, state=r.state,
                       url=f"https://github.com/{repository}/issues/{r.number}"),
             json.loads(r.vector) if r.vector else None) for r in rows]


def indexed_since(engine: Engine, repository: str, since: float | None,
                  limit: int = 50_000) -> list[tuple[Candidate, float]]:
    """The repository's known issues changed since `since` (None: all, newest first up to
    `limit`), each with when it was last indexed; for the duplicate index kept in memory."""
    query = sa.select(issue_index.c.number, issue_index.c.title, issue_index.c.body,
                      issue_index.c.state, issue_index.c.updated_at).where(
        issue_index.c.repository == repository)
    if since is not None:
        query = query.where(issue_index.c.updated_at >= since)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(issue_index.c.number.desc()).limit(limit)).all()
    return [(Candidate(number=r.number, title=r.title, body=r.body, state=r.state,
                       url=f"https://github.com/{repository}/issues/{r.number}"),
             float(r.updated_at)) for r in rows]


def labelled_examples(engine: Engine, repository: str, limit: int = 2000
                      ) -> list[tuple[Candidate, str]]:
    """Issues people labelled, with their type: examples for the model."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(issue_index).where(
            issue_index.c.repository == repository, issue_index.c.label.is_not(None)
        ).order_by(issue_index.c.number.desc()).limit(limit)).all()
    return [(Candidate(number=r.number, title=r.title, body=r.body, state=r.state),
             str(r.label)) for r in rows]


def docs_ref(engine: Engine, repository: str) -> str | None:
    with engine.connect() as conn:
        return conn.execute(sa.select(doc_chunks.c.ref).where(
            doc_chunks.c.repository == repository).limit(1)).scalar_one_or_none()


def replace_docs(engine: Engine, repository: str, ref: str, chunks: Sequence[Chunk]) -> None:
    with engine.begin() as conn:
        conn.execute(doc_chunks.delete().where(doc_chunks.c.repository == repository))
        # No docs at all: one empty row keeps the ref, so they are not fetched every time.
        rows = list(chunks) or [Chunk("", "", "", "")]
        conn.execute(doc_chunks.insert(), [
            {"repository": repository, "ref": ref, "path": c.path, "heading": c.heading,
             "anchor": c.anchor, "text": c.text} for c in rows])


def doc_chunks_of(engine: Engine, repository: str) -> list[Chunk]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(doc_chunks).where(
            doc_chunks.c.repository == repository).order_by(doc_chunks.c.id)).all()
    return [Chunk(r.path, r.heading, r.anchor, r.text) for r in rows if r.path]



@dataclass(frozen=True)
class TriageStore:
    """What triage keeps, reached from async code (each call off the event loop)."""

    engine: Engine

    async def index(self, repository: str, issue: Candidate,
                    vector: Sequence[float] | None = None) -> None:
        await anyio.to_thread.run_sync(index_issue, self.engine, repository, issue, vector)

    async def index_many(self, repository: str,
                         issues: Sequence[tuple[Candidate, Sequence[float]]]) -> None:
        def apply() -> None:
            for issue, vector in issues:
                index_issue(self.engine, repository, issue, vector)
        await anyio.to_thread.run_sync(apply)

    async def state(self, repository: str, number: int) -> TriageState:
        return await anyio.to_thread.run_sync(state_of, self.engine, repository, number)

    async def save_state(self, repository: str, number: int, state: TriageState) -> None:
        await anyio.to_thread.run_sync(lambda: save_state(
            self.engine, repository, number, comment_id=state.comment_id,
            labels=state.labels, asked=state.asked))

    async def label_decisions(self, repository: str, number: int) -> list[tuple[str, str]]:
        return await anyio.to_thread.run_sync(label_decisions, self.engine, repository, number)

    async def record_veto(self, repository: str, number: int, label: str,
                          by: tuple[str, str]) -> None:
        """`by`: (the action, who took it)."""
        await anyio.to_thread.run_sync(record_veto, self.engine, repository, number, label,
                                       *by)

    async def indexed(self, repository: str) -> list[tuple[Candidate, list[float] | None]]:
        return await anyio.to_thread.run_sync(indexed_issues, self.engine, repository)

    async def labelled_examples(self, repository: str) -> list[tuple[Candidate, str]]:
        return await anyio.to_thread.run_sync(labelled_examples, self.engine, repository)

    async def latest_model(self, repository: str) -> StoredModel | None:
        return await anyio.to_thread.run_sync(latest_model, self.engine, repository)

    async def labels_applied(self, repository: str) -> dict[int, frozenset[str]]:
        return await anyio.to_thread.run_sync(labels_applied, self.engine, repository)

    async def docs_ref(self, repository: str) -> str | None:
        return await anyio.to_thread.run_sync(docs_ref, self.engine, repository)

    async def replace_docs(self, repository: str, ref: str, chunks: Sequence[Chunk]) -> None:
        await anyio.to_thread.run_sync(replace_docs, self.engine, repository, ref, chunks)

    async def doc_chunks(self, repository: str) -> list[Chunk]:
        return await anyio.to_thread.run_sync(doc_chunks_of, self.engine, repository)
