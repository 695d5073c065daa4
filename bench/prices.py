"""AWS list prices the bench prices its counts with: US East (N. Virginia), on demand, as published in 2025, in US
dollars; and the memory each function has (.chalice/config.json), for Lambda's GB-seconds."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SFN_STANDARD_PER_TRANSITION = Decimal("0.000025")  # $0.025 per 1,000 state transitions
LAMBDA_PER_REQUEST = Decimal("0.0000002")  # $0.20 per 1M requests
LAMBDA_PER_GB_SECOND = Decimal("0.0000166667")  # x86; billed per 1 ms, the INIT phase included (since August 2025)
API_GATEWAY_REST_PER_REQUEST = Decimal("0.0000035")  # REST API: $3.50 per 1M requests (first 333M a month)
DYNAMODB_PER_WRITE_UNIT = Decimal("0.000000625")  # $0.625 per 1M write request units
DYNAMODB_PER_READ_UNIT = Decimal("0.000000125")  # $0.125 per 1M read request units
KMS_PER_REQUEST = Decimal("0.000003")  # $0.03 per 10,000 requests
SES_PER_EMAIL = Decimal("0.0001")  # $0.10 per 1,000 emails


def memory_mb(function: str, stage: str = "prod") -> int:
    """A function's lambda_memory_size in .chalice/config.json: its own in the stage, else the default."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    own = config["stages"][stage].get("lambda_functions", {}).get(function, {})
    return int(own.get("lambda_memory_size", config["lambda_memory_size"]))
