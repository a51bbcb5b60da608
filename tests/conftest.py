import pytest

from testsupport import REPO_ROOT


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "integration" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def repo_root():
    return REPO_ROOT
