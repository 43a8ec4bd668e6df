"""Triage one issue, in three steps:

    gather (the issue, the repository's labels and what people decided about them, the
    classifier's and the model's opinions, duplicates, the docs' passages) →
    plan (bot/triage/plan.py, pure: labels, type, what is missing, the comment) →
    apply (labels added, reviewbot's one comment written or edited in place, state kept)

An edit by the author after triage only updates the request for missing information.
Retraining a stale model is a job of its own, asked for after the triage."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Protocol

import anyio

from bot.core.known import Candidate
from bot.core.payloads import RepoRef
from bot.core.triage_config import TriageConfig
from bot.core.usage import Ledger
from bot.errors import ModelError, RetryLater
from bot.github import issues as api
from bot.github.gateway import InstallationClient
from bot.llm.client import LLMClient, ModelSession
from bot.llm.embeddings import Embedder
from bot.settings import Settings
from bot.store.stores import Stores
from bot.store.triage import TriageState, indexed_since
from bot.store.usage import CallScope
from bot.triage import comment as render
from bot.triage import knowledge, vectors
from bot.triage.classifier import TriageModel, TriageModelError
from bot.triage.decide import Opinion, classifier_opinion
from bot.triage.docs import ANSWER_AT, Passage, closest
from bot.triage.duplicates import DuplicateIndex, IndexCache, Similar, worth_suggesting
from bot.triage.llm import TriageQuestion, ask_model, opinions
from bot.triage.missing import missing_information
from bot.triage.plan import IssueFacts, TriagePlan, needs_template, plan_triage
from bot.triage.text import Issue, issue_text

log = logging.getLogger(__name__)
MODEL_ANSWER_AT = 0.7  # the model's own confidence needed to post its answer


class TriageServices(Protocol):
    """What triage needs from the process (the composition root's bundle has it)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def stores(self) -> Stores: ...

    @property
    def llm(self) -> LLMClient | None: ...

    @property
    def embedder(self) -> Embedder | None: ...

    @property
    def known_issues(self) -> IndexCache: ...


@dataclass(frozen=True)
class Outcome:
    """What a triage run did (for tests, logs and the CLI)."""

    plan: TriagePlan | None
    commented: bool
    skipped: str = ""
    retrain: bool = False  # the stored model was refused at loading: retrain it now


async def triage_issue(services: TriageServices, gh: InstallationClient, where: RepoRef,
                       number: int, *, trigger: str) -> Outcome:
    """`trigger`: opened | edited | command."""
    repo, stores = where.repo, services.stores
    config = (await gh.repo_config(repo, where.default_branch)).config.triage
    if not config.enabled:
        return Outcome(None, False, "triage is disabled in the configuration")
    issue = await api.get_issue(gh, repo, number)
    if issue.is_pull or issue.state != "open":
        return Outcome(None, False, "not an open issue")
    await stores.triage.index(repo, Candidate(number, issue.title, issue.body, issue.state))
    state = await stores.triage.state(repo, number)
    if state.triaged and trigger != "command":
        if trigger == "edited":
            return await _recheck_missing(stores, gh, where, issue, state, config)
        return Outcome(None, False, "already triaged")
    waited = time.time() - issue.created_at
    if trigger != "command" and waited < config.delay_minutes * 60:
        raise RetryLater("triage waits for people to act first",
                         delay=config.delay_minutes * 60 - waited)
    run = _Run(services, gh, where, issue, config)
    facts, refused = await run.gather()
    ref, paths = run.tree
    template = (await knowledge.bug_template(gh, repo, ref, paths, config)
                if needs_template(facts, config) else None)
    plan = plan_triage(facts, config, template)
    if plan.decision.invented:
        log.warning("the model named labels that do not exist; ignored",
                    extra={"repo": repo, "number": number,
                           "invented": list(plan.decision.invented)})
    await _apply(stores, gh, (where, number), plan, state)
    log.info("issue triaged", extra={"repo": repo, "number": number,
                                     "labels": list(plan.apply),
                                     "escalated": plan.decision.escalate})
    return Outcome(plan, plan.comment is not None, retrain=refused)


@dataclass
class _Run:
    """One triage's gathering: GitHub through `api`, the store, the model, the CPU work in
    anyio's bounded thread pool (off the event loop that also takes webhook deliveries)."""

    services: TriageServices
    gh: InstallationClient
    where: RepoRef
    issue: api.IssueInfo
    config: TriageConfig
    tree: tuple[str, list[str]] = ("", [])

    @property
    def repo(self) -> str:
        return self.where.repo

    def scope(self) -> CallScope:
        return CallScope(self.repo, self.issue.number, None, self.gh.installation_id)

    async def gather(self) -> tuple[IssueFacts, bool]:
        """What triage decides from, and whether the stored model was refused."""
        stores, issue, config, repo = self.services.stores, self.issue, self.config, self.repo
        labels = await api.repo_labels(self.gh, repo)
        decided = await stores.triage.label_decisions(repo, issue.number)
        found = await vectors.embed(self.services, self.scope(),
                                    [issue_text(issue.title, issue.body)])
        vector = found[0] if found else None
        if vector is not None:
            await stores.triage.index(repo, Candidate(issue.number, issue.title, issue.body,
                                                      issue.state), vector)
        classifier, refused = await self._classify(vector)
        duplicates = await self._duplicates(vector) if config.duplicates else []
        self.tree = await knowledge.default_branch_tree(self.gh, repo,
                                                        self.where.default_branch)
        ref = self.tree[0]
        chunks = (await knowledge.docs(stores.triage, self.gh, repo, self.tree)
                  if config.answers else [])
        passages = [p for p in await anyio.to_thread.run_sync(
            closest, f"{issue.title}\n{issue.body}", chunks) if p.score >= ANSWER_AT]
        model_view, answer = await self._ask(labels, duplicates, passages)
        return IssueFacts(
            repository=repo, number=issue.number, title=issue.title, body=issue.body,
            author=issue.author, on_issue=tuple(issue.labels), repo_labels=labels,
            vetoed=frozenset(label for label, _ in decided),  # anyone's: never touched
            # The author's own labels (a template's) do not mean someone triaged it.
            people_labelled=any(actor != issue.author for _, actor in decided),
            classifier=classifier, model=tuple(model_view), model_answer=answer,
            duplicates=tuple(duplicates), passages=tuple(passages), docs_ref=ref), refused

    async def _duplicates(self, vector: list[float] | None) -> list[Similar]:
        """Likely duplicates among the issues known here. Lexically, from the index kept in
        memory (refreshed with what changed since the last triage); with an embedding, the
        known issues' vectors are needed too, so the index is built for this query."""
        issue, repo, stores = self.issue, self.repo, self.services.stores
        if vector is None:
            known = self.services.known_issues.of(repo)

            def search() -> list[Similar]:
                with known.lock:
                    known.refresh(indexed_since(stores.engine, repo, known.since()))
                    return worth_suggesting(known.index.query(issue.title, issue.body,
                                                              exclude=issue.number))
            return await anyio.to_thread.run_sync(search)
        rows = [k for k in await stores.triage.indexed(repo) if k[0].number != issue.number]
        candidates, known_vectors = await vectors.known_with_vectors(self.services,
                                                                     self.scope(), rows)
        return await anyio.to_thread.run_sync(lambda: worth_suggesting(
            DuplicateIndex(candidates, known_vectors).query(
                issue.title, issue.body, exclude=issue.number, query_vector=vector)))

    async def _classify(self, vector: list[float] | None) -> tuple[Opinion | None, bool]:
        """The classifier's opinion, and whether the stored model was refused (to retrain)."""
        stored = await self.services.stores.triage.latest_model(self.repo)
        if stored is None:
            return None, False
        try:
            model = await anyio.to_thread.run_sync(TriageModel.from_bytes, stored.model)
        except TriageModelError:
            log.exception("the stored triage model is refused; triage goes on without it and "
                          "it is retrained", extra={"repo": self.repo, "version": stored.version})
            return None, True
        (prediction,) = await anyio.to_thread.run_sync(
            model.predict, [Issue(title=self.issue.title, body=self.issue.body)],
            [vector] if vector is not None and model.head is not None else None)
        return classifier_opinion(prediction, self.config), False

    async def _ask(self, labels: dict[str, str], duplicates: list[Similar],
                   passages: list[Passage]) -> tuple[list[Opinion], str]:
        llm, stores, issue = self.services.llm, self.services.stores, self.issue
        if llm is None:
            return [], ""
        meter = stores.meter(self.scope())
        if await meter.spent_out():
            log.warning("model budget spent; the classifier decides alone",
                        extra={"repo": self.repo, "number": issue.number})
            return [], ""
        examples = await self._examples()
        ledger = Ledger()
        try:
            answer = await ask_model(ModelSession(llm, ledger, stores.answers), TriageQuestion(
                title=issue.title, body=issue.body, labels=labels, duplicates=duplicates,
                passages=passages, examples=examples))
        except ModelError as exc:
            log.warning("the model could not triage; the classifier decides alone: %s", exc,
                        extra={"repo": self.repo, "number": issue.number})
            return [], ""
        finally:
            await meter.record(ledger.calls)
        text = answer.answer if answer.answer_confidence >= MODEL_ANSWER_AT and passages else ""
        return opinions(answer), text

    async def _examples(self) -> list[tuple[str, str]]:
        """A few issues people labelled that read like this one, with their type label."""
        labelled = await self.services.stores.triage.labelled_examples(self.repo)
        if not labelled:
            return []
        issue, config = self.issue, self.config

        def nearest() -> list[tuple[str, str]]:
            index = DuplicateIndex([c for c, _ in labelled])
            kinds = {c.number: kind for c, kind in labelled}
            return [(s.candidate.title, config.type_labels.get(kinds[s.candidate.number],
                                                               kinds[s.candidate.number]))
                    for s in index.query(issue.title, issue.body, exclude=issue.number, top=3)]
        return await anyio.to_thread.run_sync(nearest)


async def _apply(stores: Stores, gh: InstallationClient, target: tuple[RepoRef, int],
                 plan: TriagePlan, state: TriageState) -> None:
    """Labels added, the one comment written (or edited in place), the state kept."""
    where, number = target
    repo = where.repo
    await api.add_labels(gh, repo, number, plan.apply)
    comment_id = state.comment_id
    if comment_id is None:  # posted before a crash kept us from storing its id?
        comment_id = await api.find_own_comment(gh, repo, number, render.MARKER)
    if plan.comment is not None:
        if comment_id is not None and await api.issue_comment_body(
                gh, repo, comment_id) is not None:
            await api.edit_issue_comment(gh, repo, comment_id, plan.comment)
        else:
            comment_id = await api.create_comment(gh, repo, number, plan.comment)
    await stores.triage.save_state(repo, number, TriageState(
        comment_id=comment_id, labels=(*state.labels, *plan.apply), asked=plan.missing))


async def _recheck_missing(stores: Stores, gh: InstallationClient, where: RepoRef,
                           issue: api.IssueInfo, state: TriageState,
                           config: TriageConfig) -> Outcome:
    """The author edited a report we asked about: update the request in place."""
    repo = where.repo
    if not state.asked or state.comment_id is None:
        return Outcome(None, False, "nothing was asked")
    ref, paths = await knowledge.default_branch_tree(gh, repo, where.default_branch)
    template = await knowledge.bug_template(gh, repo, ref, paths, config)
    missing = missing_information(issue.title, issue.body, template)
    if tuple(missing) == state.asked:
        return Outcome(None, False, "still missing the same")
    body = await api.issue_comment_body(gh, repo, state.comment_id)
    if body is None:
        return Outcome(None, False, "the comment was deleted")
    section = (render.missing_section(missing, issue.author) if missing
               else render.completed_section())
    await api.edit_issue_comment(gh, repo, state.comment_id,
                                 render.replace_missing(body, section))
    await stores.triage.save_state(repo, issue.number, TriageState(
        comment_id=state.comment_id, labels=state.labels, asked=tuple(missing)))
    return Outcome(None, True)
