"""Plan routes over HTTP: roles, the public listing, error answers naming the rule, OpenAPI."""

import pytest

from tests.workflows.test_plan_amendments import PLAN, approved_plan


def error(reply, status, code, rule=None):
    assert reply.status == status, reply.json
    assert reply.json["Code"] == code
    if rule:
        assert reply.json["rule"] == rule
    return reply.json


@pytest.mark.rule("OPM-1")
def test_submitting_an_incomplete_plan_answers_400_listing_each_missing_component(api):
    dss = api.as_("agency", "DSS")
    plan = dss.post("/plans", json={"period": "FY 26-28", "agency_overview": {"text": "Social services."}}).json
    body = error(dss.post(f"/plans/{plan['id']}/submit"), 400, "ValidationFailed", "OPM-1")
    assert [d["field"] for d in body["details"]] == [
        "needs_assessment",
        "procurement_schedule",
        "competition_strategy",
        "waiver_justifications",
        "evaluation_and_selection",
        "contract_monitoring",
        "contact",
    ]
    assert dss.get(f"/plans/{plan['id']}").json["status"] == "draft"


@pytest.mark.rule("OPM-1")
def test_components_are_added_to_a_draft_with_patch_and_then_it_submits(api):
    dss = api.as_("agency", "DSS")
    partial = {k: v for k, v in PLAN.items() if k not in ("contact", "contract_monitoring")}
    plan = dss.post("/plans", json=partial).json
    patched = dss.request(
        "PATCH",
        f"/plans/{plan['id']}",
        json_body={"contact": PLAN["contact"], "contract_monitoring": PLAN["contract_monitoring"]},
    )
    assert patched.status == 200, patched.json
    assert patched.json["agency_overview"] == PLAN["agency_overview"]
    assert dss.post(f"/plans/{plan['id']}/submit").json["status"] == "submitted"


@pytest.mark.rule("OPM-3")
def test_a_malformed_schedule_line_answers_400_naming_the_field(api):
    line = {**PLAN["procurement_schedule"][0], "competitive_procurement_date": None, "service_type": "GOODS"}
    body = error(api.as_("agency", "DSS").post("/plans", json={**PLAN, "procurement_schedule": [line]}), 400, "ValidationFailed")
    assert "procurement_schedule[0].service_type" in {d["field"] for d in body["details"]}
    line["service_type"] = "POS"
    body = error(
        api.as_("agency", "DSS").post("/plans", json={**PLAN, "procurement_schedule": [line]}), 400, "ValidationFailed", "OPM-3"
    )
    assert body["details"][0]["field"] == "procurement_schedule[0].competitive_procurement_date"


@pytest.mark.rule("OPM-1")
def test_an_agency_cannot_approve_its_own_plan(api):
    dss = api.as_("agency", "DSS")
    plan = dss.post("/plans", json=PLAN).json
    dss.post(f"/plans/{plan['id']}/submit")
    error(dss.post(f"/plans/{plan['id']}/approve", json={"note": "ok"}), 403, "Forbidden")


@pytest.mark.rule("OPM-2")
def test_the_public_listing_shows_approved_plans_only_without_a_token(api):
    plan_id = approved_plan(api)
    dss = api.as_("agency", "DSS")
    draft = dss.post("/plans", json={**PLAN, "period": "FY 29-31"}).json
    listing = api.get("/plans?agency=DSS").json["items"]
    assert [(p["id"], p["period"], p["status"], p["schedule_version"]) for p in listing] == [(plan_id, "FY 26-28", "approved", 1)]
    error(api.get(f"/plans/{draft['id']}"), 404, "NotFound", "OPM-2")
    error(api.get("/plans?status=draft"), 403, "Forbidden", "OPM-2")
    assert [p["id"] for p in dss.get("/plans?status=draft").json["items"]] == [draft["id"]]
    public = api.get(f"/plans/{plan_id}").json
    assert public["status"] == "approved" and public["contact"]["email"] == PLAN["contact"]["email"]
    assert "decided_by" not in public and public["created_at"].endswith("-05:00")


@pytest.mark.rule("OPM-2")
def test_a_returned_plan_never_appears_publicly(api):
    dss = api.as_("agency", "DSS")
    plan = dss.post("/plans", json=PLAN).json
    dss.post(f"/plans/{plan['id']}/submit")
    returned = api.as_("opm", "OPM").post(f"/plans/{plan['id']}/return", json={"reasons": ["Add FY 28 services."]})
    assert returned.status == 200 and returned.json["return_reasons"] == ["Add FY 28 services."]
    assert api.get("/plans").json["items"] == []
    error(api.get(f"/plans/{plan['id']}/schedule/versions"), 404, "NotFound")


@pytest.mark.rule("OPM-4")
def test_an_amendment_with_an_unknown_change_answers_400(api):
    plan_id = approved_plan(api)
    reply = api.as_("agency", "DSS").post(
        f"/plans/{plan_id}/amendments", json={"service_id": "HOME-CARE", "change": "cancel", "reason": "x"}
    )
    body = error(reply, 400, "ValidationFailed", "OPM-4")
    assert body["details"][0]["field"] == "change"


@pytest.mark.rule("OPM-4")
def test_another_agency_cannot_amend_a_plan(api):
    plan_id = approved_plan(api)
    reply = api.as_("agency", "DCF").post(
        f"/plans/{plan_id}/amendments", json={"service_id": "HOME-CARE", "change": "to_non_competitive", "reason": "x"}
    )
    error(reply, 404, "NotFound")


def test_an_unknown_schedule_version_is_404(api):
    plan_id = approved_plan(api)
    error(api.get(f"/plans/{plan_id}/schedule/versions/9"), 404, "NotFound", "OPM-6")
    error(api.get(f"/plans/{plan_id}/schedule/versions/latest"), 404, "NotFound", "OPM-6")


def test_plan_routes_form_a_valid_openapi_document_with_their_rules():
    """Built from the plan operations alone, so another feature's document problem cannot hide one of ours."""
    from openapi_pydantic import OpenAPI
    from openapi_pydantic.util import construct_open_api_with_schema_class
    from openapi_spec_validator import validate

    from app import app  # noqa: F401 - registers the routes
    from chalicelib.api import openapi
    from chalicelib.api.framework import OPERATIONS

    paths = {}
    for op in OPERATIONS:
        if op.tag == "procurement plans":
            paths.setdefault(op.path, {})[op.method.lower()] = openapi._operation(op)
    spec = OpenAPI.model_validate(
        {
            "openapi": "3.1.0",
            "info": {"title": "plans", "version": "1"},
            "paths": paths,
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        }
    )
    document = construct_open_api_with_schema_class(spec).model_dump(
        mode="json", by_alias=True, exclude_none=True, exclude_defaults=True
    )
    validate(document)
    assert {"/plans", "/plans/{plan_id}", "/plans/{plan_id}/amendments", "/amendments/{amendment_id}/publish"} <= set(paths)
    assert "Rules: OPM-4, OPM-5, OPM-7." in document["paths"]["/plans/{plan_id}/amendments"]["post"]["description"]
    assert "security" not in document["paths"]["/plans"]["get"]  # the public listing
