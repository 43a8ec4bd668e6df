"""Prometheus metrics on a registry owned by one app instance (no global state)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# Metric labels come from closed sets only: an event name outside this list is "other", so
# no request (signed or not) can add a time series.
KNOWN_EVENTS = frozenset({
    "branch_protection_configuration", "branch_protection_rule", "check_run", "check_suite",
    "code_scanning_alert", "commit_comment", "create", "custom_property",
    "custom_property_values", "delete", "dependabot_alert", "deploy_key", "deployment",
    "deployment_protection_rule", "deployment_review", "deployment_status", "discussion",
    "discussion_comment", "fork", "github_app_authorization", "gollum", "installation",
    "installation_repositories", "installation_target", "issue_comment", "issues", "label",
    "marketplace_purchase", "member", "membership", "merge_group", "meta", "milestone",
    "org_block", "organization", "package", "page_build", "personal_access_token_request",
    "ping", "project", "project_card", "project_column", "projects_v2", "projects_v2_item",
    "projects_v2_status_update", "public", "pull_request", "pull_request_review",
    "pull_request_review_comment", "pull_request_review_thread", "push", "registry_package",
    "release", "repository", "repository_advisory", "repository_dispatch",
    "repository_import", "repository_ruleset", "repository_vulnerability_alert",
    "secret_scanning_alert", "secret_scanning_alert_location", "secret_scanning_scan",
    "security_advisory", "security_and_analysis", "sponsorship", "star", "status",
    "sub_issues", "team", "team_add", "watch", "workflow_dispatch", "workflow_job",
    "workflow_run",
})
REJECTION_REASONS = ("bad_signature", "too_large", "malformed", "timeout", "overloaded",
                     "disconnected")


def event_label(event: str) -> str:
    return event if event in KNOWN_EVENTS else "other"


class _JobStateCollector(Collector):
    def __init__(self, counts: Callable[[], Mapping[str, int]]) -> None:
        self._counts = counts

    def describe(self) -> Iterator[GaugeMetricFamily]:
        # Declared without touching the database, so registering never queries it.
        yield GaugeMetricFamily("reviewbot_jobs", "Jobs in the queue by state", labels=["state"])

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily("reviewbot_jobs", "Jobs in the queue by state", labels=["state"])
        try:
            counts = self._counts()
        except SQLAlchemyError:
            # /healthz reports the outage; the other metrics stay scrapeable meanwhile.
            log.exception("metrics: cannot count jobs")
            return
        for state, n in counts.items():
            family.add_metric([state], n)
        yield family


class _GitHubRequestsCollector(Collector):
    """Requests this process sent to GitHub (every client of its App), against GitHub's
    hourly allowance per installation; per review, the count is in the "review posted" log."""

    def __init__(self, total: Callable[[], int]) -> None:
        self._total = total

    def collect(self) -> Iterator[CounterMetricFamily]:
        yield CounterMetricFamily(
            "reviewbot_github_requests", "Requests this process sent to GitHub's API (the"
            " installation token requests githubkit makes are not counted)",
            value=self._total())


class _LLMUsageCollector(Collector):
    """Model calls, tokens and cost by model, read from the store (so every process of a
    scaled-out install reports the same totals)."""

    def __init__(self, totals: Callable[[], Mapping[str, tuple[int, int, int, float]]]) -> None:
        self._totals = totals

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return iter(self._families())

    def collect(self) -> Iterator[GaugeMetricFamily]:
        calls, tokens, cost = self._families()
        try:
            totals = self._totals()
        except SQLAlchemyError:
            log.exception("metrics: cannot read model usage")
            return
        for model, (n, prompt, completion, usd) in totals.items():
            calls.add_metric([model], n)
            tokens.add_metric([model, "prompt"], prompt)
            tokens.add_metric([model, "completion"], completion)
            cost.add_metric([model], usd)
        yield from (calls, tokens, cost)

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily, GaugeMetricFamily]:
        return (GaugeMetricFamily("reviewbot_llm_calls", "Model calls by model",
                                  labels=["model"]),
                GaugeMetricFamily("reviewbot_llm_tokens", "Model tokens by model and kind",
                                  labels=["model", "kind"]),
                GaugeMetricFamily("reviewbot_llm_cost_usd", "Model cost in USD by model",
                                  labels=["model"]))


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.deliveries = Counter(
            "reviewbot_deliveries",
            "Webhook deliveries by event and outcome",
            ["event", "outcome"],
            registry=self.registry,
        )
        self.rejected = Counter(
            "reviewbot_rejected_requests",
            "Webhook requests refused before or while reading them, by reason",
            ["reason"],
            registry=self.registry,
        )
        for reason in REJECTION_REASONS:
            self.rejected.labels(reason)
        self.ack_seconds = Histogram(
            "reviewbot_ack_seconds",
            "Time from request start to the webhook acknowledgement",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
            registry=self.registry,
        )
        self.ops_login_failures = Counter(
            "reviewbot_ops_login_failures",
            "Failed logins to the operator's page (/ops)",
            registry=self.registry,
        )
        self.job_seconds = Histogram(
            "reviewbot_job_duration_seconds",
            "Job run time by kind and result",
            ["kind", "result"],
            buckets=(0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
            registry=self.registry,
        )

    def watch_jobs(self, counts: Callable[[], Mapping[str, int]]) -> None:
        self.registry.register(_JobStateCollector(counts))

    def watch_llm(self, totals: Callable[[], Mapping[str, tuple[int, int, int, float]]]) -> None:
        self.registry.register(_LLMUsageCollector(totals))

    def watch_github(self, total: Callable[[], int]) -> None:
        self.registry.register(_GitHubRequestsCollector(total))

    def render(self) -> bytes:
        return bytes(generate_latest(self.registry))
