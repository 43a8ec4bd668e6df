"""`reviewbot triage`: train a repository's issue classifier (from its labelled issues
through the API, or from a CSV/JSONL export) and store it; list the stored models; and
evaluate the method on labelled files (`eval`)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tqdm import tqdm

from bot.app import open_services, ready_engine
from bot.cli.classify import add_classify
from bot.cli.process import load_settings
from bot.errors import ConfigError, ModelError
from bot.store import triage as store
from bot.triage.classifier import TrainingOptions
from bot.triage.dataset import read_issues
from bot.triage.evaluate import evaluate, planned_fits
from bot.triage.text import Issue, issue_text
from bot.triage.training import TrainingRun, labelled_issues, train_and_store


def _options(args: argparse.Namespace) -> TrainingOptions:
    return TrainingOptions(precision_target=args.precision, pool_weight=args.pool_weight)


def cmd_eval(args: argparse.Namespace) -> int:
    train_issues = read_issues(Path(args.train))
    test_issues = read_issues(Path(args.test)) if args.test else None
    folds = None if test_issues is not None else args.folds
    options = _options(args)
    vector_of = None
    if args.embeddings_model:
        vector_of = asyncio.run(_embed_all(args.embeddings_model,
                                           [*train_issues, *(test_issues or [])]))
    with tqdm(total=planned_fits(train_issues, folds, options), desc="training",
              unit="fit", file=sys.stderr, disable=args.quiet or None) as bar:
        try:
            result = evaluate(train_issues, test_issues, folds=folds, options=options,
                              tick=lambda: bar.update(1), vector_of=vector_of)
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc
    if args.format == "json":
        print(json.dumps(result, indent=2))
    else:
        print(text_report(result))
    return 0


async def _embed_all(model: str, issues: list[Issue]) -> Callable[[Issue], list[float]]:
    """Every issue's embedding from the configured endpoint, fetched once."""
    settings = load_settings().model_copy(update={"embeddings_model": model})
    texts = sorted({issue_text(i.title, i.body) for i in issues})
    async with open_services(settings, database=False) as services:
        if services.embedder is None:
            raise ConfigError("--embeddings-model needs an endpoint: set OPENAI_BASE_URL "
                              "(and OPENAI_API_KEY if it asks for one)")
        try:
            found = await services.embedder.embed(texts)
        except ModelError as exc:
            raise ConfigError(str(exc)) from exc
    table = dict(zip(texts, found, strict=True))
    return lambda issue: table[issue_text(issue.title, issue.body)]


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def text_report(result: dict[str, Any]) -> str:
    how = f"{result['folds']}-fold cross-validation" if result["folds"] else "the test file"
    lines = [f"method: {result['method']}", f"evaluated by {how}", ""]
    for repo, r in result["per_repo"].items():
        lines.append(f"{repo}: macro-F1 {r['macro_f1']:.3f}; at the thresholds precision "
                     f"{_pct(r['precision_at_threshold'])}, coverage "
                     f"{r['coverage_at_threshold']:.1%}; training {r['train_seconds']:.1f} s, "
                     f"{r['classify_ms_per_issue']:.1f} ms per issue")
        for label, c in r["per_class"].items():
            lines.append(f"    {label:<14} precision {c['precision']:.3f}  recall "
                         f"{c['recall']:.3f}  F1 {c['f1']:.3f}  ({c['support']} issues)")
    lines += [f"{repo}: not evaluated ({why})" for repo, why in result["not_evaluated"].items()]
    lines += ["", f"mean macro-F1 over {len(result['per_repo'])} repositories: "
                  f"{result['macro_f1']:.3f}",
              f"at the thresholds (precision target {result['precision_target']:.2f}): "
              f"precision {_pct(result['precision_at_threshold'])}, coverage "
              f"{result['coverage_at_threshold']:.1%}"]
    return "\n".join(lines)


def cmd_train(args: argparse.Namespace) -> int:
    settings = load_settings()
    engine = ready_engine(settings)
    pool: list[Issue] = []
    if args.from_file:
        everything = read_issues(Path(args.from_file))
        issues = [i for i in everything if i.repo in (args.repo, "")]
        pool = [i for i in everything if i.repo not in (args.repo, "")]  # a prior, weighted
        source = args.from_file
        if not issues:
            raise ConfigError(f"{args.from_file} has no issues of {args.repo}")
    else:
        ours = store.labels_applied(engine, args.repo)
        issues = asyncio.run(_pull(settings, args.repo, args.installation, ours))
        source = "api"
    options = _options(args)
    vector_of = None
    if settings.embeddings_model:
        vector_of = asyncio.run(_embed_all(settings.embeddings_model, [*issues, *pool]))
    with tqdm(total=options.folds + 1, desc=f"training {args.repo}", unit="fit",
              file=sys.stderr, disable=args.quiet or None) as bar:
        model, version = train_and_store(engine, args.repo, issues, source, TrainingRun(
            pool=pool, options=options, progress=lambda: bar.update(1),
            vectors=[vector_of(i) for i in [*issues, *pool]] if vector_of else None,
            embeddings_model=settings.embeddings_model or ""))
    thresholds = ", ".join(f"{k} {v:.2f}" for k, v in model.thresholds.items())
    print(f"{args.repo}: model version {version}, trained on {model.trained_on} issues "
          f"({', '.join(f'{k} {v}' for k, v in sorted(model.counts.items()))}); "
          f"thresholds: {thresholds}")
    return 0


async def _pull(settings: Any, repo: str, installation: int | None,
                ours: dict[int, frozenset[str]]) -> list[Issue]:
    """The repository's labelled issues through the API (paginated), mapped to the issue
    types of its `.github/reviewbot.yml`."""
    if installation is None:
        raise ConfigError("--installation ID is needed to read issues through the API")
    async with open_services(settings, database=False) as services:
        if services.github is None:
            raise ConfigError("reading issues needs the App: set GITHUB_APP_ID and "
                              "GITHUB_PRIVATE_KEY")
        gh = services.github.installation(installation)
        info = await gh.request("GET", f"/repos/{repo}")
        config = await gh.repo_config(repo, str(info.get("default_branch") or "main"))
        return await labelled_issues(gh, repo, config.config.triage, ours)


def cmd_models(args: argparse.Namespace) -> int:
    engine = ready_engine(load_settings())
    for m in store.list_models(engine, args.repo):
        print(f"{m.repository} v{m.version}: {m.trained_on} issues "
              f"({', '.join(f'{k} {v}' for k, v in sorted(m.labels.items()))}), from "
              f"{m.source}")
    return 0


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    triage = sub.add_parser("triage", help="issue triage: train, list and evaluate models; "
                                           "classify an issue")
    verbs = triage.add_subparsers(dest="verb", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--precision", type=float, default=0.93,
                       help="precision each label's threshold aims at on held-out folds "
                            "(default 0.93, for about 0.90 on new issues)")
        p.add_argument("--pool-weight", type=float, default=0.2,
                       help="weight of other repositories' issues in training (0: none)")
        p.add_argument("--quiet", action="store_true", help="no progress bar")

    ev = verbs.add_parser("eval", help="evaluate on labelled CSV/JSONL files "
                                       "(columns repo,label,title,body)")
    ev.add_argument("--train", required=True)
    ev.add_argument("--test", default=None)
    ev.add_argument("--folds", type=int, default=5)
    ev.add_argument("--format", choices=("text", "json"), default="text")
    ev.add_argument("--embeddings-model", default=None,
                    help="add embeddings from the configured OpenAI-compatible endpoint "
                         "(OPENAI_BASE_URL) to the classifier (soft vote)")
    common(ev)
    ev.set_defaults(func=cmd_eval)

    tr = verbs.add_parser("train", help="train and store a repository's classifier")
    tr.add_argument("--repo", required=True, help="owner/name")
    tr.add_argument("--from", dest="from_file", default=None,
                    help="a CSV/JSONL export instead of the API")
    tr.add_argument("--installation", type=int, default=None,
                    help="the App installation to read issues with (API)")
    common(tr)
    tr.set_defaults(func=cmd_train)

    add_classify(verbs)

    models = verbs.add_parser("models", help="the stored classifiers")
    models.add_argument("--repo", default=None)
    models.set_defaults(func=cmd_models)
