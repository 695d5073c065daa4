"""The public history of a public record over HTTP: each change from its publication on, by role and organisation,
with only the fields its public route shows; a draft's history is not public, nor anything the public route hides."""

import datetime as dt

import pytest

from tests.integration.test_rfps_http import DUE, drafted, published


@pytest.fixture
def purchasing(api):
    return api.as_("purchasing", "DAS-BOP", "officer-1@das.ct.gov")


@pytest.mark.rule("R-4")
def test_a_published_requests_history_shows_each_public_change_by_role_and_organisation(api, purchasing):
    # Given a request drafted, published and amended
    rfp = published(purchasing)
    assert purchasing.post(f"/rfps/{rfp['id']}/addenda", json={"text": "The site visit moves."}).status == 201
    # When anyone reads its history
    reply = api.get(f"/history/rfp/{rfp['id']}")
    # Then it lists the publication and the addendum, by purchasing of DAS-BOP, and not the draft
    assert reply.status == 200, reply.json
    entries = reply.json["entries"]
    assert [(e["action"], e["by_role"], e["by_org"]) for e in entries] == [
        ("rfp.published", "purchasing", "DAS-BOP"),
        ("rfp.addendum_issued", "purchasing", "DAS-BOP"),
    ]
    assert {c["field"]: c["after"] for c in entries[0]["changes"]}["status"] == "open"
    assert [c["field"] for c in entries[1]["changes"]] == ["addenda"]
    # And no person's address appears: who is the role and the organisation
    assert "officer-1@das.ct.gov" not in reply.body.decode()


@pytest.mark.rule("R-16c")
def test_the_history_never_shows_what_the_public_route_hides(api, purchasing, clock):
    # Given a request whose opening two officials confirmed (their names are on the record, not on its public route)
    rfp = published(purchasing)
    clock.advance(to=dt.datetime.fromisoformat(DUE))
    for official in ("officer-1@das.ct.gov", "officer-2@das.ct.gov"):
        assert api.as_("purchasing", "DAS-BOP", official).post(f"/rfps/{rfp['id']}/opening/confirmations").status == 200
    # When the public reads its history / Then the confirmations are there, the officials are not
    reply = api.get(f"/history/rfp/{rfp['id']}")
    assert "rfp.opening_confirmed" in [e["action"] for e in reply.json["entries"]]
    assert "officer-2@das.ct.gov" not in reply.body.decode() and "opening_confirmations" not in reply.body.decode()


@pytest.mark.rule("R-4")
def test_a_drafts_history_and_an_unknown_kind_are_404(api, purchasing):
    draft = drafted(purchasing)
    assert api.get(f"/history/rfp/{draft['id']}").status == 404
    assert purchasing.get(f"/history/rfp/{draft['id']}").status == 404
    assert api.get(f"/history/bid/{draft['id']}").status == 404
