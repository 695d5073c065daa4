"""Contracts for performance tests, committed through the store until the award flow creates them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from chalicelib.domain.contracts import Contract, ContractLine, ContractStatus
from chalicelib.services.ports import Actor, Change

AGENCY = "DAS"
CONTRACTOR = "acme"
CONTRACTOR_EMAIL = "orders@acme.example"
AGENCY_EMAIL = "receiving@das.example"


def contract(
    contract_id: str = "C-26PSX0001", *, status: ContractStatus = ContractStatus.ACTIVE, now: dt.datetime | None = None
) -> Contract:
    return Contract(
        id=contract_id,
        agency=AGENCY,
        contractor_id="V-0001",
        contractor_org=CONTRACTOR,
        contractor_name="Acme Office Supply LLC",
        contractor_email=CONTRACTOR_EMAIL,
        lines=(
            ContractLine("1", "Copier paper, case", "case", Decimal(100), Decimal("123.4567")),
            ContractLine("2", "Toner cartridge", "each", Decimal(20), Decimal("80.00")),
        ),
        created_at=now or dt.datetime(2026, 3, 1, 14, 0, tzinfo=dt.UTC),
        status=status,
    )


def store_contract(deps, **kwargs) -> Contract:
    (stored,) = deps.store.commit(
        Actor.system("test-award"),
        deps.clock.now(),
        [Change(action="contract.created", after=contract(now=deps.clock.now(), **kwargs))],
    )
    return stored
