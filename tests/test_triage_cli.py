"""`reviewbot triage eval|train|models` on small labelled files written for the tests, and
training through the API of the fake GitHub (paginated, pull requests left out)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.cli.main import main
from tests.triage_data import labelled


def write_csv(path: Path, repos: tuple[str, ...] = ("octo/one", "octo/two")) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["repo", "created_at", "label", "title",
                                                    "body"])
        writer.writeheader()
        for repo in repos:
            for issue in labelled(20):
                writer.writerow({"repo": repo, "created_at": "", "label": issue.label,
                                 "title": issue.title, "body": issue.body})
    return path


def test_eval_prints_the_scores_the_issue_names(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write_csv(tmp_path / "train.csv")
    assert main(["triage", "eval", "--train", str(data), "--folds", "3", "--format", "json",
                 "--quiet"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result["per_repo"]) == {"octo/one", "octo/two"}
    assert result["macro_f1"] > 0.9  # three well-separated kinds of issue
    assert all(r["macro_f1"] > 0.9 for r in result["per_repo"].values())
    assert 0 < result["coverage_at_threshold"] <= 1 and result["precision_at_threshold"] > 0.9
    assert set(result["per_repo"]["octo/one"]["per_class"]) == {"bug", "feature", "question"}

    test = write_csv(tmp_path / "test.csv", ("octo/one",))
    assert main(["triage", "eval", "--train", str(data), "--test", str(test), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "octo/one: macro-F1" in text and "mean macro-F1 over 1 repositories" in text


def test_eval_explains_a_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("repo,title\nocto/one,hello\n")
    assert main(["triage", "eval", "--train", str(bad), "--quiet"]) == 2
    assert "lacks label, body" in capsys.readouterr().err


def test_train_from_a_file_stores_a_new_version_each_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    data = write_csv(tmp_path / "train.csv")
    for _ in range(2):
        assert main(["triage", "train", "--repo", "octo/one", "--from", str(data),
                     "--quiet"]) == 0
    assert "model version 2, trained on 60 issues" in capsys.readouterr().out
    assert main(["triage", "models"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed == [f"octo/one v{v}: 60 issues (bug 20, feature 20, question 20), from "
                      f"{data}" for v in (1, 2)]


def test_train_through_the_api_reads_every_page(
        sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from tests.github_world import APP_ID, INSTALLATION, REPO, make_world
    from tests.helpers.processes import served
    from tests.test_serve_e2e import free_port

    world = make_world(sqlite_engine)
    kinds = {"bug": "bug", "feature": "enhancement", "question": "question"}
    for n, issue in enumerate(labelled(40), start=1):  # 120 issues: two pages
        world.fake.add_issue(REPO, n, issue.title, issue.body, labels=(kinds[issue.label],))
    pull = world.fake.add_issue(REPO, 500, "A pull request", "not an issue", labels=("bug",))
    pull["pull_request"] = {"url": "x"}
    with served(world.fake.app, free_port()) as url:
        monkeypatch.setenv("GITHUB_APP_ID", str(APP_ID))
        monkeypatch.setenv("GITHUB_PRIVATE_KEY", world.private_key)
        monkeypatch.setenv("GITHUB_API_URL", url)
        monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
        assert main(["triage", "train", "--repo", REPO, "--installation", str(INSTALLATION),
                     "--quiet"]) == 0
    assert "trained on 120 issues (bug 40, feature 40, question 40)" in capsys.readouterr().out
    pages = [p for m, p, _ in world.fake.requests if p == f"/repos/{REPO}/issues"]
    assert len(pages) == 2


def test_eval_with_embeddings_from_the_endpoint(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from tests.fakellm import FakeLLM
    from tests.helpers.processes import served
    from tests.test_serve_e2e import free_port

    fake = FakeLLM()
    data = write_csv(tmp_path / "train.csv", ("octo/one",))
    with served(fake.app, free_port()) as url:
        monkeypatch.setenv("OPENAI_BASE_URL", f"{url}/v1")
        assert main(["triage", "eval", "--train", str(data), "--folds", "3", "--format",
                     "json", "--quiet", "--embeddings-model", "embed-small"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert "soft vote" in result["method"] and result["macro_f1"] > 0.9
    distinct = {(i.title, i.body) for i in labelled(20)}
    assert len(fake.embedded) == len(distinct) == 44  # each distinct text embedded once
    monkeypatch.delenv("OPENAI_BASE_URL")
    assert main(["triage", "eval", "--train", str(data), "--quiet",
                 "--embeddings-model", "embed-small"]) == 2
    assert "needs an endpoint" in capsys.readouterr().err
