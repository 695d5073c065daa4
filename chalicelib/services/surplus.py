"""Surplus property (R-21): the holding agency reports and corrects its property; purchasing, acting for the State
Surplus Center, approves, decides the disposal, records the bidders' inspection, the sale and component recoveries;
the receiving agency's representative signs a transfer."""

from __future__ import annotations

from decimal import Decimal

from chalicelib.domain import surplus as rules
from chalicelib.domain.errors import NotFound
from chalicelib.domain.officials import Register
from chalicelib.domain.surplus import Disposal, DisposalKind, SurplusProperty
from chalicelib.services.officials import on_file
from chalicelib.services.ports import Actor, Change, Deps, Role, Unchanged, require_role


def report(deps: Deps, actor: Actor, **fields) -> SurplusProperty:
    """R-21c: the holding agency is the caller's agency."""
    require_role(actor, Role.AGENCY)
    now = deps.clock.now()
    prop = rules.report(property_id=deps.ids.new("SUR"), agency=actor.org, now=now, reported_by=actor.sub, **fields)
    (prop,) = deps.commit(actor, now, [Change(action="surplus.reported", after=prop)])
    return prop


def get(deps: Deps, actor: Actor, property_id: str) -> SurplusProperty:
    """Purchasing, the holding agency, and the receiving agency of a transfer; to others it does not exist."""
    prop = deps.store.get(SurplusProperty, property_id)
    receiving = prop.disposal.receiving_agency if prop is not None and prop.disposal is not None else None
    if prop is None or (actor.role is not Role.PURCHASING and actor.org not in (prop.agency, receiving)):
        raise NotFound(f"No surplus property {property_id}.")
    return prop


def change(deps: Deps, actor: Actor, property_id: str, changes: dict) -> SurplusProperty:
    """The holding agency's correction of its report; refused once bidders inspected it (R-21c)."""
    require_role(actor, Role.AGENCY)
    prop = _held(deps, actor, property_id)
    return _write(deps, actor, "surplus.changed", prop, rules.change(prop, **changes))


def approve(deps: Deps, actor: Actor, property_id: str) -> SurplusProperty:
    require_role(actor, Role.PURCHASING)
    prop = _load(deps, property_id)
    return _write(deps, actor, "surplus.approved", prop, rules.approve(prop, deps.clock.now(), actor.sub))


def decide_disposal(deps: Deps, actor: Actor, property_id: str, disposal: Disposal) -> SurplusProperty:
    """A transfer names a representative on file of the receiving agency (R-21g), read in the same commit."""
    require_role(actor, Role.PURCHASING)
    prop = _load(deps, property_id)
    receiving = None
    if disposal.kind is DisposalKind.TRANSFER and disposal.receiving_agency:
        receiving = on_file(deps, Register.SURPLUS_REPRESENTATIVES, disposal.receiving_agency)
    decided = rules.decide_disposal(prop, disposal, receiving)
    guards = [Unchanged(receiving)] if receiving is not None else []
    return _write(deps, actor, f"surplus.disposal_{disposal.kind.value}", prop, decided, guards)


def sign_transfer(deps: Deps, actor: Actor, property_id: str) -> SurplusProperty:
    require_role(actor, Role.AGENCY)
    prop = _load(deps, property_id)
    receiving_agency = prop.disposal.receiving_agency if prop.disposal is not None else None
    receiving = on_file(deps, Register.SURPLUS_REPRESENTATIVES, receiving_agency) if receiving_agency else None
    signed = rules.sign_transfer(prop, actor.org, actor.sub, receiving, deps.clock.now())
    return _write(deps, actor, "surplus.transfer_signed", prop, signed)


def record_inspection(deps: Deps, actor: Actor, property_id: str, note: str) -> SurplusProperty:
    require_role(actor, Role.PURCHASING)
    prop = _load(deps, property_id)
    return _write(deps, actor, "surplus.inspected", prop, rules.record_inspection(prop, note, deps.clock.now(), actor.sub))


def record_sale(deps: Deps, actor: Actor, property_id: str, buyer: str, amount: Decimal) -> SurplusProperty:
    require_role(actor, Role.PURCHASING)
    prop = _load(deps, property_id)
    return _write(deps, actor, "surplus.sold", prop, rules.record_sale(prop, buyer, amount, deps.clock.now()))


def recover_components(deps: Deps, actor: Actor, property_id: str, parts: str, written_approval: str) -> SurplusProperty:
    """R-21f: the Surplus Center's written approval, recorded by purchasing for the holding agency."""
    require_role(actor, Role.PURCHASING)
    prop = _load(deps, property_id)
    recovered = rules.recover_components(prop, parts, written_approval, actor.sub, deps.clock.now())
    return _write(deps, actor, "surplus.components_recovered", prop, recovered)


def _write(deps: Deps, actor: Actor, action: str, before: SurplusProperty, after: SurplusProperty, guards=()):
    (stored,) = deps.commit(actor, deps.clock.now(), [Change(action=action, after=after, before=before), *guards])
    return stored


def _load(deps: Deps, property_id: str) -> SurplusProperty:
    return deps.load(SurplusProperty, property_id)


def _held(deps: Deps, actor: Actor, property_id: str) -> SurplusProperty:
    prop = deps.store.get(SurplusProperty, property_id)
    if prop is None or prop.agency != actor.org:
        raise NotFound(f"No surplus property {property_id} held by {actor.org}.")
    return prop
