"""Guards (unique keys written with the changes) and the retry of a stale read-decide-write, on the in-memory store."""

import pytest

from chalicelib.domain.errors import AlreadyTaken, Conflict, RecordChanged
from chalicelib.domain.plans_amendments import PlanAmendmentStatus
from chalicelib.domain.vendors import Vendor
from chalicelib.services import plans, vendors
from chalicelib.services.ports import Actor, Change, Guard, Role, retry_on_conflict
from local.fein import fein_for
from tests.unit.test_plans import complete_sections
from tests.unit.test_plans_services import DSS, OPM, approved, waiver

ACME = Actor("vendor-user@acme", Role.VENDOR, "acme")


def a_vendor(deps, vendor_id="V-1", org="acme"):
    return vendors.rules.new_vendor(
        vendor_id=vendor_id,
        org=org,
        legal_name="Acme",
        fein=fein_for(org),
        contact_email="bids@acme.example",
        commodity_codes=["61500"],
        now=deps.clock.now(),
        confirmation_code="111111",
    )


def concurrent_write_before_commits(deps, times: int, cls, entity_id: str):
    """Another request stores a new version of the entity just before each of the next `times` commits."""
    store, commit = deps.store, deps.store.commit
    left = [times]

    def commit_after_a_concurrent_write(actor, at, changes):
        if left[0] > 0:
            left[0] -= 1
            current = store.get(cls, entity_id)
            commit(Actor.system("other"), at, [Change(action="other.write", after=current, before=current)])
        return commit(actor, at, changes)

    store.commit = commit_after_a_concurrent_write


def test_a_guard_held_by_another_record_refuses_the_commit_and_names_the_holder(deps):
    # Given vendor V-1 holds the key of organisation acme
    deps.store.commit(
        ACME, deps.clock.now(), [Change(action="vendor.registered", after=a_vendor(deps)), Guard("vendor-org#acme", "V-1")]
    )

    # When another vendor of acme is committed with the same guard
    with pytest.raises(AlreadyTaken) as refused:
        deps.store.commit(
            ACME,
            deps.clock.now(),
            [Change(action="vendor.registered", after=a_vendor(deps, "V-2")), Guard("vendor-org#acme", "V-2")],
        )

    # Then the commit stores nothing and says who holds the key
    assert refused.value.held_by == "V-1" and not isinstance(refused.value, RecordChanged)
    assert deps.store.get(Vendor, "V-2") is None


def test_a_released_guard_can_be_taken_by_another_holder(deps):
    # Given V-1 held the key and released it
    deps.store.commit(
        ACME, deps.clock.now(), [Change(action="vendor.registered", after=a_vendor(deps)), Guard("vendor-org#acme", "V-1")]
    )
    deps.store.commit(ACME, deps.clock.now(), [Guard("vendor-org#acme", "V-1", release=True)])

    # When V-2 takes it
    (stored,) = deps.store.commit(
        ACME, deps.clock.now(), [Change(action="vendor.registered", after=a_vendor(deps, "V-2")), Guard("vendor-org#acme", "V-2")]
    )

    # Then it is stored
    assert stored.id == "V-2"


def test_a_stale_commit_is_read_again_and_decided_again():
    # Given an attempt whose first commit finds its record changed meanwhile
    calls = []

    def attempt():
        calls.append(len(calls))
        if len(calls) == 1:
            raise RecordChanged("changed meanwhile")
        return "stored"

    # When it runs under retry_on_conflict / Then the second attempt's result is returned
    assert retry_on_conflict(attempt) == "stored" and calls == [0, 1]


def test_a_commit_stale_on_every_attempt_ends_in_the_transient_conflict():
    # Given an attempt that always finds its record changed
    calls = []

    def attempt():
        calls.append(1)
        raise RecordChanged("changed meanwhile")

    # When it runs / Then it is tried three times and the conflict reaches the caller
    with pytest.raises(Conflict) as refused:
        retry_on_conflict(attempt)
    assert isinstance(refused.value, RecordChanged) and len(calls) == 3


def test_a_refusal_of_the_rules_is_not_retried():
    # Given an attempt that the rules refuse (not a concurrent write)
    calls = []

    def attempt():
        calls.append(1)
        raise Conflict("already approved")

    # When it runs / Then it is tried once
    with pytest.raises(Conflict):
        retry_on_conflict(attempt)
    assert len(calls) == 1


def test_a_second_registration_of_an_organisation_is_refused_by_its_guard_naming_the_first_vendor(deps):
    # Given acme registered
    first = vendors.register_vendor(
        deps, ACME, legal_name="Acme", fein=fein_for("acme"), contact_email="bids@acme.example", commodity_codes=["61500"]
    )

    # When acme registers again
    with pytest.raises(Conflict) as refused:
        vendors.register_vendor(
            deps, ACME, legal_name="Acme", fein=fein_for("acme"), contact_email="bids@acme.example", commodity_codes=["61500"]
        )

    # Then the guard refuses it, naming the vendor that holds the organisation, and only one onboarding started
    assert refused.value.details == [{"vendor_id": first.id}] and first.id in refused.value.message
    assert deps.store.guards == {"vendor-org#acme": first.id, f"vendor-fein#{first.fein}": first.id}
    assert len(deps.workflows.started) == 1


@pytest.mark.rule("OPM-1")
def test_an_opm_approval_racing_another_write_of_the_plan_is_decided_again_and_stored(deps):
    # Given a submitted plan that another request writes just before OPM's approval commits
    plan = plans.create_plan(deps, DSS, period="FY 26-28", sections=complete_sections())
    plans.submit_plan(deps, DSS, plan.id)
    concurrent_write_before_commits(deps, 1, plans.Plan, plan.id)

    # When OPM approves
    approved_plan = plans.approve_plan(deps, OPM, plan.id, "Approved as filed.")

    # Then the approval is stored on the newer version, audited once
    assert approved_plan.status.value == "approved" and approved_plan.version == 4
    assert [a.action for a in deps.store.audit_trail(f"plan:{plan.id}")].count("plan.approved") == 1


@pytest.mark.rule("OPM-5")
def test_an_opm_decision_racing_the_workflow_storing_its_token_answers_that_token(deps):
    # Given a request under review, and the workflow storing its decision token while OPM decides
    amendment = waiver(deps, approved(deps).id)
    store, commit = deps.store, deps.store.commit
    stored_token = []

    def token_stored_just_before(actor, at, changes):
        if not stored_token:
            stored_token.append(True)
            plans.await_decision(deps, "amendment-x", amendment.id, "token-1")
        return commit(actor, at, changes)

    store.commit = token_stored_just_before

    # When OPM approves
    decided = plans.decide_amendment(deps, OPM, amendment.id, approve=True, note="Approved.")

    # Then the decision is stored and the token the workflow waits on is answered
    assert decided.status is PlanAmendmentStatus.APPROVED
    assert deps.workflows.resumed == [("token-1", {"approved": True})]


def test_a_change_names_its_action_after_and_before_so_swapped_records_cannot_slip_in():
    # Given two versions of one record / When a Change is built positionally / Then it is refused (keyword-only)
    with pytest.raises(TypeError):
        Change("vendor.edited", "new", "old")  # type: ignore[misc]
    assert Change(action="vendor.edited", after="new", before="old").before == "old"
