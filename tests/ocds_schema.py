"""Validation against the official OCDS 1.1.5 schemas (draft-04), offline: the package schema's reference to the
release schema resolves to the local copy, with the bids extension applied."""

from __future__ import annotations

from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from chalicelib.ocds.packages import RELEASE_SCHEMA_URL, release_package_schema, release_schema

REGISTRY = Registry().with_resource(RELEASE_SCHEMA_URL, Resource.from_contents(release_schema(), default_specification=DRAFT4))
RELEASE = Draft4Validator(release_schema(), registry=REGISTRY, format_checker=Draft4Validator.FORMAT_CHECKER)
PACKAGE = Draft4Validator(release_package_schema(), registry=REGISTRY, format_checker=Draft4Validator.FORMAT_CHECKER)


def errors_of(validator: Draft4Validator, document: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def assert_valid_release(release: dict) -> None:
    assert errors_of(RELEASE, release) == []


def assert_valid_release_package(package: dict) -> None:
    assert errors_of(PACKAGE, package) == []


def assert_valid_record_package(package: dict) -> None:
    """The record package schema is not in the copy: its metadata is checked with the release package's, and each
    record's releases and compiled release against the release schema."""
    metadata = {k: v for k, v in package.items() if k not in ("records", "packages")}
    assert errors_of(PACKAGE, {**metadata, "releases": package["records"][0]["releases"]}) == []
    for record in package["records"]:
        for release in record["releases"]:
            assert_valid_release(release)
        assert_valid_release(record["compiledRelease"])
