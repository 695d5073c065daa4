"""Implementations of the service ports on AWS (and on moto, which speaks the same APIs)."""
