"""Officials an agency has on file with the Bureau: the representatives the State Surplus Center accepts for
transfers (R-21g) and the officials who sign central warehouse requisitions (R-22). One record per register and
agency; an official is the token `sub` a person signs with."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from dataclasses import dataclass

from chalicelib.domain.errors import ValidationFailed


class Register(str, enum.Enum):
    SURPLUS_REPRESENTATIVES = "surplus-representatives"  # R-21g: "placed on file with the State Surplus Center"
    WAREHOUSE_SIGNERS = "warehouse-signers"  # "the business manager or other authorized official"


MAX_OFFICIALS = 50  # a storage bound: the officials one agency has on one register


@dataclass(frozen=True)
class Official:
    sub: str
    name: str
    filed_at: dt.datetime


@dataclass(frozen=True)
class OfficialsOnFile:
    id: str  # <register>#<agency>
    register: Register
    agency: str
    officials: tuple[Official, ...] = ()
    version: int = 0

    def has(self, sub: str) -> bool:
        return any(official.sub == sub for official in self.officials)


def file_id(register: Register, agency: str) -> str:
    return f"{register.value}#{agency}"


def empty_file(register: Register, agency: str) -> OfficialsOnFile:
    return OfficialsOnFile(id=file_id(register, agency), register=register, agency=agency)


def place_on_file(on_file: OfficialsOnFile, sub: str, name: str, now: dt.datetime, rule: str) -> OfficialsOnFile:
    """Adds the official, or renames one already on file (one entry per `sub`)."""
    problems = [{"field": f, "problem": "must not be blank"} for f, v in (("sub", sub), ("name", name)) if not v.strip()]
    if problems:
        raise ValidationFailed("The official needs a token subject and a name; see details.", rule=rule, details=problems)
    others = tuple(o for o in on_file.officials if o.sub != sub.strip())
    if len(others) >= MAX_OFFICIALS:
        full = {"field": "sub", "problem": f"an agency has at most {MAX_OFFICIALS} officials on file", "rule": rule}
        raise ValidationFailed("The agency's file of officials is full.", rule=rule, details=[full])
    official = Official(sub=sub.strip(), name=name.strip(), filed_at=now)
    return dataclasses.replace(on_file, officials=tuple(sorted((*others, official), key=lambda o: o.sub)))
