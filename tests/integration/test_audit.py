"""Every state change is audited in the same transaction; purchasing reads the trail."""

import dataclasses

import pytest

from chalicelib import bootstrap
from chalicelib.domain.errors import Conflict
from chalicelib.domain.vendors import Vendor
from chalicelib.services.ports import Actor, Change, Role
from local.fein import fein_for

GOOD = {
    "legal_name": "Acme Office Supply LLC",
    "fein": fein_for("acme"),
    "contact_email": "bids@acme.example",
    "commodity_codes": ["61500"],
}


@pytest.fixture
def vendor(api):
    return api.as_vendor("acme").post("/vendors", json=GOOD).json


def test_registration_is_audited_with_actor_role_and_after_state(api, vendor):
    trail = api.as_purchasing().get(f"/audit?entity=vendor:{vendor['id']}").json["items"]
    first = trail[0]
    assert (first["action"], first["actor"], first["role"], first["org"]) == (
        "vendor.registered",
        "vendor-user@acme",
        "vendor",
        "acme",
    )
    assert first["before"] is None and first["after"]["legal_name"] == "Acme Office Supply LLC"


def test_workflow_steps_are_audited_as_the_execution(api, vendor):
    trail = api.as_purchasing().get(f"/audit?entity=vendor:{vendor['id']}").json["items"]
    step = trail[1]
    assert step["action"] == "vendor.confirmation_requested"
    assert step["actor"] == f"workflow:vendor-{vendor['id']}" and step["role"] == "system"


def test_the_audit_trail_never_shows_the_confirmation_secrets(api, vendor, stack):
    code = stack.outbox()[0]["text"].split("Confirmation code: ")[1].split()[0]
    api.as_vendor("acme").post(f"/vendors/{vendor['id']}/confirm", json={"code": code})
    trail = api.as_purchasing().get(f"/audit?entity=vendor:{vendor['id']}")
    assert code not in trail.body.decode() and "confirmation_token" not in trail.body.decode()
    assert [e["action"] for e in trail.json["items"]][-1] == "vendor.confirmed"
    assert trail.json["items"][-1]["before"]["status"] == "pending_confirmation"


def test_only_purchasing_reads_the_audit_trail(api, vendor):
    assert api.as_vendor("acme").get(f"/audit?entity=vendor:{vendor['id']}").status == 403


def test_an_entity_reference_without_a_kind_is_refused(api):
    reply = api.as_purchasing().get("/audit?entity=V-123")
    assert reply.status == 400 and reply.json["details"][0]["field"] == "entity"


def test_a_stale_write_is_refused_and_leaves_no_audit_record(api, vendor):
    store = bootstrap.deps().store
    current = store.get(Vendor, vendor["id"])
    stale = dataclasses.replace(current, version=current.version - 1)
    before = len(store.audit_trail(f"vendor:{vendor['id']}"))
    with pytest.raises(Conflict):
        store.commit(
            Actor("x", Role.PURCHASING, "DAS"),
            current.registered_at,
            [Change(action="vendor.edited", after=dataclasses.replace(stale, legal_name="X"), before=stale)],
        )
    assert len(store.audit_trail(f"vendor:{vendor['id']}")) == before
    assert store.get(Vendor, vendor["id"]).legal_name == "Acme Office Supply LLC"
