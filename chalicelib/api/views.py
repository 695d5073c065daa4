"""Response fields shared by every resource: instants shown in America/New_York."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, PlainSerializer

from chalicelib.domain.calendar import iso_local

LocalTime = Annotated[
    dt.datetime,
    PlainSerializer(iso_local, return_type=str, when_used="json"),
]


class RequestBody(BaseModel):
    """Request bodies refuse unknown fields: a misspelt field is an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")
