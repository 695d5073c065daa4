"""Verify a bid receipt after the opening: python -m local.verify_receipt BID.json SALT COMMITMENT

BID.json is the bid body exactly as it was sent (any key order or spacing: it is canonicalised as the API does),
SALT the salt published with the tabulation, COMMITMENT the value on the receipt. Exit 0 when they match.
"""

from __future__ import annotations

import sys
from pathlib import Path

from chalicelib.api.bids import BidIn
from chalicelib.domain.commitment import canonical, verifies


def main(argv: list[str]) -> int:
    if len(argv) != 4:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    # Read as the API reads it: a decimal sent as a JSON number is committed as its decimal string.
    bid = BidIn.model_validate_json(Path(argv[1]).read_text()).model_dump(mode="json", exclude_unset=True)
    if verifies(canonical(bid), argv[2], argv[3]):
        print("The bid opened is the bid that was sent: the commitment matches.")
        return 0
    print("MISMATCH: this bid and salt do not give the receipt's commitment.", file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
