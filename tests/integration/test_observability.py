"""Structured JSON logs carry a correlation id: the request id for HTTP, the execution name for tasks."""

import json

from local.fein import fein_for

GOOD = {
    "legal_name": "Acme Office Supply LLC",
    "fein": fein_for("acme"),
    "contact_email": "bids@acme.example",
    "commodity_codes": ["61500"],
}


def log_lines(caplog):
    """The JSON each record becomes, formatted by the service logger's own formatter."""
    from chalicelib.observability import logger

    return [json.loads(logger.registered_formatter.format(r)) for r in caplog.records if r.name == "ct-procurement"]


def test_each_request_is_logged_as_json_with_its_request_id(api, caplog):
    api.as_vendor("acme").post("/vendors", json=GOOD)
    handled = [entry for entry in log_lines(caplog) if entry.get("message") == "request handled"]
    assert handled and handled[-1]["route"] == "/vendors" and handled[-1]["status"] == 201
    assert handled[-1]["request_id"] and handled[-1]["method"] == "POST"


def test_workflow_task_logs_carry_the_execution_name(api, stack, clock, caplog):
    vendor = api.as_vendor("acme").post("/vendors", json=GOOD).json
    code = stack.outbox()[0]["text"].split("Confirmation code: ")[1].split()[0]
    api.as_vendor("acme").post(f"/vendors/{vendor['id']}/confirm", json={"code": code})
    caplog.clear()
    from chalicelib.observability import logger

    # A reminder task run after confirmation raises AlreadyConfirmed; its log names the execution.
    stack.functions.invoke(
        "ct-procurement-dev-vendor_send_reminder",
        json.dumps({"vendor_id": vendor["id"], "execution": f"vendor-{vendor['id']}"}),
        {},
    )
    entries = [e for e in log_lines(caplog) if e.get("message") == "task raised"]
    assert entries and entries[-1]["correlation_id"] == f"vendor-{vendor['id']}" and entries[-1]["error"] == "AlreadyConfirmed"
    assert logger.thread_safe_get_current_keys().get("correlation_id") == f"vendor-{vendor['id']}"


def test_requests_in_threads_each_log_their_own_correlation_id():
    # Given two threads correlating different requests at once (the local server) / Then each keeps its own id
    import threading

    from chalicelib import observability

    both_set, seen = threading.Barrier(2), {}

    def handle(request_id):
        observability.correlate(request_id)
        both_set.wait()
        seen[request_id] = observability.logger.thread_safe_get_current_keys().get("correlation_id")

    threads = [threading.Thread(target=handle, args=(f"req-{n}",)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"req-0": "req-0", "req-1": "req-1"}
