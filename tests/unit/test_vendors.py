"""domain/vendors.py: registration with a FEIN (R-4: registered vendors of a commodity are invited to bid), confirmation,
reminder, who may bid or answer an award (confirmed, not suspended), and legal names compared for duplicates."""

import dataclasses
import datetime as dt

import pytest

from chalicelib.domain import vendors
from chalicelib.domain.errors import Conflict, Forbidden, ValidationFailed
from chalicelib.domain.vendors import AlreadyConfirmed, VendorStatus

NOW = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(hours=2)
GOOD = {
    "legal_name": "Acme Office Supply LLC",
    "fein": "06-1234567",
    "contact_email": "bids@acme.example",
    "commodity_codes": ["61500", "615"],
}


def register(**overrides):
    fields = {**GOOD, **overrides}
    return vendors.new_vendor(vendor_id="V-1", org="acme", now=NOW, confirmation_code="482913", **fields)


def confirm(vendor, code, at):
    """The confirmation as the service applies it: the refusal raised, else the confirmed vendor."""
    attempt = vendors.attempt_confirmation(vendor, code, at)
    if attempt.refusal is not None:
        raise attempt.refusal
    return attempt.vendor


def failing_fields(excinfo) -> list[str]:
    return [d["field"] for d in excinfo.value.details]


# -- registration ---------------------------------------------------------------------------------


@pytest.mark.rule("R-4")
def test_a_complete_registration_creates_a_vendor_pending_confirmation():
    vendor = register()
    assert (vendor.id, vendor.org, vendor.status) == ("V-1", "acme", VendorStatus.PENDING_CONFIRMATION)
    assert vendor.registered_at == NOW and vendor.confirmed_at is None and vendor.reminder_sent_at is None
    assert vendor.version == 0


@pytest.mark.rule("R-4")
def test_commodity_codes_are_stored_once_each_in_sorted_order():
    assert register(commodity_codes=["61500", "615", "61500"]).commodity_codes == ("615", "61500")


def test_the_legal_name_is_trimmed_and_the_contact_email_lowercased():
    vendor = register(legal_name="  Acme Office Supply LLC ", contact_email="Bids@ACME.example")
    assert (vendor.legal_name, vendor.contact_email) == ("Acme Office Supply LLC", "bids@acme.example")


@pytest.mark.rule("R-4")
def test_a_registration_without_commodity_codes_is_refused_under_r4():
    # Given no commodity code / When registering / Then ValidationFailed under R-4, naming commodity_codes
    with pytest.raises(ValidationFailed) as excinfo:
        register(commodity_codes=[])
    assert excinfo.value.rule == "R-4"
    assert failing_fields(excinfo) == ["commodity_codes"]
    assert "R-4" in excinfo.value.details[0]["problem"]


@pytest.mark.rule("R-4")
@pytest.mark.parametrize("code", ["61", "123456789012", "61-500", "6150A", "", " 615"])
def test_a_commodity_code_that_is_not_3_to_11_digits_is_refused_with_its_position(code):
    with pytest.raises(ValidationFailed) as excinfo:
        register(commodity_codes=["615", code])
    assert excinfo.value.rule == "R-4"
    assert failing_fields(excinfo) == ["commodity_codes[1]"]


@pytest.mark.rule("R-4")
@pytest.mark.parametrize("code", ["615", "61500", "43211503", "12345678901"])
def test_nigp_and_unspsc_codes_of_3_to_11_digits_are_accepted(code):
    assert register(commodity_codes=[code]).commodity_codes == (code,)


@pytest.mark.rule("R-4")
@pytest.mark.parametrize("code", ["615\n", "\u0666\u0661\u0665\u0660\u0660"], ids=["trailing-newline", "arabic-indic-digits"])
def test_a_commodity_code_with_a_trailing_newline_or_non_ascii_digits_is_refused(code):
    with pytest.raises(ValidationFailed) as excinfo:
        register(commodity_codes=[code])
    assert failing_fields(excinfo) == ["commodity_codes[0]"]


@pytest.mark.rule("R-4")
@pytest.mark.parametrize("email", ["", "bids", "bids@acme", "bids@@acme.example", "bids @acme.example", "@acme.example"])
def test_a_contact_email_that_is_not_an_address_is_refused(email):
    with pytest.raises(ValidationFailed) as excinfo:
        register(contact_email=email)
    assert excinfo.value.rule == "R-4"
    assert failing_fields(excinfo) == ["contact_email"]


@pytest.mark.rule("R-4")
@pytest.mark.parametrize("name", ["", "   "])
def test_a_blank_legal_name_is_refused(name):
    with pytest.raises(ValidationFailed) as excinfo:
        register(legal_name=name)
    assert failing_fields(excinfo) == ["legal_name"]


@pytest.mark.rule("R-4")
def test_every_failing_field_is_listed_in_one_answer_under_r4():
    # Given a blank name, a bad email and two bad codes among a good one
    # When registering / Then one ValidationFailed lists all four problems, each with a reason
    with pytest.raises(ValidationFailed) as excinfo:
        register(legal_name=" ", fein="1234", contact_email="nobody", commodity_codes=["x", "615", "12"])
    error = excinfo.value
    assert error.rule == "R-4" and error.code == "ValidationFailed"
    assert failing_fields(excinfo) == ["legal_name", "fein", "contact_email", "commodity_codes[0]", "commodity_codes[2]"]
    assert all(d["problem"] for d in error.details)


# -- FEIN -----------------------------------------------------------------------------------------


@pytest.mark.rule("R-4")
@pytest.mark.parametrize("given", ["06-1234567", "061234567", " 06-1234567 "])
def test_a_fein_given_with_or_without_its_hyphen_is_stored_as_nine_digits(given):
    assert register(fein=given).fein == "061234567"


@pytest.mark.rule("R-4")
@pytest.mark.parametrize(
    "given", ["", "1234567", "06-123456", "06-12345678", "0612345678", "061-234567", "06 1234567", "O6-1234567", "٠٦-١٢٣٤٥٦٧"]
)
def test_a_fein_that_is_not_nine_digits_is_refused_naming_the_field(given):
    # Given a FEIN of the wrong length, shape or digits / When registering / Then the fein field is refused under R-4
    with pytest.raises(ValidationFailed) as excinfo:
        register(fein=given)
    assert excinfo.value.rule == "R-4" and failing_fields(excinfo) == ["fein"]


@pytest.mark.rule("R-4")
@pytest.mark.parametrize(
    "prefix", ["00", "07", "08", "09", "17", "18", "19", "28", "29", "49", "69", "70", "78", "79", "89", "96", "97"]
)
def test_a_fein_with_a_prefix_the_irs_never_assigns_is_refused(prefix):
    with pytest.raises(ValidationFailed) as excinfo:
        register(fein=f"{prefix}-1234567")
    assert failing_fields(excinfo) == ["fein"] and prefix in excinfo.value.details[0]["problem"]


@pytest.mark.rule("R-4")
@pytest.mark.parametrize(
    "prefix", ["01", "06", "10", "16", "20", "27", "30", "48", "50", "68", "71", "77", "80", "88", "90", "95", "98", "99"]
)
def test_a_fein_with_an_assigned_prefix_is_accepted(prefix):
    assert register(fein=f"{prefix}1234567").fein == f"{prefix}1234567"


def test_exactly_the_irs_prefixes_are_valid():
    never = {"00", "07", "08", "09", "17", "18", "19", "28", "29", "49", "69", "70", "78", "79", "89", "96", "97"}
    assert vendors.FEIN_PREFIXES == {f"{n:02d}" for n in range(100)} - never


# -- legal names compared -------------------------------------------------------------------------


@pytest.mark.rule("R-4")
@pytest.mark.parametrize(
    "name",
    [
        "Acme Office Supply LLC",
        "ACME OFFICE SUPPLY",
        "Acme Office Supply, L.L.C.",
        "acme office supply inc.",
        "Acme  Office-Supply Co., Inc.",
        "Acme Office Supply Corporation",
        "Acme Office Supply Ltd",
    ],
)
def test_legal_names_differing_in_case_punctuation_or_corporate_suffix_compare_equal(name):
    assert vendors.legal_name_key(name) == "acme office supply"


def test_a_suffix_word_inside_a_name_is_kept():
    assert vendors.legal_name_key("Co-Op Supply Inc") == "co op supply"


def test_different_names_compare_different():
    assert vendors.legal_name_key("Acme Office Supply") != vendors.legal_name_key("Acme Office Supplies")


@pytest.mark.rule("R-4")
def test_a_legal_name_of_only_a_corporate_suffix_is_refused():
    with pytest.raises(ValidationFailed) as excinfo:
        register(legal_name="L.L.C.")
    assert failing_fields(excinfo) == ["legal_name"]


# -- who may bid or answer an award ---------------------------------------------------------------


@pytest.mark.rule("R-4")
def test_an_unconfirmed_vendor_may_not_act_and_is_told_how_to_confirm():
    # Given a registration whose email is not confirmed
    # When it would bid or answer an award / Then Forbidden under R-4, pointing to confirm and to a new code
    with pytest.raises(Forbidden) as excinfo:
        vendors.ensure_may_act(register())
    assert excinfo.value.rule == "R-4"
    assert "POST /vendors/V-1/confirm" in excinfo.value.message and "POST /vendors/V-1/confirmation-code" in excinfo.value.message


@pytest.mark.rule("R-4")
def test_a_confirmed_vendor_may_act():
    confirmed = confirm(register(), "482913", LATER)
    assert vendors.ensure_may_act(confirmed) is confirmed


@pytest.mark.rule("R-4")
def test_a_suspended_vendor_may_not_act_even_when_confirmed():
    # Given a confirmed vendor that purchasing suspended / When it would act / Then Forbidden under R-4 with the reason
    suspended = vendors.suspend(confirm(register(), "482913", LATER), "impersonates another company", LATER)
    with pytest.raises(Forbidden) as excinfo:
        vendors.ensure_may_act(suspended)
    assert (
        excinfo.value.rule == "R-4"
        and "suspended" in excinfo.value.message
        and "impersonates another company" in excinfo.value.message
    )


@pytest.mark.rule("R-4")
def test_a_suspended_vendor_is_out_of_the_active_standing_and_reinstated_back_into_it():
    confirmed = confirm(register(), "482913", LATER)
    suspended = vendors.suspend(confirmed, " duplicate ", LATER)
    assert (suspended.standing, suspended.suspension_reason, suspended.suspended_at) == ("suspended", "duplicate", LATER)
    reinstated = vendors.reinstate(suspended)
    assert reinstated.standing == "active" and vendors.ensure_may_act(reinstated) is reinstated


@pytest.mark.rule("R-4")
@pytest.mark.parametrize("reason", ["", "  "])
def test_a_suspension_without_a_reason_is_refused(reason):
    with pytest.raises(ValidationFailed) as excinfo:
        vendors.suspend(register(), reason, LATER)
    assert failing_fields(excinfo) == ["reason"]


def test_a_suspended_vendor_is_not_suspended_twice_nor_an_active_one_reinstated():
    suspended = vendors.suspend(register(), "duplicate", LATER)
    with pytest.raises(Conflict):
        vendors.suspend(suspended, "again", LATER)
    with pytest.raises(Conflict):
        vendors.reinstate(register())


@pytest.mark.rule("R-4")
def test_a_suspended_vendor_that_confirms_its_email_stays_suspended():
    confirmed = confirm(vendors.suspend(register(), "duplicate", NOW), "482913", LATER)
    assert confirmed.confirmed and confirmed.standing == "suspended"


# -- confirmation ---------------------------------------------------------------------------------


def test_the_right_code_activates_the_vendor_and_forgets_the_workflow_token():
    # Given a pending vendor holding the workflow's task token / When it confirms with the emailed code
    pending = dataclasses.replace(register(), confirmation_token="token-1")
    confirmed = confirm(pending, "482913", LATER)
    # Then it is active from now on and the token is no longer kept
    assert confirmed.status is VendorStatus.ACTIVE
    assert confirmed.confirmed_at == LATER
    assert confirmed.confirmation_token is None
    assert pending.status is VendorStatus.PENDING_CONFIRMATION  # entities are immutable


def test_surrounding_whitespace_around_the_code_is_ignored():
    assert confirm(register(), " 482913\n", LATER).status is VendorStatus.ACTIVE


def test_a_wrong_code_is_refused_and_names_the_code_field():
    with pytest.raises(ValidationFailed) as excinfo:
        confirm(register(), "000000", LATER)
    assert failing_fields(excinfo) == ["code"]


def test_confirming_twice_raises_already_confirmed_a_conflict():
    confirmed = confirm(register(), "482913", LATER)
    with pytest.raises(AlreadyConfirmed) as excinfo:
        confirm(confirmed, "482913", LATER)
    assert isinstance(excinfo.value, Conflict)
    assert excinfo.value.code == "AlreadyConfirmed"  # the error name the onboarding state machine catches


@pytest.mark.rule("R-4")
def test_a_wrong_code_counts_an_attempt_and_says_how_many_are_left():
    attempt = vendors.attempt_confirmation(register(), "000000", LATER)
    assert attempt.vendor.failed_attempts == 1
    assert "4 attempt(s) left" in str(attempt.refusal)


@pytest.mark.rule("R-4")
def test_after_five_wrong_codes_even_the_right_code_is_refused_until_a_new_one_is_sent():
    vendor = register()
    for _ in range(vendors.CONFIRMATION_ATTEMPTS):
        vendor = vendors.attempt_confirmation(vendor, "000000", LATER).vendor
    with pytest.raises(vendors.CodeLocked, match="ask for a new code"):
        confirm(vendor, "482913", LATER)
    renewed = vendors.reissue_code(vendor, "777111", LATER)
    assert confirm(renewed, "777111", LATER).status is VendorStatus.ACTIVE


@pytest.mark.rule("R-4")
def test_the_code_works_until_the_last_instant_of_its_24_hours():
    assert (
        confirm(register(), "482913", NOW + dt.timedelta(hours=24) - dt.timedelta(microseconds=1)).status is VendorStatus.ACTIVE
    )


@pytest.mark.rule("R-4")
def test_the_code_is_refused_from_the_instant_its_24_hours_end():
    with pytest.raises(vendors.CodeExpired, match="ask for a new code"):
        confirm(register(), "482913", NOW + dt.timedelta(hours=24))


@pytest.mark.rule("R-4")
def test_a_new_code_replaces_the_old_one():
    renewed = vendors.reissue_code(register(), "777111", NOW + dt.timedelta(days=3))
    with pytest.raises(ValidationFailed):
        confirm(renewed, "482913", NOW + dt.timedelta(days=3, hours=1))


# -- reminder -------------------------------------------------------------------------------------


def test_the_reminder_is_due_seven_days_after_registration():
    assert register().reminder_due_at == NOW + dt.timedelta(days=7)


def test_a_reminder_to_a_pending_vendor_is_recorded_with_its_instant():
    reminded = vendors.mark_reminded(register(), NOW + dt.timedelta(days=7))
    assert reminded.reminder_sent_at == NOW + dt.timedelta(days=7)
    assert reminded.status is VendorStatus.PENDING_CONFIRMATION


def test_a_reminder_after_confirmation_raises_already_confirmed():
    # Given a vendor that confirmed on day 2 / When the 7-day reminder task runs / Then AlreadyConfirmed ends it quietly
    confirmed = confirm(register(), "482913", LATER)
    with pytest.raises(AlreadyConfirmed):
        vendors.mark_reminded(confirmed, NOW + dt.timedelta(days=7))


# -- what is shown --------------------------------------------------------------------------------


def test_the_own_view_never_shows_the_confirmation_code_or_token():
    view = dataclasses.replace(register(), confirmation_token="token-1").own_view()
    assert not {"confirmation_code", "confirmation_token", "version"} & set(view)
    assert "482913" not in repr(view) and "token-1" not in repr(view)
    assert view["legal_name"] == "Acme Office Supply LLC"


def test_the_repr_of_a_vendor_does_not_leak_the_task_token():
    assert "token-1" not in repr(dataclasses.replace(register(), confirmation_token="token-1"))
