"""A portal developer's view of /openapi.json: the client openapi-python-client generates from it types every money,
price and quantity as str (a decimal string, never a float) and every status or kind as an enum."""

import ast
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

GENERATOR = Path(sys.executable).with_name("openapi-python-client")
# Fields that hold dollars, prices, quantities or percents.
DECIMAL_FIELD = re.compile(
    r"(\w+_)?(amount|total|cost|price|extension|balance|interest|discount|excess|set_off|unrecovered|not_due|quantity"
    r"|percent|weight|ordered|least|accepted|rejected|unordered)(_\w+)?"
)
NOT_DECIMAL = re.compile(r".*(_id|_at|_days|_reason)|interest_to_date_never|discount_days")
STATUS_FIELD = re.compile(r"^(status|kind|outcome|finding|award_basis|cancellation_ground|rejected_goods|change|form)$")


@pytest.fixture(scope="module")
def generated_models(tmp_path_factory) -> dict[str, dict[str, str]]:
    """Class name -> {field: annotation} of every model the generator writes, from the document GET /openapi.json serves."""
    import app  # noqa: F401 - registers every route
    from chalicelib.api.openapi import document

    workdir = tmp_path_factory.mktemp("client")
    spec = workdir / "openapi.json"
    spec.write_text(json.dumps(document()))
    subprocess.run(
        [str(GENERATOR), "generate", "--path", str(spec), "--output-path", str(workdir / "client"), "--meta", "none"],
        check=True,
        capture_output=True,
        cwd=workdir,
        timeout=120,
    )
    models = {}
    for source in (workdir / "client" / "models").glob("*.py"):
        for node in ast.parse(source.read_text()).body:
            if isinstance(node, ast.ClassDef):
                models[node.name] = {
                    item.target.id: ast.unparse(item.annotation)
                    for item in node.body
                    if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
                }
                models[node.name]["__bases__"] = " ".join(ast.unparse(b) for b in node.bases)
    shutil.rmtree(workdir)
    return models


def _fields(models):
    return [
        (model, name, annotation)
        for model, fields in models.items()
        for name, annotation in fields.items()
        if name != "__bases__"
    ]


def _names_a_model(annotation: str, models) -> bool:
    return bool(set(re.findall(r"\w+", annotation)) & set(models)) or annotation.startswith(("list[", "bool", "int"))


def test_the_generator_writes_a_model_for_every_schema(generated_models):
    # Given the generated client / Then the resources a portal reads are there
    assert {"SolicitationOut", "BidReceipt", "InvoiceOut", "ErrorBody", "ErrorDetail"} <= set(generated_models)


def test_no_generated_field_is_a_float(generated_models):
    # Given every field of every generated model / Then none is a float: decimals are strings
    floats = [(m, n, a) for m, n, a in _fields(generated_models) if "float" in a]
    assert floats == []


def test_every_money_price_and_quantity_field_is_generated_as_str(generated_models):
    # Given the fields that hold dollars, prices, quantities or percents
    decimals = [
        (m, n, a)
        for m, n, a in _fields(generated_models)
        if DECIMAL_FIELD.fullmatch(n) and not NOT_DECIMAL.fullmatch(n) and not _names_a_model(a, generated_models)
    ]
    assert len(decimals) > 60
    # Then each is typed str (optional fields: str with None or Unset)
    not_str = [(m, n, a) for m, n, a in decimals if not re.fullmatch(r"(Unset \| )?(None \| )?str( \| None)?( \| Unset)?", a)]
    assert not_str == []


def test_every_status_and_kind_field_is_generated_as_an_enum(generated_models):
    # Given the generated enums and the status-like fields of the models
    enums = {name for name, fields in generated_models.items() if "Enum" in fields["__bases__"]}
    statuses = [(m, n, a) for m, n, a in _fields(generated_models) if STATUS_FIELD.match(n)]
    assert len(statuses) > 20
    # Then each is typed by one of the enums
    not_enum = [(m, n, a) for m, n, a in statuses if not set(re.findall(r"\w+", a)) & enums]
    assert not_enum == []
