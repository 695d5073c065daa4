"""EventBridge's schedules for the app's scheduled functions (`@app.schedule`), on the virtual clock.

On AWS the outbox worker runs every minute. Here it runs at each minute boundary at which the outbox has a message
due, which are the only runs that do anything: a test that advances 30 days does not run it 43,200 times. A
transaction that writes an outbox message (local/moto_fixes.py WRITE_LISTENERS) brings the next run to the next
minute boundary at the latest, without a query per write; each run then plans the next from the earliest message due.
The run is an invocation of the same handler AWS invokes, through the in-process Lambda dispatch.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import uuid
from typing import Optional

import boto3

from local import moto_fixes
from local.virtual_time import VirtualEvent, VirtualThread

MESSAGE_KEY_PREFIX = "message#"
PENDING_PARTITION = "message#due#pending"


class Schedules:
    def __init__(self, stack):
        self.stack = stack
        self._wake: Optional[VirtualEvent] = None
        self._stopping = False
        self._dynamodb = None
        self._functions = [e.name for e in stack.app.event_sources if type(e).__name__ == "ScheduledEventConfig"]

    def start(self) -> None:
        from moto.stepfunctions.parser.utils import TMP_THREADS

        self._wake = VirtualEvent()
        moto_fixes.WRITE_LISTENERS.append((MESSAGE_KEY_PREFIX, self._wake.set))
        thread = VirtualThread(target=self._run, name="local-schedules", daemon=True)
        TMP_THREADS.append(thread)  # counted by the clock's idle check, like an execution's thread
        thread.start()

    def stop(self) -> None:
        self._stopping = True
        moto_fixes.WRITE_LISTENERS[:] = [w for w in moto_fixes.WRITE_LISTENERS if w[0] != MESSAGE_KEY_PREFIX]
        if self._wake is not None:
            self._wake.set()

    def run_now(self) -> None:
        """Every scheduled function once, as EventBridge invokes it."""
        now = self.stack.clock.now()
        for name in self._functions:
            event = {
                "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
                "account": "123456789012", "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "region": "us-east-1",
                "resources": [f"arn:aws:events:us-east-1:123456789012:rule/{name}"], "detail": {},
            }
            self.stack.functions.invoke(name, json.dumps(event), {})

    def _run(self) -> None:
        last_run: Optional[float] = None
        deadline = self._planned(last_run)
        while not self._stopping:
            timeout = None if deadline is None else max(0.0, deadline - self.stack.clock.now().timestamp())
            if self._wake.wait(timeout):
                self._wake.clear()
                # a message was written: the next minute boundary at the latest (that run looks at what is due)
                soonest = self._boundary(self.stack.clock.now().timestamp(), last_run)
                deadline = soonest if deadline is None else min(deadline, soonest)
                continue
            last_run = self.stack.clock.now().timestamp()
            self.run_now()
            self._wake.clear()  # what the run wrote is in the query below
            deadline = self._planned(last_run)

    @staticmethod
    def _boundary(at: float, last_run: Optional[float]) -> float:
        """The first minute boundary at or after `at`, and a minute after the last run at the earliest, as on AWS."""
        return max(math.ceil(at / 60) * 60, (last_run + 60) if last_run is not None else 0)

    def _planned(self, last_run: Optional[float]) -> Optional[float]:
        due = self._earliest_due()
        return None if due is None else self._boundary(max(due, self.stack.clock.now().timestamp()), last_run)

    def _earliest_due(self) -> Optional[float]:
        """When the earliest pending message is due (epoch seconds), or None."""
        if self._dynamodb is None:
            self._dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        found = self._dynamodb.query(
            TableName=self.stack.env["ENTITIES_TABLE"], IndexName="gsi1", KeyConditionExpression="gsi1pk = :p",
            ExpressionAttributeValues={":p": {"S": PENDING_PARTITION}}, Limit=1, ProjectionExpression="gsi1sk",
        )["Items"]
        if not found:
            return None
        due = dt.datetime.strptime(found[0]["gsi1sk"]["S"].split("#", 1)[0], "%Y-%m-%dT%H:%M:%S.%fZ")
        return due.replace(tzinfo=dt.timezone.utc).timestamp()
