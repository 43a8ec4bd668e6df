"""Small labelled issue sets written for the tests (not from any benchmark): enough for the
classifier to learn bug / feature / question apart."""

from __future__ import annotations

import itertools

from bot.triage.text import Issue

THINGS = ["the exporter", "the login page", "the CSV reader", "the cache", "the CLI",
          "the scheduler", "the upload dialog", "the search index", "the REST client",
          "the config loader", "the plugin API", "the dark theme"]


def labelled(n_per_label: int = 14) -> list[Issue]:
    out: list[Issue] = []
    for k, thing in enumerate(itertools.islice(itertools.cycle(THINGS), n_per_label)):
        out.append(Issue(
            title=f"{thing} crashes with an exception after upgrading",
            body=f"Version 2.{k}.1\n\nSteps to reproduce:\n1. open {thing}\n2. click save\n\n"
                 "Traceback (most recent call last): KeyError. Expected no error, got a "
                 "crash.", label="bug", number=100 + k))
        out.append(Issue(
            title=f"Add support for exporting {thing} settings",
            body=f"It would be nice to have an option in {thing} to export settings. "
                 "Feature request: a new flag so that we can enable this enhancement.",
            label="feature", number=200 + k))
        out.append(Issue(
            title=f"How do I configure {thing}?",
            body=f"I am trying to understand how to set up {thing}. Is there a way to "
                 "change the default? What is the recommended approach? Thanks!",
            label="question", number=300 + k))
    return out
