"""Response fields shared by every resource: instants shown in America/New_York."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import PlainSerializer

from chalicelib.domain.calendar import iso_local

LocalTime = Annotated[
    dt.datetime,
    PlainSerializer(iso_local, return_type=str, when_used="json"),
]
