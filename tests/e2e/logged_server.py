"""The `make run` server as a separate process logging to a file, for test modules that send hundreds of requests:
their log would fill the pipe of conftest's `server` fixture, which nobody reads, and block the server."""

from contextlib import contextmanager
from pathlib import Path

from tests.e2e.conftest import free_port
from tests.e2e.test_local_server_lifecycle import launch, wait_until_serving


@contextmanager
def logged_server(log_dir: Path):
    """(base URL, process) of a server logging to log_dir/server.log; killed at the end if still running."""
    port = free_port()
    with (log_dir / "server.log").open("w") as output:
        process = launch(port, free_port(), output)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(process, base)
        yield base, process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
