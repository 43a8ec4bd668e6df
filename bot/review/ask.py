"""`/ask` and `/explain`: the agent core with its read-only tools over one PR's changed
files, answering a maintainer. The answer is the model's words: posted quoted (mentions and
HTML defused), with the lines it rests on, never as reviewbot's own voice."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from bot.core.agent_types import Trace
from bot.core.bounds import clamp_int, clip, cut
from bot.core.instructions import for_paths, rules_message
from bot.core.payloads import PullRef
from bot.core.quote import blockquote, defused
from bot.core.redact import credentials_masked
from bot.core.untrusted import wrap
from bot.core.usage import Ledger
from bot.errors import ModelError
from bot.github.gateway import InstallationClient
from bot.llm.agent import AgentTask, run_agent
from bot.llm.prompts import load
from bot.review.aggregate.tools import review_tools
from bot.review.remote import pull_now, request_from_pull
from bot.review.services import ReviewServices
from bot.store.usage import CallScope

MAX_HISTORY = 6


class Reference(BaseModel):
    path: Annotated[str, AfterValidator(clip(500))]
    line: Annotated[int, AfterValidator(clamp_int(1, 10_000_000))]


class Answer(BaseModel):
    answer: Annotated[str, AfterValidator(clip(4000))]
    references: Annotated[list[Reference], AfterValidator(cut(10))] = Field(
        default_factory=list)


async def answer_question(services: ReviewServices, gh: InstallationClient, ref: PullRef,
                          question: str, history: Sequence[str] = ()) -> str:
    llm = services.llm
    if llm is None:
        raise ModelError("no model is configured")
    repo, number = ref.where.repo, ref.number
    pull = await pull_now(gh, ref)
    meter = services.stores.meter(CallScope(repo, number, pull.info.head_sha,
                                            gh.installation_id))
    budget = await meter.remaining()
    if budget is not None and budget <= 0:
        return "The model budget for this pull request (or for today) is spent; no answer."
    request = await request_from_pull(gh, pull, set())
    # What the model reads has credential-shaped strings masked, as in a review.
    sources = {p: credentials_masked(c.decode("utf-8", "replace"))
               for p, c in request.contents.items() if c is not None}
    earlier = "\n".join(f"- {defused(h)}" for h in history[-MAX_HISTORY:])
    data = (f"Changed files: {', '.join(sorted(sources)) or '(none)'}\n\n"
            + (f"Earlier in this thread:\n{earlier}\n\n" if earlier else "")
            + f"Question: {question}")
    rules = rules_message(for_paths(pull.instructions, sources))
    language = pull.config.config.language
    system = (load("ask") + (f"\n\nAnswer in {language}." if language else "")
              + (f"\n\n{rules}" if rules else ""))
    messages = [{"role": "system", "content": system},
                {"role": "user", "content": wrap(data)}]
    ledger, trace = Ledger(), Trace()
    try:
        answer = await run_agent(llm, AgentTask("ask", llm.model, messages,
                                                review_tools(sources, request.diff), Answer,
                                                budget_usd=budget), ledger, trace)
    except ModelError as exc:
        return f"The model could not answer ({defused(str(exc))})."
    finally:
        await meter.record(ledger.calls)
    cited = [f"`{r.path}:{r.line}`" for r in answer.references if r.path in sources]
    rests_on = f"\n\nFrom: {', '.join(cited)}" if cited else ""
    return (f"**reviewbot** (a model's answer, from this PR's code; check it before relying "
            f"on it):\n\n{blockquote(answer.answer)}{rests_on}")
