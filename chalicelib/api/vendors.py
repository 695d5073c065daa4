"""Vendor registration (POST /vendors, GET /vendors/{id}, POST /vendors/{id}/confirm) and purchasing's view of
duplicates with suspension and reinstatement (R-4)."""

from __future__ import annotations

from chalice import Blueprint
from pydantic import Field

from chalicelib.api.framework import Call, operation
from chalicelib.api.paging import Page, PageQuery, page_of, page_request
from chalicelib.api.types import FEIN, CommodityCode, Email, LocalTime
from chalicelib.api.views import ApiModel, RequestBody
from chalicelib.domain.vendors import MAX_COMMODITY_CODES, VendorStatus
from chalicelib.services import vendors
from chalicelib.services.ports import Role

bp = Blueprint(__name__)


class RegisterVendor(RequestBody):
    legal_name: str = Field(min_length=1, max_length=200, description="Legal name of the bidder.")
    fein: FEIN = Field(
        description="Federal employer identification number, NN-NNNNNNN or NNNNNNNNN: one registration per FEIN (R-4). Shown only to the vendor itself and the Bureau of Purchases.",
    )
    contact_email: Email = Field(description="Where invitations to bid and notices go.")
    commodity_codes: list[CommodityCode] = Field(
        min_length=1,
        max_length=MAX_COMMODITY_CODES,
        description="NIGP (3-11 digits) or UNSPSC codes the vendor supplies; invitations to bid of these commodities are emailed (R-4).",
    )


class ConfirmVendor(RequestBody):
    code: str = Field(min_length=1, max_length=20, description="The code emailed to the contact address.")


class SuspendVendor(RequestBody):
    reason: str = Field(min_length=1, max_length=2000, description="Why the vendor is suspended (kept in the audit trail).")


class VendorOut(ApiModel):
    """A registration as the vendor itself and the Bureau of Purchases see it."""

    id: str = Field(description="Vendor id.")
    org: str = Field(description="The registering organisation (the token's org claim).")
    legal_name: str = Field(description="Legal name of the bidder.")
    fein: str = Field(description="The FEIN, 9 digits.")
    contact_email: str = Field(description="Where invitations to bid and notices go.")
    commodity_codes: list[str] = Field(description="Commodity codes the vendor supplies (R-4).")
    status: VendorStatus = Field(description="pending_confirmation, or active once the contact email is confirmed (R-4).")
    registered_at: LocalTime = Field(description="When it registered.")
    confirmed_at: LocalTime | None = Field(None, description="When the contact email was confirmed.")
    reminder_sent_at: LocalTime | None = Field(None, description="When the 7-day confirmation reminder was sent.")
    suspended_at: LocalTime | None = Field(
        default=None,
        description="Set while the Bureau of Purchases suspends the vendor: it may not bid or answer an award, and is not invited (R-4).",
    )
    suspension_reason: str | None = Field(None, description="Why the Bureau of Purchases suspended it.")

    @classmethod
    def of(cls, vendor) -> VendorOut:
        return cls.model_validate(vendor.own_view())


class DuplicateVendor(ApiModel):
    id: str = Field(description="Vendor id.")
    org: str = Field(description="The registering organisation.")
    legal_name: str = Field(description="Legal name as registered.")
    fein_last4: str = Field(description="The last 4 digits of the FEIN.")
    confirmed: bool = Field(description="Its contact email is confirmed.")
    suspended: bool = Field(description="The Bureau of Purchases suspended it.")
    registered_at: LocalTime = Field(description="When it registered.")


class DuplicateGroup(ApiModel):
    name_key: str = Field(
        description="The legal name compared: case-folded, without punctuation and corporate suffixes (LLC, Inc, Corp, Co, Ltd...)."
    )
    vendors: list[DuplicateVendor] = Field(description="In registration order.")


def _duplicate_group(group) -> DuplicateGroup:
    return DuplicateGroup(
        name_key=group[0].name_key,
        vendors=[
            DuplicateVendor(
                id=v.id,
                org=v.org,
                legal_name=v.legal_name,
                fein_last4=v.fein_last4,
                confirmed=v.confirmed,
                suspended=v.suspended,
                registered_at=v.registered_at,
            )
            for v in group
        ],
    )


@operation(
    bp,
    "POST",
    "/vendors",
    summary="Register a vendor",
    tag="vendors",
    roles={Role.VENDOR},
    body=RegisterVendor,
    response=VendorOut,
    status=201,
    rules=("R-4",),
    errors=(409,),
)
def register_vendor(call: Call):
    """Registers the caller's organisation as a vendor and emails a confirmation code; a reminder follows after 7 days if it is not confirmed."""
    b = call.body
    vendor = vendors.register_vendor(
        call.deps,
        call.actor,
        legal_name=b.legal_name,
        fein=b.fein,
        contact_email=b.contact_email,
        commodity_codes=b.commodity_codes,
    )
    return VendorOut.of(vendor)


@operation(
    bp,
    "GET",
    "/vendors/duplicates",
    summary="List vendors sharing a legal name",
    tag="vendors",
    roles={Role.PURCHASING},
    query=PageQuery,
    response=Page[DuplicateGroup],
    rules=("R-4",),
)
def duplicates(call: Call):
    """Groups of vendors whose legal names are equal once case, punctuation and corporate suffixes are ignored, in
    name order (`limit` groups a page): candidates for a closer look and, where one impersonates another, suspension."""
    return page_of(call, vendors.duplicates(call.deps, call.actor, page_request(call)), _duplicate_group)


@operation(
    bp,
    "POST",
    "/vendors/{vendor_id}/suspend",
    summary="Suspend a vendor",
    tag="vendors",
    roles={Role.PURCHASING},
    body=SuspendVendor,
    response=VendorOut,
    rules=("R-4",),
    errors=(404, 409),
)
def suspend_vendor(call: Call, vendor_id: str):
    """A suspended vendor may not bid, accept or refuse an award, or furnish surety, and is not invited to bid,
    until reinstated. The reason is audited."""
    return VendorOut.of(vendors.suspend_vendor(call.deps, call.actor, vendor_id, call.body.reason))


@operation(
    bp,
    "POST",
    "/vendors/{vendor_id}/reinstate",
    summary="Reinstate a suspended vendor",
    tag="vendors",
    roles={Role.PURCHASING},
    response=VendorOut,
    rules=("R-4",),
    errors=(404, 409),
)
def reinstate_vendor(call: Call, vendor_id: str):
    """Lifts a suspension: the vendor may bid again (if confirmed) and is invited again."""
    return VendorOut.of(vendors.reinstate_vendor(call.deps, call.actor, vendor_id))


@operation(
    bp,
    "GET",
    "/vendors/{vendor_id}",
    summary="Read a vendor registration",
    tag="vendors",
    roles={Role.VENDOR, Role.PURCHASING},
    response=VendorOut,
    errors=(404,),
)
def get_vendor(call: Call, vendor_id: str):
    """The vendor itself and the Bureau of Purchases may read a registration."""
    return VendorOut.of(vendors.get_vendor(call.deps, call.actor, vendor_id))


@operation(
    bp,
    "POST",
    "/vendors/{vendor_id}/confirm",
    summary="Confirm a vendor's contact email",
    tag="vendors",
    roles={Role.VENDOR},
    body=ConfirmVendor,
    response=VendorOut,
    rules=("R-4",),
    errors=(404, 409, 422),
)
def confirm_vendor(call: Call, vendor_id: str):
    """Confirms the contact email with the emailed code (valid 24 hours and 5 attempts); the vendor then receives
    invitations to bid and may bid. An expired or exhausted code answers 422: ask for a new one."""
    return VendorOut.of(vendors.confirm_vendor(call.deps, call.actor, vendor_id, call.body.code))


@operation(
    bp,
    "POST",
    "/vendors/{vendor_id}/confirmation-code",
    summary="Send a new confirmation code",
    tag="vendors",
    roles={Role.VENDOR},
    response=VendorOut,
    rules=("R-4",),
    errors=(404, 409),
)
def reissue_confirmation_code(call: Call, vendor_id: str):
    """Emails a new code to the contact address; the previous code stops working."""
    return VendorOut.of(vendors.reissue_confirmation_code(call.deps, call.actor, vendor_id))
