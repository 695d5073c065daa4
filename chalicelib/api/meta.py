"""GET /openapi.json: the API description, generated from the routes' pydantic models."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.api import openapi
from chalicelib.api.framework import json_response

bp = Blueprint(__name__)


@bp.route("/openapi.json", methods=["GET"])
def openapi_document():
    return json_response(openapi.document())
