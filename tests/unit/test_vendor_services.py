"""services/vendors.py and services/audit.py on in-memory fakes (tests/fakes.py): authorisation, workflow calls,
emails sent once, and the audit trail of every state change."""

import datetime as dt

import pytest

from chalicelib.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.domain.vendors import AlreadyConfirmed, CodeLocked, VendorStatus
from chalicelib.services import audit, outbox, vendors
from chalicelib.services.ports import Actor, PageRequest, Role
from local.fein import fein_for

ACME = Actor(sub="alice@acme", role=Role.VENDOR, org="acme")
GLOBEX = Actor(sub="bob@globex", role=Role.VENDOR, org="globex")
PURCHASING = Actor(sub="pat@das", role=Role.PURCHASING, org="DAS-BOP")
AGENCY = Actor(sub="ann@dot", role=Role.AGENCY, org="DOT")
OPM = Actor(sub="olga@opm", role=Role.OPM, org="OPM")
REGISTRATION = {"legal_name": "Acme Office Supply LLC", "contact_email": "bids@acme.example", "commodity_codes": ["61500", "615"]}
CODE = "111111"  # what tests.fakes.SequentialIds.secret(6) hands out
SEVEN_DAYS = 7 * 24 * 3600


def register(deps, actor=ACME, **overrides):
    return vendors.register_vendor(deps, actor, **{**REGISTRATION, "fein": fein_for(actor.org), **overrides})


def execution_of(vendor) -> str:
    return f"vendor-{vendor.id}"


def registered_and_waiting(deps, token="task-token-1"):
    """A registered vendor whose onboarding workflow has emailed the code and waits on `token`."""
    vendor = register(deps)
    vendors.request_confirmation(deps, execution_of(vendor), vendor.id, token)
    return vendor


def trail(deps, vendor):
    return deps.store.audit_trail(f"vendor:{vendor.id}")


# -- registration ---------------------------------------------------------------------------------


@pytest.mark.rule("R-4")
def test_registration_stores_the_vendor_under_the_callers_organisation(deps):
    vendor = register(deps)
    assert vendor.org == "acme" and vendor.status is VendorStatus.PENDING_CONFIRMATION
    assert vendor.version == 1
    assert deps.store.get(type(vendor), vendor.id) == vendor


@pytest.mark.rule("R-4")
def test_registration_starts_the_onboarding_workflow_with_a_seven_day_reminder(deps):
    # Given a vendor registering / Then one vendor-onboarding execution, named after it, waits 7 days for the reminder
    vendor = register(deps)
    assert deps.workflows.started == [
        ("vendor-onboarding", f"vendor-{vendor.id}", {"vendor_id": vendor.id, "reminder_after_seconds": SEVEN_DAYS})
    ]


def test_registration_sends_no_email_itself_the_workflow_does(deps):
    register(deps)
    assert deps.notifier.sent == []


def test_a_second_registration_by_the_same_organisation_is_a_conflict(deps):
    # Given acme is registered / When acme registers again (another user of the same org)
    first = register(deps)
    with pytest.raises(Conflict) as excinfo:
        register(deps, Actor(sub="carol@acme", role=Role.VENDOR, org="acme"))
    # Then Conflict names the existing vendor, and no second workflow starts
    assert excinfo.value.details == [{"vendor_id": first.id}]
    assert len(deps.workflows.started) == 1


def test_another_organisation_may_register_alongside(deps):
    one, two = register(deps), register(deps, GLOBEX)
    assert one.id != two.id and len(deps.workflows.started) == 2


@pytest.mark.rule("R-4")
def test_a_second_registration_of_a_taken_fein_is_refused_without_naming_the_first_vendor(deps):
    # Given acme registered its FEIN
    first = register(deps)
    # When globex registers with the same FEIN, written without its hyphen
    with pytest.raises(Conflict) as excinfo:
        register(deps, GLOBEX, fein=first.fein)
    # Then a conflict under R-4 says only "already registered": nothing of acme's registration; nothing stored
    refused = excinfo.value
    assert refused.rule == "R-4" and refused.details == [{"field": "fein", "problem": "already registered"}]
    assert first.id not in refused.message and "acme" not in refused.message.lower()
    assert [e.org for (kind, _), e in deps.store.items.items() if kind == "vendor"] == ["acme"]
    assert "vendor-org#globex" not in deps.store.guards and len(deps.workflows.started) == 1


@pytest.mark.rule("R-4")
def test_the_fein_guard_holds_the_normalised_fein(deps):
    vendor = register(deps, fein="06-1234567")
    assert deps.store.guards["vendor-fein#061234567"] == vendor.id


@pytest.mark.parametrize("actor", [PURCHASING, AGENCY, OPM], ids=lambda a: a.role.value)
def test_only_a_vendor_may_register(deps, actor):
    with pytest.raises(Forbidden):
        register(deps, actor)
    assert deps.workflows.started == []


@pytest.mark.rule("R-4")
def test_an_invalid_registration_stores_nothing_and_starts_no_workflow(deps):
    with pytest.raises(ValidationFailed):
        vendors.register_vendor(
            deps, ACME, legal_name="Acme", fein="06-1234567", contact_email="bids@acme.example", commodity_codes=[]
        )
    assert deps.store.items == {} and deps.store.audit == [] and deps.workflows.started == []


# -- who may read ---------------------------------------------------------------------------------


def test_the_vendor_itself_can_read_its_registration(deps):
    vendor = register(deps)
    assert vendors.get_vendor(deps, Actor(sub="carol@acme", role=Role.VENDOR, org="acme"), vendor.id) == vendor


def test_purchasing_can_read_any_registration(deps):
    vendor = register(deps)
    assert vendors.get_vendor(deps, PURCHASING, vendor.id) == vendor


@pytest.mark.parametrize(
    "actor",
    [GLOBEX, AGENCY, OPM, Actor(sub="x", role=Role.AGENCY, org="acme")],
    ids=["other-vendor", "agency", "opm", "agency-named-acme"],
)
def test_anyone_else_is_told_the_registration_does_not_exist(deps, actor):
    # Given acme's registration / When another organisation or role asks for it / Then NotFound, not Forbidden
    vendor = register(deps)
    with pytest.raises(NotFound):
        vendors.get_vendor(deps, actor, vendor.id)


def test_an_unknown_vendor_is_not_found_even_for_purchasing(deps):
    with pytest.raises(NotFound):
        vendors.get_vendor(deps, PURCHASING, "V-9999")


# -- confirmation ---------------------------------------------------------------------------------


def test_the_confirmation_task_emails_the_code_to_the_contact_address(deps):
    vendor = registered_and_waiting(deps)
    (mail,) = deps.notifier.sent
    assert mail.to == ("bids@acme.example",)
    assert mail.subject == f"Confirm your vendor registration {vendor.id}"
    assert f"Confirmation code: {CODE}" in mail.text


def test_confirming_with_the_right_code_activates_the_vendor_and_resumes_the_workflow_token(deps):
    # Given the workflow waits on task-token-1 / When the vendor confirms with the emailed code
    vendor = registered_and_waiting(deps, token="task-token-1")
    deps.clock.advance(hours=2)
    confirmed = vendors.confirm_vendor(deps, ACME, vendor.id, CODE)
    # Then it is active, stored, and the waiting task is answered with confirmed=True
    assert confirmed.status is VendorStatus.ACTIVE and confirmed.confirmed_at == deps.clock.now()
    assert deps.store.get(type(vendor), vendor.id) == confirmed
    assert deps.workflows.resumed == [("task-token-1", {"vendor_id": vendor.id, "confirmed": True})]


def test_confirming_with_a_wrong_code_activates_nothing_and_resumes_nothing(deps):
    vendor = registered_and_waiting(deps)
    with pytest.raises(ValidationFailed):
        vendors.confirm_vendor(deps, ACME, vendor.id, "999999")
    assert deps.store.get(type(vendor), vendor.id).status is VendorStatus.PENDING_CONFIRMATION
    assert deps.workflows.resumed == []


def test_confirming_before_the_workflow_asked_resumes_nothing_and_the_task_then_resumes_at_once(deps):
    # Given the vendor confirms before the confirmation task ran (no token yet)
    vendor = register(deps)
    vendors.confirm_vendor(deps, ACME, vendor.id, CODE)
    assert deps.workflows.resumed == []
    # When the task runs / Then it answers its own token at once and emails nothing
    vendors.request_confirmation(deps, execution_of(vendor), vendor.id, "task-token-late")
    assert deps.workflows.resumed == [("task-token-late", {"vendor_id": vendor.id, "confirmed": True})]
    assert deps.notifier.sent == []


def test_confirming_twice_is_already_confirmed(deps):
    vendor = registered_and_waiting(deps)
    vendors.confirm_vendor(deps, ACME, vendor.id, CODE)
    with pytest.raises(AlreadyConfirmed):
        vendors.confirm_vendor(deps, ACME, vendor.id, CODE)
    assert len(deps.workflows.resumed) == 1


def test_another_vendor_cannot_confirm_and_is_told_it_does_not_exist(deps):
    vendor = registered_and_waiting(deps)
    with pytest.raises(NotFound):
        vendors.confirm_vendor(deps, GLOBEX, vendor.id, CODE)


def test_purchasing_can_read_but_not_confirm_a_registration(deps):
    vendor = registered_and_waiting(deps)
    with pytest.raises(Forbidden):
        vendors.confirm_vendor(deps, PURCHASING, vendor.id, CODE)
    assert deps.store.get(type(vendor), vendor.id).status is VendorStatus.PENDING_CONFIRMATION


def test_a_retried_confirmation_task_emails_the_code_only_once(deps):
    vendor = registered_and_waiting(deps, token="task-token-1")
    vendors.request_confirmation(deps, execution_of(vendor), vendor.id, "task-token-1")
    assert len(deps.notifier.sent) == 1


# -- reminder -------------------------------------------------------------------------------------


def test_the_reminder_task_emails_the_code_again_and_records_when(deps):
    vendor = registered_and_waiting(deps)
    deps.clock.advance(days=7)
    assert vendors.send_confirmation_reminder(deps, execution_of(vendor), vendor.id) == {"vendor_id": vendor.id, "reminded": True}
    reminder = deps.notifier.sent[-1]
    assert reminder.subject == f"Reminder: confirm your vendor registration {vendor.id}"
    assert f"Confirmation code: {CODE}" in reminder.text and reminder.to == ("bids@acme.example",)
    assert deps.store.get(type(vendor), vendor.id).reminder_sent_at == deps.clock.now()


def test_the_reminder_task_sends_once_even_if_retried(deps):
    # Given the reminder task ran / When Step Functions retries it / Then still one reminder email
    vendor = registered_and_waiting(deps)
    deps.clock.advance(days=7)
    vendors.send_confirmation_reminder(deps, execution_of(vendor), vendor.id)
    deps.clock.advance(seconds=2)
    vendors.send_confirmation_reminder(deps, execution_of(vendor), vendor.id)
    assert [m.subject.startswith("Reminder") for m in deps.notifier.sent] == [False, True]


def test_a_retried_reminder_task_keeps_the_instant_the_reminder_was_actually_sent(deps):
    vendor = registered_and_waiting(deps)
    deps.clock.advance(days=7)
    sent_at = deps.clock.now()
    vendors.send_confirmation_reminder(deps, execution_of(vendor), vendor.id)
    deps.clock.advance(seconds=2)
    vendors.send_confirmation_reminder(deps, execution_of(vendor), vendor.id)
    assert deps.store.get(type(vendor), vendor.id).reminder_sent_at == sent_at
    assert [a.action for a in trail(deps, vendor)].count("vendor.reminder_sent") == 1


def test_a_reminder_whose_email_fails_is_recorded_and_delivered_once_by_the_outbox_worker(deps):
    # Given the mail service fails on the first attempt / When the task runs, is retried, and the worker runs later
    # Then the task succeeds, and the reminder goes out once, after the failure's retry delay
    vendor = registered_and_waiting(deps)
    deps.clock.advance(days=7)
    sent = deps.notifier.sent

    def failing_send(email):
        raise ConnectionError("SES unavailable")

    deps.notifier.send = failing_send
    vendors.send_confirmation_reminder(deps, execution_of(vendor), vendor.id)
    del deps.notifier.send
    vendors.send_confirmation_reminder(deps, execution_of(vendor), vendor.id)
    outbox.deliver_due(deps)
    assert [m.subject.startswith("Reminder") for m in sent] == [False]
    deps.clock.advance(minutes=1)
    outbox.deliver_due(deps)
    outbox.deliver_due(deps)
    assert [m.subject.startswith("Reminder") for m in sent] == [False, True]


def test_a_reminder_after_confirmation_raises_already_confirmed_and_sends_nothing(deps):
    # Given the vendor confirmed within the day / When the 7-day reminder task runs / Then AlreadyConfirmed, no email, no change
    vendor = registered_and_waiting(deps)
    deps.clock.advance(hours=20)
    confirmed = vendors.confirm_vendor(deps, ACME, vendor.id, CODE)
    deps.clock.advance(days=6)
    with pytest.raises(AlreadyConfirmed):
        vendors.send_confirmation_reminder(deps, execution_of(vendor), vendor.id)
    assert len(deps.notifier.sent) == 1
    assert deps.store.get(type(vendor), vendor.id) == confirmed


def test_a_task_for_a_vanished_vendor_is_not_found(deps):
    with pytest.raises(NotFound):
        vendors.send_confirmation_reminder(deps, "vendor-V-9999", "V-9999")
    with pytest.raises(NotFound):
        vendors.request_confirmation(deps, "vendor-V-9999", "V-9999", "token")


# -- audit ----------------------------------------------------------------------------------------


def test_every_state_change_of_onboarding_writes_one_audit_entry_in_order(deps):
    # Given registration, the confirmation task, the reminder and the confirmation
    vendor = registered_and_waiting(deps)
    deps.clock.advance(days=7)
    vendors.send_confirmation_reminder(deps, execution_of(vendor), vendor.id)
    deps.clock.advance(hours=23)
    vendors.confirm_vendor(deps, ACME, vendor.id, deps.store.get(type(vendor), vendor.id).confirmation_code)
    # Then the trail has one entry per change, each with who, in which role and organisation, and when
    start = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)
    system = f"workflow:{execution_of(vendor)}"
    assert [(a.action, a.actor, a.role, a.org, a.at) for a in trail(deps, vendor)] == [
        ("vendor.registered", "alice@acme", "vendor", "acme", start),
        ("vendor.confirmation_requested", system, "system", "system", start),
        ("vendor.reminder_sent", system, "system", "system", start + dt.timedelta(days=7)),
        ("vendor.confirmed", "alice@acme", "vendor", "acme", start + dt.timedelta(days=7, hours=23)),
    ]


def test_the_registration_audit_entry_has_no_before_and_the_new_vendor_after(deps):
    vendor = register(deps)
    (entry,) = trail(deps, vendor)
    assert entry.entity == f"vendor:{vendor.id}"
    assert entry.before is None
    assert entry.after["status"] == "pending_confirmation" and entry.after["legal_name"] == "Acme Office Supply LLC"
    assert entry.after["version"] == 1


def test_the_confirmation_audit_entry_shows_the_status_before_and_after(deps):
    vendor = registered_and_waiting(deps)
    vendors.confirm_vendor(deps, ACME, vendor.id, CODE)
    entry = trail(deps, vendor)[-1]
    assert (entry.before["status"], entry.after["status"]) == ("pending_confirmation", "active")
    assert entry.before["confirmed_at"] is None and entry.after["confirmed_at"] is not None
    assert (entry.before["version"], entry.after["version"]) == (2, 3)


def test_the_audit_trail_never_contains_the_confirmation_code_or_the_task_token(deps):
    vendor = registered_and_waiting(deps, token="task-token-secret")
    deps.clock.advance(days=7)
    vendors.send_confirmation_reminder(deps, execution_of(vendor), vendor.id)
    vendors.confirm_vendor(deps, ACME, vendor.id, CODE)
    entries = trail(deps, vendor)
    assert len(entries) == 4
    for entry in entries:
        for side in (entry.before, entry.after):
            if side is not None:
                assert "confirmation_code" not in side and "confirmation_token" not in side
        assert CODE not in repr(entry) and "task-token-secret" not in repr(entry)


def test_a_refused_command_writes_no_audit_entry(deps):
    registered_and_waiting(deps)
    before = list(deps.store.audit)
    with pytest.raises(Conflict):
        register(deps)
    assert deps.store.audit == before


def test_purchasing_reads_the_audit_trail_of_a_vendor(deps):
    vendor = registered_and_waiting(deps)
    entries = audit.audit_trail(deps, PURCHASING, PageRequest(), entity=f"vendor:{vendor.id}").items
    assert [e.action for e in entries] == ["vendor.registered", "vendor.confirmation_requested"]


def test_the_audit_trail_of_an_unknown_entity_is_empty(deps):
    assert audit.audit_trail(deps, PURCHASING, PageRequest(), entity="vendor:V-9999").items == []


@pytest.mark.parametrize("actor", [ACME, AGENCY, OPM], ids=lambda a: a.role.value)
def test_only_purchasing_may_read_the_audit_trail(deps, actor):
    vendor = register(deps)
    with pytest.raises(Forbidden):
        audit.audit_trail(deps, actor, PageRequest(), entity=f"vendor:{vendor.id}")


@pytest.mark.parametrize("entity", ["V-0001", "vendor", ""])
def test_an_entity_not_written_kind_colon_id_is_refused(deps, entity):
    with pytest.raises(ValidationFailed) as excinfo:
        audit.audit_trail(deps, PURCHASING, PageRequest(), entity=entity)
    assert [d["field"] for d in excinfo.value.details] == ["entity"]


def test_the_role_is_checked_before_the_entity_format(deps):
    with pytest.raises(Forbidden):
        audit.audit_trail(deps, ACME, PageRequest(), entity="not-an-entity")


# -- confirmation attempts (R-4: only the holder of the mailbox confirms) -----------------------------------------


def give_wrong_codes(deps, vendor, count: int) -> None:
    for _ in range(count):
        with pytest.raises(ValidationFailed):
            vendors.confirm_vendor(deps, ACME, vendor.id, "000000")


@pytest.mark.rule("R-4")
def test_every_wrong_confirmation_attempt_is_recorded_in_the_audit_trail(deps):
    vendor = registered_and_waiting(deps)
    give_wrong_codes(deps, vendor, 2)
    actions = [e.action for e in trail(deps, vendor)]
    assert actions.count("vendor.confirmation_refused") == 2
    assert deps.store.get(type(vendor), vendor.id).failed_attempts == 2


@pytest.mark.rule("R-4")
def test_forty_fast_guesses_leave_the_right_code_useless_until_a_new_one_is_sent(deps):
    vendor = registered_and_waiting(deps)
    for guess in range(40):
        with pytest.raises((ValidationFailed, CodeLocked)):
            vendors.confirm_vendor(deps, ACME, vendor.id, f"{guess:06d}")
    with pytest.raises(CodeLocked, match="ask for a new code"):
        vendors.confirm_vendor(deps, ACME, vendor.id, CODE)
    assert deps.store.get(type(vendor), vendor.id).status is VendorStatus.PENDING_CONFIRMATION


@pytest.mark.rule("R-4")
def test_a_new_code_is_emailed_and_confirms(deps):
    vendor = registered_and_waiting(deps)
    give_wrong_codes(deps, vendor, 5)
    vendors.reissue_confirmation_code(deps, ACME, vendor.id)
    assert deps.notifier.sent[-1].subject == f"New confirmation code for your vendor registration {vendor.id}"
    assert vendors.confirm_vendor(deps, ACME, vendor.id, CODE).status is VendorStatus.ACTIVE


@pytest.mark.rule("R-4")
def test_the_seven_day_reminder_carries_a_new_code_because_the_first_expired(deps):
    vendor = registered_and_waiting(deps)
    deps.clock.advance(days=7)
    vendors.send_confirmation_reminder(deps, execution_of(vendor), vendor.id)
    reminded = deps.store.get(type(vendor), vendor.id)
    assert reminded.code_issued_at == deps.clock.now()
    assert vendors.confirm_vendor(deps, ACME, vendor.id, reminded.confirmation_code).status is VendorStatus.ACTIVE


# -- duplicates and suspension (R-4) ----------------------------------------------------------------------------


def registered(deps, org, legal_name):
    return register(
        deps, Actor(sub=f"user@{org}", role=Role.VENDOR, org=org), legal_name=legal_name, contact_email=f"bids@{org}.example"
    )


@pytest.mark.rule("R-4")
def test_purchasing_sees_vendors_whose_normalised_legal_names_are_equal_grouped_in_registration_order(deps):
    # Given the real Acme, two look-alikes (one confirmed, one suspended), and two unrelated vendors
    real = registered(deps, "acme", "Acme Office Supply LLC")
    deps.clock.advance(hours=1)
    impostor = registered(deps, "acme-2", "ACME OFFICE SUPPLY, INC.")
    deps.clock.advance(hours=1)
    third = registered(deps, "acme-3", "Acme Office Supply")
    vendors.confirm_vendor(deps, Actor("u", Role.VENDOR, "acme-3"), third.id, CODE)
    vendors.suspend_vendor(deps, PURCHASING, impostor.id, "impersonates acme")
    registered(deps, "globex", "Globex Corp")
    registered(deps, "initech", "Acme Office Supplies")
    # When purchasing lists duplicates
    (group,) = vendors.duplicates(deps, PURCHASING, PageRequest()).items
    # Then one group holds the three, oldest first, with their standing
    assert [v.id for v in group] == [real.id, impostor.id, third.id]
    assert [(v.confirmed, v.suspended) for v in group] == [(False, False), (False, True), (True, False)]


@pytest.mark.rule("R-4")
def test_duplicates_are_found_by_querying_the_name_sorted_index_never_a_scan(deps):
    registered(deps, "acme", "Acme LLC")
    registered(deps, "acme-2", "Acme Inc")
    queried = []
    iterate = deps.store.iterate
    deps.store.iterate = lambda cls, index, key, **kw: queried.append((index, key)) or iterate(cls, index, key, **kw)
    assert len(vendors.duplicates(deps, PURCHASING, PageRequest()).items) == 1
    assert queried == [("by_status", "pending_confirmation"), ("by_status", "active"), ("by_status", "suspended")]


@pytest.mark.parametrize("actor", [ACME, AGENCY, OPM], ids=lambda a: a.role.value)
def test_only_purchasing_lists_duplicates_suspends_and_reinstates(deps, actor):
    vendor = register(deps)
    with pytest.raises(Forbidden):
        vendors.duplicates(deps, actor, PageRequest())
    with pytest.raises(Forbidden):
        vendors.suspend_vendor(deps, actor, vendor.id, "duplicate")
    vendors.suspend_vendor(deps, PURCHASING, vendor.id, "duplicate")
    with pytest.raises(Forbidden):
        vendors.reinstate_vendor(deps, actor, vendor.id)


@pytest.mark.rule("R-4")
def test_a_suspension_and_a_reinstatement_are_audited_with_the_reason_and_who(deps):
    vendor = register(deps)
    vendors.suspend_vendor(deps, PURCHASING, vendor.id, "impersonates acme")
    vendors.reinstate_vendor(deps, PURCHASING, vendor.id)
    *_, suspended, reinstated = trail(deps, vendor)
    assert (suspended.action, suspended.actor, suspended.after["suspension_reason"]) == (
        "vendor.suspended",
        PURCHASING.sub,
        "impersonates acme",
    )
    assert (reinstated.action, reinstated.before["suspension_reason"], reinstated.after["suspended_at"]) == (
        "vendor.reinstated",
        "impersonates acme",
        None,
    )


def test_suspending_an_unknown_vendor_is_not_found(deps):
    with pytest.raises(NotFound):
        vendors.suspend_vendor(deps, PURCHASING, "V-404", "duplicate")


@pytest.mark.rule("R-4")
def test_a_suspension_without_a_reason_stores_nothing(deps):
    vendor = register(deps)
    with pytest.raises(ValidationFailed):
        vendors.suspend_vendor(deps, PURCHASING, vendor.id, " ")
    assert not deps.store.get(type(vendor), vendor.id).suspended and len(trail(deps, vendor)) == 1
