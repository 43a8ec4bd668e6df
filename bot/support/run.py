"""Triage one issue: read it and what the repository knows, ask the classifier (and the
model when one is configured), decide, then apply the labels and write reviewbot's one
comment (edited in place on later runs). An edit by the author after triage only updates
the request for missing information."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import anyio

from bot.core.repo_config import CONFIG_PATH, parse_repo_config
from bot.core.triage_config import TriageConfig
from bot.core.usage import Ledger
from bot.errors import ModelError, RetryLater
from bot.github import issues as api
from bot.github.gateway import InstallationClient
from bot.jobs.context import JobContext
from bot.review.publish import remaining_budget
from bot.store import triage as store
from bot.store import usage as usage_store
from bot.store.usage import StoreCache
from bot.support import knowledge, training, vectors
from bot.triage import comment as render
from bot.triage.classifier import TriageModel, TriageModelError
from bot.triage.decide import Decision, Opinion, classifier_opinion, decide
from bot.triage.docs import ANSWER_AT, Passage, closest
from bot.triage.duplicates import DuplicateIndex, Similar, worth_suggesting
from bot.triage.llm import ask_model, opinions
from bot.triage.missing import missing_information
from bot.triage.text import Issue, issue_text

log = logging.getLogger(__name__)
MODEL_ANSWER_AT = 0.7  # the model's own confidence needed to post its answer


@dataclass(frozen=True)
class Outcome:
    """What a triage run did (for tests, logs and the CLI)."""

    decision: Decision | None
    commented: bool
    skipped: str = ""


async def triage_issue(ctx: JobContext, gh: InstallationClient, repo: str, number: int,
                       default_branch: str, *, trigger: str) -> Outcome:
    """`trigger`: opened | edited | command."""
    text = await gh.get_file(repo, CONFIG_PATH, default_branch)
    config = parse_repo_config(text.decode("utf-8", "replace") if text else None).config.triage
    if not config.enabled:
        return Outcome(None, False, "triage is disabled in the configuration")
    issue = await api.get_issue(gh, repo, number)
    if issue.is_pull or issue.state != "open":
        return Outcome(None, False, "not an open issue")
    engine = ctx.engine
    await anyio.to_thread.run_sync(store.index_issue, engine, repo, number, issue.title,
                                   issue.body, issue.state)
    state = await anyio.to_thread.run_sync(store.state_of, engine, repo, number)
    if state.triaged and trigger != "command":
        if trigger == "edited":
            return await _recheck_missing(ctx, gh, repo, issue, state, default_branch, config)
        return Outcome(None, False, "already triaged")
    waited = time.time() - issue.created_at
    if trigger != "command" and waited < config.delay_minutes * 60:
        raise RetryLater("triage waits for people to act first",
                         delay=config.delay_minutes * 60 - waited)
    return await _triage(ctx, gh, repo, issue, state, default_branch, config)


async def _triage(ctx: JobContext, gh: InstallationClient, repo: str, issue: api.IssueInfo,
                  state: store.TriageState, default_branch: str,
                  config: TriageConfig) -> Outcome:
    engine = ctx.engine
    labels = await api.repo_labels(gh, repo)
    decided = await anyio.to_thread.run_sync(store.label_decisions, engine, repo,
                                             issue.number)
    vetoes = frozenset(label for label, _ in decided)  # anyone's: never touched
    # The author's own labels (a template's, say) do not mean someone triaged the issue.
    by_others = frozenset(label for label, actor in decided if actor != issue.author)
    found = await vectors.embed(ctx, repo, issue.number, [issue_text(issue.title, issue.body)],
                                gh.installation_id)
    vector = found[0] if found else None
    if vector is not None:
        await anyio.to_thread.run_sync(lambda: store.index_issue(
            engine, repo, issue.number, issue.title, issue.body, issue.state, vector))
    classifier, refused = await _classify(ctx, repo, issue, config, vector)
    duplicates: list[Similar] = []
    if config.duplicates:
        duplicates = await _duplicates(ctx, gh, repo, issue, vector)
    ref, paths = await knowledge.default_branch_tree(gh, repo, default_branch)
    chunks = await knowledge.docs(engine, gh, repo, ref, paths) if config.answers else []
    question = f"{issue.title}\n{issue.body}"
    passages = [p for p in await anyio.to_thread.run_sync(closest, question, chunks)
                if p.score >= ANSWER_AT]
    model_view: list[Opinion] = []
    answer_text = ""
    if ctx.llm is not None:
        model_view, answer_text = await _ask(ctx, gh, repo, issue, labels, duplicates,
                                             passages, config)
    decision = decide(classifier, model_view, repo_labels=labels,
                      on_issue=frozenset(issue.labels), vetoed=vetoes, config=config,
                      people_labelled=bool(by_others))
    if decision.invented:
        log.warning("the model named labels that do not exist; ignored",
                    extra={"repo": repo, "number": issue.number,
                           "invented": list(decision.invented)})
    kind = _kind(decision, issue.labels, classifier, config)
    missing: list[str] = []
    if kind == "bug" and config.ask_missing:
        template = await knowledge.bug_template(gh, repo, ref, paths, config)
        missing = missing_information(issue.title, issue.body, template)
    triage = render.Triage(
        decision=decision, mode=config.mode, missing=tuple(missing),
        duplicates=tuple(duplicates),
        passages=tuple(passages) if kind == "question" else (),
        answer=answer_text if kind == "question" else "", docs_ref=ref, repository=repo,
        team=config.team, author=issue.author)
    applied = list(decision.apply) if config.mode == "apply" else []
    await api.add_labels(gh, repo, issue.number, applied)
    comment_id = state.comment_id
    if comment_id is None:  # posted before a crash kept us from storing its id?
        comment_id = await api.find_own_comment(gh, repo, issue.number, render.MARKER)
    if triage.worth_a_comment():
        body = render.render(triage)
        if comment_id is not None and await api.issue_comment_body(
                gh, repo, comment_id) is not None:
            await api.edit_issue_comment(gh, repo, comment_id, body)
        else:
            comment_id = await gh.create_issue_comment(repo, issue.number, body)
    await anyio.to_thread.run_sync(lambda: store.save_state(
        engine, repo, issue.number, comment_id=comment_id,
        labels=[*state.labels, *applied], asked=missing))
    log.info("issue triaged", extra={"repo": repo, "number": issue.number,
                                     "labels": applied, "escalated": decision.escalate})
    await training.retrain_if_stale(ctx, gh, repo, config, refused=refused)
    return Outcome(decision, triage.worth_a_comment())


def _kind(decision: Decision, on_issue: tuple[str, ...], classifier: Opinion | None,
          config: TriageConfig) -> str | None:
    """The issue's type: from a label applied or already there, else the classifier's
    guess when it leans clearly one way."""
    for label in [*decision.apply, *on_issue]:
        if (kind := config.type_of(label)) is not None:
            return kind
    if classifier is not None and classifier.confidence >= 0.5:
        return config.type_of(classifier.label)
    return None


async def _duplicates(ctx: JobContext, gh: InstallationClient, repo: str,
                      issue: api.IssueInfo, vector: list[float] | None) -> list[Similar]:
    """Likely duplicates among the issues known here. Lexically, from the index kept in
    memory (refreshed with what changed since the last triage); with an embedding, the
    known issues' vectors are needed too, so the index is built for this query. Either way
    the CPU work runs in a worker thread of anyio's bounded pool, off the event loop that
    also takes webhook deliveries."""
    engine = ctx.engine
    if vector is None:
        known = ctx.known_issues.of(repo)

        def search() -> list[Similar]:
            with known.lock:
                known.refresh(store.indexed_since(engine, repo, known.since()))
                return worth_suggesting(known.index.query(issue.title, issue.body,
                                                          exclude=issue.number))
        return await anyio.to_thread.run_sync(search)
    rows = [k for k in await anyio.to_thread.run_sync(store.indexed_issues, engine, repo)
            if k[0].number != issue.number]
    candidates, known_vectors = await vectors.known_with_vectors(
        ctx, repo, issue.number, rows, gh.installation_id)
    return await anyio.to_thread.run_sync(lambda: worth_suggesting(
        DuplicateIndex(candidates, known_vectors).query(
            issue.title, issue.body, exclude=issue.number, query_vector=vector)))


async def _classify(ctx: JobContext, repo: str, issue: api.IssueInfo,
                    config: TriageConfig, vector: list[float] | None
                    ) -> tuple[Opinion | None, bool]:
    """The classifier's opinion, and whether the stored model was refused (to retrain)."""
    stored = await anyio.to_thread.run_sync(store.latest_model, ctx.engine, repo)
    if stored is None:
        return None, False
    try:
        model = await anyio.to_thread.run_sync(TriageModel.from_bytes, stored.model)
    except TriageModelError:
        log.exception("the stored triage model is refused; triage goes on without it and "
                      "it is retrained", extra={"repo": repo, "version": stored.version})
        return None, True
    (prediction,) = await anyio.to_thread.run_sync(
        model.predict, [Issue(title=issue.title, body=issue.body)],
        [vector] if vector is not None and model.head is not None else None)
    return classifier_opinion(prediction, config), False


async def _ask(ctx: JobContext, gh: InstallationClient, repo: str, issue: api.IssueInfo,
               labels: dict[str, str], duplicates: list[Similar],
               passages: list[Passage], config: TriageConfig) -> tuple[list[Opinion], str]:
    llm = ctx.llm
    assert llm is not None
    budget = await anyio.to_thread.run_sync(
        lambda: remaining_budget(ctx, repo, issue.number, gh.installation_id))
    if budget is not None and budget <= 0:
        log.warning("model budget spent; the classifier decides alone",
                    extra={"repo": repo, "number": issue.number})
        return [], ""
    examples = await anyio.to_thread.run_sync(_examples, ctx, repo, issue, config)
    ledger = Ledger()
    try:
        answer = await ask_model(llm, ledger, StoreCache(ctx.engine), title=issue.title,
                                 body=issue.body, labels=labels, duplicates=duplicates,
                                 passages=passages, examples=examples)
    except ModelError as exc:
        log.warning("the model could not triage; the classifier decides alone: %s", exc,
                    extra={"repo": repo, "number": issue.number})
        return [], ""
    finally:
        scope = usage_store.CallScope(repo, issue.number, None, gh.installation_id)
        await anyio.to_thread.run_sync(usage_store.record_calls, ctx.engine, scope,
                                       ledger.calls)
    text = answer.answer if answer.answer_confidence >= MODEL_ANSWER_AT and passages else ""
    return opinions(answer), text


def _examples(ctx: JobContext, repo: str, issue: api.IssueInfo,
              config: TriageConfig) -> list[tuple[str, str]]:
    """A few issues people labelled that read like this one, with their type label."""
    labelled = store.labelled_examples(ctx.engine, repo)
    if not labelled:
        return []
    index = DuplicateIndex([c for c, _ in labelled])
    kinds = {c.number: kind for c, kind in labelled}
    return [(s.candidate.title, config.type_labels.get(kinds[s.candidate.number],
                                                       kinds[s.candidate.number]))
            for s in index.query(issue.title, issue.body, exclude=issue.number, top=3)]


async def _recheck_missing(ctx: JobContext, gh: InstallationClient, repo: str,
                           issue: api.IssueInfo, state: store.TriageState,
                           default_branch: str, config: TriageConfig) -> Outcome:
    """The author edited a report we asked about: update the request in place."""
    if not state.asked or state.comment_id is None:
        return Outcome(None, False, "nothing was asked")
    ref, paths = await knowledge.default_branch_tree(gh, repo, default_branch)
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
    await anyio.to_thread.run_sync(lambda: store.save_state(
        ctx.engine, repo, issue.number, comment_id=state.comment_id, labels=state.labels,
        asked=missing))
    return Outcome(None, True)
