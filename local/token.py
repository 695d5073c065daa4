"""Print a local dev bearer token: python -m local.token ROLE ORG [SUB]

Roles: vendor, agency, purchasing, opm. Tokens are HS256 with the dev secret of local/stack.py and live 12 hours
(the API refuses longer ones). They are issued at the running local stack's clock (`GET $LOCAL_API/_local/clock`,
default http://127.0.0.1:8000), because its virtual clock may be days ahead of the host's; without a running stack,
at the host's time. After moving the clock forward, get a new token.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import urllib.request

from chalicelib.api.auth import PERSON_ROLES, issue_dev_token
from local.stack import DEV_JWT_SECRET

DEFAULT_API = "http://127.0.0.1:8000"


def stack_now(api: str) -> dt.datetime | None:
    """The local stack's virtual now, or None when no stack answers there."""
    try:
        with urllib.request.urlopen(f"{api.rstrip('/')}/_local/clock", timeout=2) as reply:
            return dt.datetime.fromisoformat(json.load(reply)["utc"])
    except (OSError, ValueError, KeyError):
        return None


def main(argv: list[str]) -> int:
    if len(argv) not in (3, 4) or argv[1] not in PERSON_ROLES:
        print(f"usage: python -m local.token ROLE ORG [SUB]   ROLE in {sorted(PERSON_ROLES)}", file=sys.stderr)
        return 2
    role, org = argv[1], argv[2]
    sub = argv[3] if len(argv) == 4 else f"{role}-user@{org}"
    print(issue_dev_token(DEV_JWT_SECRET, sub=sub, role=role, org=org, now=stack_now(os.environ.get("LOCAL_API", DEFAULT_API))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
