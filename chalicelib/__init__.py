"""Connecticut procurement workflow: domain rules, services, adapters, HTTP API and workflow tasks."""
