"""Chalice app: middleware first (Chalice binds it when handlers register), then every route and Lambda function
from the table of chalicelib/handlers.py (`make handlers`), whose modules load when first used. No logic."""

from chalice import Chalice

from chalicelib import observability, registry
from chalicelib.api import middleware

app = Chalice(app_name="ct-procurement")
observability.register(app)
middleware.register(app)
registry.register(app)
