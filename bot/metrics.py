"""Prometheus metrics on a registry owned by one app instance (no global state)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


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


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.deliveries = Counter(
            "reviewbot_deliveries",
            "Webhook deliveries by event and outcome",
            ["event", "outcome"],
            registry=self.registry,
        )
        self.ack_seconds = Histogram(
            "reviewbot_ack_seconds",
            "Time from request start to the webhook acknowledgement",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
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

    def render(self) -> bytes:
        return bytes(generate_latest(self.registry))
