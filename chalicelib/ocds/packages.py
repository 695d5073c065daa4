"""Release packages and record packages (OCDS 1.1): the publisher's metadata around releases, and each process's
compiled and versioned release merged with ocdsmerge by the rules of the local schema."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ocdsmerge

SCHEMA_DIR = Path(__file__).with_name("schema")
VERSION = "1.1"
BID_EXTENSION_URL = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json"
RELEASE_SCHEMA_URL = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"


@dataclass(frozen=True)
class Publisher:
    """Who publishes, its registered ocid prefix, under what licence and policy, and where the packages live
    (`base_url`: the API's root)."""

    name: str
    uri: str
    prefix: str
    license: str
    publication_policy: str
    base_url: str


def _load(name: str) -> dict:
    return json.loads((SCHEMA_DIR / name).read_text())


@functools.cache
def release_schema() -> dict:
    """The OCDS 1.1.5 release schema with the bids extension applied (a JSON Merge Patch, RFC 7386)."""
    return _merge_patch(_load("release-schema.json"), _load("bid-extension-v1.1.5/release-schema.json"))


@functools.cache
def release_package_schema() -> dict:
    return _load("release-package-schema.json")


def _merge_patch(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = _merge_patch(result.get(key), value)
    return result


@functools.cache
def _merger() -> ocdsmerge.Merger:
    """Loaded at the first record (with jsonref and requests, a tenth of a second of every cold start otherwise)."""
    import ocdsmerge

    return ocdsmerge.Merger(schema=copy.deepcopy(release_schema()))


def _metadata(publisher: Publisher, uri: str, published: dt.datetime) -> dict:
    return {
        "uri": uri,
        "version": VERSION,
        "extensions": [BID_EXTENSION_URL],
        "publishedDate": published.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "publisher": {"name": publisher.name, "uri": publisher.uri},
        "license": publisher.license,
        "publicationPolicy": publisher.publication_policy,
    }


def release_package(publisher: Publisher, path: str, releases: list[dict], published: dt.datetime) -> dict:
    return {**_metadata(publisher, publisher.base_url + path, published), "releases": releases}


def record_package(publisher: Publisher, path: str, ocid: str, releases: list[dict], published: dt.datetime) -> dict:
    """One record: the releases (linked by their package's URL), the compiled release and the versioned release."""
    merger = _merger()
    package_uri = publisher.base_url + path
    record = {
        "ocid": ocid,
        "releases": releases,
        "compiledRelease": merger.create_compiled_release(releases),
        "versionedRelease": merger.create_versioned_release(releases),
    }
    metadata = _metadata(publisher, package_uri, published)
    return {**metadata, "packages": [package_uri], "records": [record]}
