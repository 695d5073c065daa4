import pytest

from tests.fakes import fake_deps


@pytest.fixture
def deps():
    return fake_deps()
