"""One exception tree that carries data; adapters translate foreign errors into it."""

from __future__ import annotations


class ReviewbotError(Exception):
    """Base of every error reviewbot raises on purpose."""


class ConfigError(ReviewbotError):
    """Settings or a repository configuration file are invalid."""


class WebhookError(ReviewbotError):
    """A delivery was refused; `status` is the HTTP status the route answers with."""

    status: int = 400

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status


class InvalidSignature(WebhookError):
    status = 401


class PayloadTooLarge(WebhookError):
    status = 413


class MalformedDelivery(WebhookError):
    status = 400


class RetryLater(ReviewbotError):
    """A job cannot proceed now (e.g. a rate limit); run it again after `delay` seconds.

    Raising it does not consume one of the job's attempts.
    """

    def __init__(self, message: str, *, delay: float) -> None:
        super().__init__(message)
        self.delay = delay


class GitHubError(ReviewbotError):
    """GitHub answered with an error status."""

    def __init__(self, message: str, *, status: int, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class ModelError(ReviewbotError):
    """The LLM endpoint failed or answered with something unusable."""


class ToolError(ReviewbotError):
    """A linter subprocess failed in a way that yields no findings. The message is safe
    to show (no tool output in it); `exit_status` is None when the tool did not exit."""

    def __init__(self, message: str, *, exit_status: int | None = None) -> None:
        super().__init__(message)
        self.exit_status = exit_status
