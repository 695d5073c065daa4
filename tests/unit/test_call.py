"""framework.Call: a route with roles hands its view the authenticated Actor; a public route an optional viewer."""

import inspect

import pytest

from chalicelib import registry
from chalicelib.api.framework import OPERATIONS, Call
from chalicelib.domain.errors import Unauthenticated
from chalicelib.services.ports import Actor, Role

registry.load_all()  # every module's operations and tasks, as the OpenAPI document reads them


def test_the_actor_of_a_call_is_its_authenticated_caller():
    # Given a call of a buyer
    buyer = Actor(sub="pat.buyer", role=Role.PURCHASING, org="DAS")
    # When the view reads its actor / Then it is the caller
    assert Call(buyer, None, None, None).actor is buyer


def test_a_call_without_a_caller_has_no_actor():
    # Given a call of a public route made without a token
    call = Call(None, None, None, None)
    # When a view asks for its actor / Then it is refused as unauthenticated, not handed None
    with pytest.raises(Unauthenticated):
        call.actor  # noqa: B018


@pytest.mark.parametrize("op", [op for op in OPERATIONS if op.roles is None], ids=lambda op: f"{op.method} {op.path}")
def test_a_public_route_reads_its_caller_as_the_optional_viewer(op):
    # Given a public route, which a caller without a token may call
    # Then its view reads the caller as the viewer, never as the actor that would refuse such a caller
    assert "call.actor" not in inspect.getsource(op.view)
