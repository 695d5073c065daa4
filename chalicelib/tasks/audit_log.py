"""The audit's Merkle log (services/audit_log.py): every five minutes the new entries are appended; once a day the
log's checkpoint is signed. Both are idempotent: the log's head is versioned, and a day holds one checkpoint."""

from __future__ import annotations

import datetime as dt

from chalice import Rate

from chalicelib import bootstrap
from chalicelib.services import audit_log
from chalicelib.tasks import TaskBlueprint

bp = TaskBlueprint(__name__)


@bp.schedule(Rate(5, unit=Rate.MINUTES), name="audit_log_append", description="Append new audit entries to the Merkle log")
def append(event):
    lag = dt.timedelta(seconds=bootstrap.settings().commit_lag_seconds)
    return {"appended": audit_log.append_new_entries(bootstrap.deps(), lag=lag)}


@bp.schedule(Rate(1, unit=Rate.DAYS), name="audit_log_checkpoint", description="Sign the day's checkpoint of the audit log")
def checkpoint(event):
    signed = audit_log.sign_checkpoint(bootstrap.deps(), bootstrap.signer())
    return {"tree_size": None if signed is None else signed.tree_size}
