"""The contract-term timer (R-9d), started wherever a contract gets a term: an award, a negotiated contract (sole
source, emergency, request for proposals), a term set or extended. A module of its own so that those who start it
do not load the performance changes."""

from __future__ import annotations

import datetime as dt

from chalicelib.domain import calendar
from chalicelib.domain.contracts import closing_of
from chalicelib.services.ports import Deps

CONTRACT_TERM = "contract-term"


def start_term_timer(deps: Deps, contract_id: str, term_end: dt.date) -> None:
    """One execution per term end: an extension starts its own, and the earlier one finds the term moved."""
    deps.workflows.start(
        CONTRACT_TERM,
        f"contract-term-{contract_id}-{term_end.isoformat()}",
        {
            "contract_id": contract_id,
            "term_end": term_end.isoformat(),
            "ends_at": calendar.iso_utc(closing_of(term_end)),
        },
    )
