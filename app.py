"""Chalice app: middleware first (Chalice binds it when handlers register), then blueprints. No logic."""

from chalice import Chalice

from chalicelib import observability
from chalicelib.api import audit, idempotency, meta, vendors
from chalicelib.tasks import vendors as vendor_tasks

app = Chalice(app_name="ct-procurement")
observability.register(app)
idempotency.register(app)

for blueprint in (meta.bp, vendors.bp, audit.bp, vendor_tasks.bp):
    app.register_blueprint(blueprint)
