import pytest

from tests.conftest import login


@pytest.fixture
def browser(app, world):
    """``browser("coach")``: a client of its own, logged in (the API's client carries no session)."""
    clients = {}

    def _browser(key: str):
        if key not in clients:
            clients[key] = app.test_client()
            assert login(clients[key], f"{key}@example.org").status_code == 302
        return clients[key]

    return _browser
