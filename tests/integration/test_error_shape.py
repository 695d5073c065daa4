"""The answers no view gives have the one error shape too: an unknown route (404), a method the path does not take
(405), a body not sent as JSON (415); through the test client and the local server, as on AWS (infra/build.py)."""

import json
import threading
import urllib.error
import urllib.request

import pytest

from infra import build

ERROR_FIELDS = {"Code", "Message", "rule", "details"}


def assert_gateway_shape(reply, status, code):
    assert reply.status == status, reply.body
    assert set(reply.json) == ERROR_FIELDS and reply.json["Code"] == code and reply.json["Message"]
    assert reply.json["rule"] is None and reply.json["details"] == []
    assert reply.headers["Content-Type"] == "application/json"


def test_a_path_of_no_route_answers_404_not_found_pointing_to_the_route_list(api):
    # When a caller asks for a path no route has
    reply = api.get("/no/such/route")
    # Then the answer is a 404 NotFound in the one shape, telling where the routes are listed
    assert_gateway_shape(reply, 404, "NotFound")
    assert "/openapi.json" in reply.json["Message"]


def test_a_path_of_no_route_answers_404_also_to_a_caller_with_a_token(api):
    # Given a signed-in vendor (API Gateway words its refusal differently when an Authorization header is sent)
    # When it asks for a path no route has / Then it also gets the 404 NotFound
    assert_gateway_shape(api.as_vendor("acme").post("/vendor", json={}), 404, "NotFound")


def test_the_local_answer_to_an_unknown_route_is_the_deployed_apis_gateway_response(api):
    # Given the gateway response the deployed API answers an unknown route with
    deployed = build.gateway_responses()[build.UNKNOWN_ROUTE]
    # When the test client is asked for an unknown route / Then it answers with that status and body
    reply = api.get("/nowhere")
    assert (str(reply.status), reply.body.decode()) == (deployed["statusCode"], deployed["responseTemplates"]["application/json"])


def test_a_method_the_path_does_not_take_answers_405_naming_the_paths_methods(api):
    # Given /solicitations takes GET and POST
    # When a caller sends it a DELETE
    reply = api.delete("/solicitations")
    # Then the answer is a 405 MethodNotAllowed whose message and Allow header name the methods it takes
    assert_gateway_shape(reply, 405, "MethodNotAllowed")
    assert "DELETE" in reply.json["Message"] and "GET or POST" in reply.json["Message"]
    assert reply.headers["Allow"] == "GET, OPTIONS, POST"


def test_a_method_a_path_with_an_id_does_not_take_answers_405_before_any_lookup(api):
    # When a vendor sends a PUT to one bid (which takes GET and DELETE) of a solicitation that does not exist
    reply = api.as_vendor("acme").put("/solicitations/unknown/bids/unknown", json={})
    # Then the method is refused, not the record
    assert_gateway_shape(reply, 405, "MethodNotAllowed")
    assert "DELETE or GET" in reply.json["Message"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_a_body_not_sent_as_json_answers_415_asking_for_application_json(api, content_type):
    # When a vendor registers with a body that is not declared as JSON
    reply = api.as_vendor("acme").request("POST", "/vendors", raw=b"legal_name=Acme", headers={"Content-Type": content_type})
    # Then the answer is a 415 UnsupportedMediaType naming the type sent and the one accepted
    assert_gateway_shape(reply, 415, "UnsupportedMediaType")
    assert content_type in reply.json["Message"] and "Content-Type: application/json" in reply.json["Message"]


def test_a_body_sent_as_json_with_a_charset_is_accepted_as_json(api):
    # When a body is declared application/json with a charset / Then it passes the media type check (401: no token)
    reply = api.request("POST", "/vendors", json_body={}, headers={"Content-Type": "application/json; charset=utf-8"})
    assert reply.status == 401


def test_the_local_server_answers_an_unknown_route_with_the_deployed_apis_gateway_response():
    # Given the local server's request handler on a free port
    from chalice.local import LocalDevServer

    from app import app
    from local.server import GatewayRequestHandler

    server = LocalDevServer(app, _dev_config(), "127.0.0.1", 0, handler_cls=GatewayRequestHandler)
    host, port = server.server.server_address
    serving = threading.Thread(target=server.handle_single_request)
    serving.start()
    # When a caller asks it for a path no route has
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"http://{host}:{port}/no/such/route", timeout=10)
    serving.join(timeout=10)
    server.server.server_close()
    # Then it answers as the deployed API does
    status, body = build.unknown_route_answer()
    assert (refused.value.code, json.loads(refused.value.read())) == (status, json.loads(body))
    assert json.loads(body)["Code"] == "NotFound"


def _dev_config():
    from chalice.cli.factory import CLIFactory

    return CLIFactory(str(build.ROOT)).create_config_obj(chalice_stage_name="dev")
