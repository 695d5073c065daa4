"""Open data in OCDS 1.1.5 (public): GET /ocds/releases (paged release packages), GET /ocds/releases.json (every
release at once) and GET /ocds/records/{ocid} (one process's record, compiled with ocdsmerge)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from chalice import Blueprint
from pydantic import ConfigDict, Field

from chalicelib import bootstrap
from chalicelib.api.framework import Call, operation
from chalicelib.api.paging import PageQuery, page_of, page_request
from chalicelib.api.views import ApiModel
from chalicelib.ocds.packages import Publisher
from chalicelib.services import ocds
from chalicelib.services.ports import Listing

bp = Blueprint(__name__)
TAG = "open data"
RULES = ("R-4", "R-5n", "R-16m-o")


class ReleasesQuery(PageQuery):
    since: dt.datetime | None = Field(
        None, description="Only releases of events at or after this instant (ISO 8601 with offset), oldest first."
    )


class PackageMetadata(ApiModel):
    """What every OCDS package carries (release-package-schema.json); the OCDS fields are passed through as built."""

    model_config = ConfigDict(extra="allow", defer_build=True)

    uri: str = Field(description="Where this package is published.")
    version: str = Field(description='The OCDS version: "1.1".')
    extensions: list[str] = Field(description="Versioned URLs of the extensions used: the bids extension v1.1.5.")
    publishedDate: str = Field(description="When this package was produced (UTC).")
    publisher: dict[str, Any] = Field(description="The State's procurement division.")
    license: str = Field(description="The licence of the data.")
    publicationPolicy: str = Field(description="Where the publication policy is documented.")


class OcdsReleasePackage(PackageMetadata):
    releases: list[dict[str, Any]] = Field(description="One release per public event, each with its own id, date and tag.")
    links: dict[str, str] | None = Field(None, description="`next`: the URL of the following page; absent on the last page.")


class OcdsRecordPackage(PackageMetadata):
    packages: list[str] = Field(description="The release packages the record's releases come from.")
    records: list[dict[str, Any]] = Field(description="One record: releases, compiledRelease and versionedRelease.")


def _publisher(call: Call) -> Publisher:
    headers = call.request.headers
    base_url = f"{headers.get('x-forwarded-proto', 'https')}://{headers.get('host', 'localhost')}"
    return ocds.publisher(base_url, bootstrap.settings().ocds_prefix)


@operation(
    bp,
    "GET",
    "/ocds/releases",
    summary="Read the OCDS releases of public events, oldest first",
    tag=TAG,
    query=ReleasesQuery,
    response=OcdsReleasePackage,
    rules=RULES,
)
def list_releases(call: Call):
    """A release package per page (`limit`, `cursor` as every list); `links.next` carries the following page's URL."""
    query: ReleasesQuery = call.query
    package, position = ocds.releases_page(
        call.deps, page_request(call), since=query.since, pub=_publisher(call), path="/ocds/releases"
    )
    cursor = page_of(call, Listing([], position), lambda item: item).next
    if cursor is not None:
        params = {"limit": query.limit, "cursor": cursor, **({"since": query.since.isoformat()} if query.since else {})}
        package["links"] = {"next": f"{package['uri']}?{urlencode(params)}"}
    return package


@operation(
    bp, "GET", "/ocds/releases.json", summary="Download every OCDS release", tag=TAG, response=OcdsReleasePackage, rules=RULES
)
def download_releases(call: Call):
    """The bulk download: one release package with every release published so far."""
    return ocds.all_releases(call.deps, pub=_publisher(call), path="/ocds/releases.json")


@operation(
    bp,
    "GET",
    "/ocds/records/{ocid}",
    summary="Read the OCDS record of a contracting process",
    tag=TAG,
    response=OcdsRecordPackage,
    rules=RULES,
    errors=(404,),
)
def read_record(call: Call, ocid: str):
    """The record package: the process's releases, its compiled release and its versioned release (ocdsmerge)."""
    return ocds.record(call.deps, ocid, pub=_publisher(call), path=f"/ocds/records/{ocid}")
