"""HTTP API: Chalice blueprints that parse (pydantic), call one service, and answer in one error shape."""
