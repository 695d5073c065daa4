"""Print a local dev bearer token: python -m local.token ROLE ORG [SUB]

Roles: vendor, agency, purchasing, opm. Tokens are HS256 with the dev secret of local/stack.py and valid
for a year, so they survive jumps of the virtual clock.
"""

from __future__ import annotations

import sys

from chalicelib.api.auth import PERSON_ROLES, issue_dev_token
from local.stack import DEV_JWT_SECRET


def main(argv: list[str]) -> int:
    if len(argv) not in (3, 4) or argv[1] not in PERSON_ROLES:
        print(f"usage: python -m local.token ROLE ORG [SUB]   ROLE in {sorted(PERSON_ROLES)}", file=sys.stderr)
        return 2
    role, org = argv[1], argv[2]
    sub = argv[3] if len(argv) == 4 else f"{role}-user@{org}"
    print(issue_dev_token(DEV_JWT_SECRET, sub=sub, role=role, org=org))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
