"""GET /ops and its one write, POST /ops/jobs/{id}/retry (a dead job run again).

Off (404) unless REVIEWBOT_OPS_PASSWORD or REVIEWBOT_OPS_TOKEN is set. Read-only but for the
retry, which needs the page's CSRF token, its SameSite session cookie and a same-origin
request (guard.py). Every text on the page comes through the template's autoescaping; the
charts escape their own labels."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import anyio
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from bot import __version__
from bot.jobs.queue import STATES, JobQueue
from bot.settings import Settings
from bot.web.ops import guard
from bot.web.ops.charts import bar_chart, point_chart
from bot.web.ops.data import DAY, OpsView, load_view

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))
REFRESH_SECONDS = 30
MAX_ERROR_CHARS = 300
MAX_FORM_BYTES = 4_096
# What the page shows of the configuration: no secret is among these names.
SHOWN_SETTINGS = ("app_slug", "model", "fast_model", "budget_pr_usd", "budget_day_usd",
                  "github_write_interval", "job_deadline_seconds")
SHOWN_URLS = ("github_api_url", "openai_base_url")  # scheme and host only: no credentials


@dataclass
class OpsAccess:
    """The page's credentials and its guards, one per app (none: the page is off)."""

    password: str | None
    token: str | None
    failures: guard.LoginFailures = field(default_factory=guard.LoginFailures)
    csrf: guard.CsrfKey = field(default_factory=guard.CsrfKey)

    @classmethod
    def from_settings(cls, settings: Settings) -> OpsAccess | None:
        password = settings.ops_password.get_secret_value() if settings.ops_password else None
        token = settings.ops_token.get_secret_value() if settings.ops_token else None
        return cls(password or None, token or None) if password or token else None


def _state(request: Request) -> Any:
    return request.app.state.reviewbot


def _refused(access: OpsAccess, request: Request) -> Response | None:
    """None when the request may see the page; else the answer that refuses it."""
    client = request.client.host if request.client else "?"
    now = time.monotonic()
    if access.failures.blocked(client, now):
        return PlainTextResponse("too many failed logins; try again later", 429,
                                 headers={"Retry-After": str(int(access.failures.window))})
    if guard.credentials_ok(request.headers.get("authorization", ""), access.password,
                            access.token):
        return None
    access.failures.failed(client, now)
    _state(request).metrics.ops_login_failures.inc()
    return PlainTextResponse("authentication required", 401,
                             headers={"WWW-Authenticate": 'Basic realm="reviewbot ops"'})


def _admitted(request: Request) -> tuple[Any, OpsAccess] | Response:
    """The app's state and the page's access when this request may use the page; else
    the answer (404 when the page is off, 401 or 429 when refused)."""
    state = _state(request)
    access: OpsAccess | None = state.ops
    if access is None:
        return PlainTextResponse("Not Found", 404)
    refused = _refused(access, request)
    return refused if refused is not None else (state, access)


async def ops_page(request: Request) -> Response:
    admitted = _admitted(request)
    if isinstance(admitted, Response):
        return admitted
    state, access = admitted
    session = request.cookies.get(guard.SESSION_COOKIE) or guard.new_session()
    view = await anyio.to_thread.run_sync(load_view, state.engine, state.queue)
    context = page_context(view, state.settings, access.csrf.token_for(session),
                           request.query_params.get("said", ""))
    response = TEMPLATES.TemplateResponse(request, "ops.html", context)
    response.set_cookie(guard.SESSION_COOKIE, session, httponly=True, samesite="strict",
                        path="/ops", secure=request.url.scheme == "https")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = ("default-src 'none'; style-src "
                                                   "'unsafe-inline'; form-action 'self'; "
                                                   "frame-ancestors 'none'")
    return response


async def ops_retry(request: Request) -> Response:
    admitted = _admitted(request)
    if isinstance(admitted, Response):
        return admitted
    state, access = admitted
    host = request.headers.get("host", "")
    if not guard.same_origin(request.headers, request.url.scheme, host):
        return PlainTextResponse("refused: not sent from this page (Origin)", 403)
    if len(body := await request.body()) > MAX_FORM_BYTES:
        return PlainTextResponse("refused: too large", 413)
    token = (parse_qs(body.decode("utf-8", "replace")).get("csrf") or [""])[0]
    if not access.csrf.valid(request.cookies.get(guard.SESSION_COOKIE, ""), token):
        return PlainTextResponse("refused: the page's token is missing or wrong", 403)
    job_id = int(request.path_params["job_id"])
    queue: JobQueue = state.queue
    said = await anyio.to_thread.run_sync(queue.retry_dead, job_id)
    return RedirectResponse(f"/ops?said=job+{job_id}:+{said.replace(' ', '+')}", 303)


def _when(at: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(at)) if at else ""


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} s"


def page_context(view: OpsView, settings: Settings, csrf: str, message: str) -> dict[str, Any]:
    """The template's values (pure): every text is escaped by the template."""
    budget = settings.budget_day_usd
    return {
        "version": __version__, "now": _when(view.now), "refresh": REFRESH_SECONDS,
        "message": message[:200], "csrf": csrf,
        "job_counts": [(s, view.job_counts.get(s, 0)) for s in STATES],
        "cost_today": view.cost_today,
        "budget_left": f"${max(0.0, budget - view.cost_today):.4f} of ${budget:g}",
        "latency": [(label, {"jobs": lat.jobs, "p50": _seconds(lat.p50),
                             "p95": _seconds(lat.p95)}) for label, lat in view.latency.items()],
        "charts": {
            "reviews": _drawn(bar_chart("Reviews per day (30 days)", view.reviews_per_day)),
            "cost": _drawn(bar_chart("Model cost per day (30 days)", view.cost_per_day,
                                     " USD")),
            "latency": _drawn(point_chart("Job latency (24 h)", view.latency_points,
                                          view.now - DAY, view.now)),
        },
        "troubled": [{**j, "error": str(j.get("last_error") or "")[:MAX_ERROR_CHARS]}
                     for j in view.troubled],
        "overdue": view.overdue_leases,
        "reviews": [{**r, "at": _when(r["created_at"])} for r in view.reviews],
        "cost_by_repo": view.cost_by_repo, "feedback": view.feedback,
        "deliveries": [{**d, "at": _when(d["received_at"])} for d in view.deliveries],
        "configuration": [("database", _database_kind(settings)),
                          *((name, _host_only(getattr(settings, name, None)))
                            for name in SHOWN_URLS),
                          *((name, str(getattr(settings, name, ""))) for name in SHOWN_SETTINGS)],
    }


def _drawn(svg: str) -> Markup:
    """A chart of charts.py, which escapes every text it draws: inserted as markup."""
    return Markup(svg)  # noqa: S704 - charts.py escapes each label and title


def _host_only(url: object) -> str:
    if not url:
        return "(not set)"
    parts = urlsplit(str(url))
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}"


def _database_kind(settings: Settings) -> str:
    url = str(getattr(settings, "database_url", "") or "")
    return url.split(":", 1)[0] if url else "sqlite (default)"

