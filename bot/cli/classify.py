"""`reviewbot triage classify`: the plan triage would make for one issue, printed, with no
GitHub: the repository's stored classifier and known issues (if any) from the local store,
its `.github/reviewbot.yml` if given; the repository's labels are taken to be the ones the
configuration names (no model call)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bot.app import ready_engine
from bot.cli.process import load_settings
from bot.core.repo_config import parse_repo_config
from bot.core.triage_config import TriageConfig
from bot.errors import ConfigError
from bot.store import triage as store
from bot.triage.classifier import TriageModel
from bot.triage.decide import Opinion, classifier_opinion
from bot.triage.duplicates import DuplicateIndex, worth_suggesting
from bot.triage.plan import IssueFacts, TriagePlan, plan_triage
from bot.triage.text import Issue


def issue_from(args: argparse.Namespace) -> dict[str, Any]:
    """The issue from --title/--body, or from a webhook payload file (`issue` inside)."""
    if args.payload:
        try:
            data = json.loads(Path(args.payload).read_text())
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read {args.payload}: {exc}") from exc
        issue = data.get("issue", data) if isinstance(data, dict) else None
        if not isinstance(issue, dict) or not isinstance(issue.get("title"), str):
            raise ConfigError(f"{args.payload} holds no issue with a title")
        return issue
    if not args.title:
        raise ConfigError("give --title (and --body), or --payload FILE")
    return {"title": args.title, "body": args.body or ""}


def known_labels(config: TriageConfig) -> dict[str, str]:
    names = [*config.type_labels.values(), *(config.allow_labels or []),
             config.needs_triage_label]
    return {name: "" for name in names}


def classify(args: argparse.Namespace) -> TriagePlan:
    issue = issue_from(args)
    text = Path(args.config).read_text() if args.config else None
    config = parse_repo_config(text).config.triage
    engine = ready_engine(load_settings())
    title, body = str(issue.get("title") or ""), str(issue.get("body") or "")
    classifier: Opinion | None = None
    stored = store.latest_model(engine, args.repo)
    if stored is not None:
        (prediction,) = TriageModel.from_bytes(stored.model).predict([Issue(title, body)])
        classifier = classifier_opinion(prediction, config)
    number = int(issue.get("number") or 0)
    known = [c for c, _ in store.indexed_issues(engine, args.repo) if c.number != number]
    duplicates = (worth_suggesting(DuplicateIndex(known).query(title, body, exclude=number))
                  if known and config.duplicates else [])
    labels = [str(lb.get("name")) for lb in issue.get("labels") or [] if isinstance(lb, dict)]
    facts = IssueFacts(repository=args.repo, number=number, title=title, body=body,
                       author=str((issue.get("user") or {}).get("login") or ""),
                       on_issue=tuple(labels), repo_labels=known_labels(config),
                       classifier=classifier, duplicates=tuple(duplicates))
    return plan_triage(facts, config)


def cmd_classify(args: argparse.Namespace) -> int:
    plan = classify(args)
    if args.format == "json":
        print(json.dumps(plan.as_json(), indent=2))
        return 0
    d = plan.decision
    print(f"type: {plan.kind or '(unsure)'}")
    print(f"labels: {', '.join(plan.apply) or '(none)'}"
          + (" — handed to a human" if d.escalate else ""))
    for o in d.suggest[:3]:
        print(f"  likely {o.label} ({o.source} {o.confidence:.2f})")
    if plan.missing:
        print(f"missing: {', '.join(plan.missing)}")
    print("comment:\n" + (plan.comment or "(none: labels alone need no comment)"))
    return 0


def add_classify(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cl = verbs.add_parser("classify", help="the triage plan for one issue, printed "
                                           "(no GitHub, no model)")
    cl.add_argument("--repo", required=True, help="owner/name (its stored classifier)")
    cl.add_argument("--title", default=None)
    cl.add_argument("--body", default=None)
    cl.add_argument("--payload", default=None, help="an `issues` webhook payload (JSON)")
    cl.add_argument("--config", default=None, help="the repository's reviewbot.yml")
    cl.add_argument("--format", choices=("text", "json"), default="text")
    cl.set_defaults(func=cmd_classify)
