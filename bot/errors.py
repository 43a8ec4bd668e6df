"""One exception tree that carries data; adapters translate foreign errors into it."""

from __future__ import annotations


class ReviewbotError(Exception):
    """Base of every error reviewbot raises on purpose."""


class ConfigError(ReviewbotError):
    """Settings or a repository configuration file are invalid."""


class WebhookError(ReviewbotError):
    """A delivery was refused; `status` is the HTTP status the route answers with and
    `reason` the metric label (a closed set: one per subclass)."""

    status: int = 400
    reason: str = "malformed"

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status


class InvalidSignature(WebhookError):
    status = 401
    reason = "bad_signature"


class PayloadTooLarge(WebhookError):
    status = 413
    reason = "too_large"


class MalformedDelivery(WebhookError):
    status = 400
    reason = "malformed"


class BodyTimeout(WebhookError):
    """The client did not send its whole body in time."""

    status = 408
    reason = "timeout"


class Overloaded(WebhookError):
    """Too many bodies (or bytes) in flight; GitHub retries a failed delivery on request."""

    status = 503
    reason = "overloaded"


class PermanentJobError(ReviewbotError):
    """A job that can never succeed (a malformed payload, a repository that is gone): it is
    failed at once, without the retries meant for passing trouble."""


class MalformedPayload(PermanentJobError):
    """A delivery lacks what its handler needs."""


class JobDeadlineExceeded(ReviewbotError):
    """A job ran past its overall deadline and was stopped (the queue retries it)."""


class RetryLater(ReviewbotError):
    """A job cannot proceed now (e.g. a rate limit); run it again after `delay` seconds.

    Raising it does not consume one of the job's attempts.
    """

    def __init__(self, message: str, *, delay: float) -> None:
        super().__init__(message)
        self.delay = delay


class GitHubError(ReviewbotError):
    """GitHub answered with an error status."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status

    @property
    def permanent(self) -> bool:
        """Gone (404, 410), refused for good (403 that is not a rate limit: those become
        RetryLater before this), or a request GitHub will never accept (422)."""
        return self.status in (403, 404, 410, 422)


def is_permanent(exc: BaseException) -> bool:
    return isinstance(exc, PermanentJobError) or (
        isinstance(exc, GitHubError) and exc.permanent)


class ModelError(ReviewbotError):
    """The LLM endpoint failed or answered with something unusable."""


class ToolError(ReviewbotError):
    """A linter subprocess failed in a way that yields no findings. The message is safe
    to show (no tool output in it); `exit_status` is None when the tool did not exit."""

    def __init__(self, message: str, *, exit_status: int | None = None) -> None:
        super().__init__(message)
        self.exit_status = exit_status
