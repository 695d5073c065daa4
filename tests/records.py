"""Records the tests build directly (not through the API), one builder each."""

from __future__ import annotations

import dataclasses
import datetime as dt

from chalicelib.domain.solicitations import AwardBasis, Solicitation


def draft_solicitation(at: dt.datetime, sol_id: str = "ITB-1", **changes) -> Solicitation:
    """A draft invitation of no lines created at `at`, opening 30 days later; `changes` replace any field."""
    sol = Solicitation(
        id=sol_id,
        title="Pumps",
        agency="DOT",
        commodity_codes=("031",),
        lines=(),
        groups=(),
        opening_at=at + dt.timedelta(days=30),
        award_basis=AwardBasis.ALL,
        evaluation_factors=(),
        created_at=at,
        created_by="officer",
    )
    return dataclasses.replace(sol, **changes)
