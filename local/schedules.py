"""EventBridge's schedules for the app's scheduled functions (`@app.schedule`), on the virtual clock.

On AWS the outbox worker runs every minute. Here it runs at each minute boundary at which the outbox has a message
due, which are the only runs that do anything: a test that advances 30 days does not run it 43,200 times. A
transaction that writes a pending outbox message (local/moto_fixes.py WRITE_LISTENERS) brings the next run to the
first boundary at or after that message's due time, without a query per write; each run then plans the next from
the earliest message due.
The run is an invocation of the same handler AWS invokes, through the in-process Lambda dispatch.
"""

from __future__ import annotations

import json
import math
import threading
import uuid

import boto3

from chalicelib.adapters.entities import entity_type
from chalicelib.domain.outbox import Message, due_of_sort_key
from local import moto_fixes
from local.virtual_time import VirtualEvent, VirtualThread

MESSAGE_KEY_PREFIX = "message#"
PENDING_PARTITION = entity_type(Message).partition("due", "pending")  # the index partition of the messages due


class Schedules:
    def __init__(self, stack):
        self.stack = stack
        self._wake = VirtualEvent()
        self._thread: VirtualThread | None = None
        self._lock = threading.Lock()
        self._written_due: float | None = None  # the earliest due time of the pending messages written since the last look
        self._stopping = False
        self._dynamodb = None
        self._functions = [e.name for e in stack.app.event_sources if type(e).__name__ == "ScheduledEventConfig"]

    def start(self) -> None:
        from moto.stepfunctions.parser.utils import TMP_THREADS

        moto_fixes.WRITE_LISTENERS.append((MESSAGE_KEY_PREFIX, self._written))
        self._thread = VirtualThread(target=self._run, name="local-schedules", daemon=True)
        TMP_THREADS.append(self._thread)  # counted by the clock's idle check, like an execution's thread
        self._thread.start()

    def stop(self) -> None:
        self._stopping = True
        moto_fixes.WRITE_LISTENERS[:] = [w for w in moto_fixes.WRITE_LISTENERS if w[0] != MESSAGE_KEY_PREFIX]
        if self._thread is not None:
            self._wake.set()

    def _written(self, items: list[dict]) -> None:
        """A transaction wrote outbox messages: note when the pending ones are due, and wake the schedule."""
        due = [
            due_of_sort_key(item["gsi1sk"]["S"]).timestamp()
            for item in items
            if item.get("gsi1pk", {}).get("S") == PENDING_PARTITION
        ]
        if due:
            with self._lock:
                self._written_due = min([*due, *([self._written_due] if self._written_due is not None else [])])
            self._wake.set()

    def run_now(self) -> None:
        """Every scheduled function once, as EventBridge invokes it."""
        now = self.stack.clock.now()
        for name in self._functions:
            event = {
                "version": "0",
                "id": str(uuid.uuid4()),
                "detail-type": "Scheduled Event",
                "source": "aws.events",
                "account": "123456789012",
                "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "region": "us-east-1",
                "resources": [f"arn:aws:events:us-east-1:123456789012:rule/{name}"],
                "detail": {},
            }
            self.stack.functions.invoke(name, json.dumps(event), {})

    def _run(self) -> None:
        last_run: float | None = None
        deadline = self._planned(last_run)
        while not self._stopping:
            timeout = None if deadline is None else max(0.0, deadline - self.stack.clock.now().timestamp())
            if self._wake.wait(timeout):
                self._wake.clear()
                with self._lock:
                    written, self._written_due = self._written_due, None
                if written is not None:  # a message written is due then: the boundary at or after it
                    soonest = self._boundary(max(written, self.stack.clock.now().timestamp()), last_run)
                    deadline = soonest if deadline is None else min(deadline, soonest)
                continue
            last_run = self.stack.clock.now().timestamp()
            self.run_now()
            self._wake.clear()  # what the run wrote is in the query below
            with self._lock:
                self._written_due = None
            deadline = self._planned(last_run)

    @staticmethod
    def _boundary(at: float, last_run: float | None) -> float:
        """The first minute boundary at or after `at`, and a minute after the last run at the earliest, as on AWS."""
        return max(math.ceil(at / 60) * 60, (last_run + 60) if last_run is not None else 0)

    def _planned(self, last_run: float | None) -> float | None:
        due = self._earliest_due()
        return None if due is None else self._boundary(max(due, self.stack.clock.now().timestamp()), last_run)

    def _earliest_due(self) -> float | None:
        """When the earliest pending message is due (epoch seconds), or None."""
        if self._dynamodb is None:
            self._dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        found = self._dynamodb.query(
            TableName=self.stack.env["ENTITIES_TABLE"],
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :p",
            ExpressionAttributeValues={":p": {"S": PENDING_PARTITION}},
            Limit=1,
            ProjectionExpression="gsi1sk",
        )["Items"]
        return due_of_sort_key(found[0]["gsi1sk"]["S"]).timestamp() if found else None
