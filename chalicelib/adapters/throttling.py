"""AWS throttling, whichever service says it (DynamoDB, KMS, SES), becomes one domain error: TemporarilyUnavailable.

The API answers it 503 with Retry-After; every workflow step retries it by that name (infra/build.py)."""

from __future__ import annotations

from contextlib import contextmanager

from botocore.exceptions import ClientError
from pynamodb.exceptions import PynamoDBException

from chalicelib.domain.errors import TemporarilyUnavailable

THROTTLED = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "ThrottlingError",
        "Throttling",
        "TooManyRequestsException",
        "LimitExceededException",  # KMS and SES say it so
    }
)
RETRY_AFTER_SECONDS = 1


def unavailable(what: str = "The database") -> TemporarilyUnavailable:
    return TemporarilyUnavailable(f"{what} is busy; retry in {RETRY_AFTER_SECONDS} second(s).", retry_after=RETRY_AFTER_SECONDS)


def _code(exc: ClientError | PynamoDBException) -> str | None:
    if isinstance(exc, PynamoDBException):
        return exc.cause_response_code
    return exc.response.get("Error", {}).get("Code")


@contextmanager
def throttling_as_unavailable(what: str):
    """Around a boto3 or pynamodb call: a throttling answer becomes TemporarilyUnavailable; any other error stays."""
    try:
        yield
    except (ClientError, PynamoDBException) as exc:
        if _code(exc) in THROTTLED:
            raise unavailable(what) from exc
        raise
