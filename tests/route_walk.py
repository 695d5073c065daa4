"""A walk over every operation of the API document as one caller: each path parameter filled with every id the test
knows, each request body the operation's documented example. It serves R-17b's test that no route shows one proposer
anything of another's proposal: the caller reads what it can, and the test looks for the others' data in each answer."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from chalicelib.api import openapi

PARAMETER = re.compile(r"{(\w+)}")
FILLER = "X-0"  # a path parameter the test knows no id for


@dataclass(frozen=True)
class Visit:
    method: str
    path: str
    status: int
    body: str


def operations(methods: Sequence[str]) -> Iterator[tuple[str, str, dict, dict]]:
    """(method, path template, operation, document) for every documented operation of `methods`."""
    document = openapi.document()
    for template, item in document["paths"].items():
        for method, operation in item.items():
            if method.upper() in methods:
                yield method.upper(), template, operation, document


def example_body(document: dict, operation: dict) -> dict | None:
    schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    if "$ref" not in schema:
        return None
    return (document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]].get("examples") or [{}])[0]


def paths(template: str, ids: Mapping[str, Sequence[str]]) -> Iterator[str]:
    names = PARAMETER.findall(template)
    for values in itertools.product(*(ids.get(name) or [FILLER] for name in names)):
        path = template
        for name, value in zip(names, values, strict=True):
            path = path.replace("{" + name + "}", value, 1)
        yield path


def queries(operation: dict, ids: Mapping[str, Sequence[str]]) -> list[str]:
    """No query, and each query parameter the test knows ids for set to each of them (`?vendor_id=...`)."""
    named = [p["name"] for p in operation.get("parameters", ()) if p.get("in") == "query" and p["name"] in ids]
    return ["", *(f"?{name}={value}" for name in named for value in ids[name])]


def walk(api, ids: Mapping[str, Sequence[str]], methods: Sequence[str] = ("GET", "POST")) -> Iterator[Visit]:
    """Every operation of `methods` (GETs first), every filling of its path and query, as `api`'s caller."""
    for method in methods:
        for _, template, operation, document in operations((method,)):
            body = example_body(document, operation)
            for path in paths(template, ids):
                for query in queries(operation, ids) if method == "GET" else [""]:
                    reply = api.request(method, path + query, json_body=body)
                    yield Visit(method, path + query, reply.status, reply.body.decode(errors="replace"))


def leaks(visits: Iterator[Visit], secrets: Mapping[str, str]) -> list[str]:
    """Each answer that shows one of `secrets` (what it is -> the text), as 'METHOD path: what'."""
    return [f"{v.method} {v.path} ({v.status}): {what}" for v in visits for what, text in secrets.items() if text in v.body]
