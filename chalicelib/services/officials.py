"""Officials on file per agency (domain/officials.py): placed there by purchasing, read by the surplus transfers
(R-21g) and the warehouse requisitions (R-22)."""

from __future__ import annotations

from chalicelib.domain import officials as rules
from chalicelib.domain.officials import OfficialsOnFile, Register
from chalicelib.services.ports import Actor, Change, Deps, Role, require_role, retry_on_conflict

RULES = {Register.SURPLUS_REPRESENTATIVES: "R-21", Register.WAREHOUSE_SIGNERS: "R-22"}


def on_file(deps: Deps, register: Register, agency: str) -> OfficialsOnFile | None:
    return deps.store.get(OfficialsOnFile, rules.file_id(register, agency))


def place_on_file(deps: Deps, actor: Actor, register: Register, agency: str, sub: str, name: str) -> OfficialsOnFile:
    """Purchasing (the Surplus Center, the Bureau) files an agency's official; the file's audit shows who and when."""
    require_role(actor, Role.PURCHASING)

    def attempt() -> OfficialsOnFile:
        before = on_file(deps, register, agency)
        now = deps.clock.now()
        after = rules.place_on_file(before or rules.empty_file(register, agency), sub, name, now, RULES[register])
        (stored,) = deps.commit(actor, now, [Change(action=f"{register.value}.filed", after=after, before=before)])
        return stored

    return retry_on_conflict(attempt)
