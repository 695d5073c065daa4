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


def test_task_log_lines_carry_the_lambda_context_as_on_aws(api, stack, caplog):
    # Given a registered vendor whose reminder task Lambda invokes with its context
    vendor = api.as_vendor("acme").post("/vendors", json=GOOD).json
    caplog.clear()

    # When the task runs
    stack.functions.invoke(
        "ct-procurement-dev-vendor_send_reminder",
        json.dumps({"vendor_id": vendor["id"], "execution": f"vendor-{vendor['id']}"}),
        {},
    )

    # Then its line names the function, Lambda's request id and whether the process was cold, beside the execution
    (handled,) = [e for e in log_lines(caplog) if e.get("message") == "task handled"]
    assert handled["function_name"] == "ct-procurement-dev-vendor_send_reminder"
    assert handled["function_request_id"] and handled["cold_start"] is False
    assert handled["correlation_id"] == f"vendor-{vendor['id']}"


def test_a_malformed_task_event_is_logged_with_its_named_error(api, stack, caplog):
    # Given the reminder task invoked without the vendor it reminds
    reply = stack.functions.invoke("ct-procurement-dev-vendor_send_reminder", json.dumps({"execution": "vendor-V-9"}), {})

    # Then the function fails with MalformedTaskEvent (what the state machine sees) and its log line says so
    assert json.loads(reply)["errorType"] == "MalformedTaskEvent"
    raised = [e for e in log_lines(caplog) if e.get("message") == "task raised"]
    assert raised[-1]["error"] == "MalformedTaskEvent" and raised[-1]["correlation_id"] == "vendor-V-9"


def test_request_log_lines_carry_the_api_functions_lambda_context(api, caplog):
    # Given any API request / Then its line names the API function beside the request id
    api.get("/openapi.json")
    handled = [entry for entry in log_lines(caplog) if entry.get("message") == "request handled"]
    assert handled[-1]["function_name"] == "api_handler" and "cold_start" in handled[-1]
