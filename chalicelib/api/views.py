"""The bases of every API model: `ApiModel` for answers, `RequestBody` for request bodies and query strings."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ApiModel(BaseModel):
    """Every API model builds its validator and serializer on first use, not at import: a cold start loads a few
    hundred models and a request uses a handful of them."""

    model_config = ConfigDict(defer_build=True)


class RequestBody(ApiModel):
    """Request bodies and query strings refuse unknown fields: a misspelt field is an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")
