from tests.fuzz.harness import ANSWERS


def pytest_configure(config):
    config.addinivalue_line("markers", "fuzz: schemathesis over every operation and role (deselect with -m 'not fuzz')")


def pytest_terminal_summary(terminalreporter):
    if ANSWERS:
        classes = ", ".join(f"{count} {status}" for status, count in sorted(ANSWERS.items()))
        terminalreporter.write_line(f"fuzz: {ANSWERS.total()} requests answered ({classes})")
