"""The password of POST /api/v1/auth/token is held to the service's limit (passwords.MAX_LENGTH), as
the sign-in, invitation and password-change forms are: a longer one is refused before any check."""

from __future__ import annotations

import pytest

from plc.blueprints.api import schemas as api_schemas
from plc.models import ApiToken, AuditEvent
from plc.services import passwords
from tests.api.limits import text_limits
from tests.conftest import count
from tests.openapi_helpers import error

TOKEN_PATH = "/api/v1/auth/token"


def test_the_token_request_reads_the_password_limit_from_the_service(spec):
    assert passwords.MAX_LENGTH == 256
    assert text_limits([api_schemas])[("TokenRequestSchema", "password")] == passwords.MAX_LENGTH
    password = spec["components"]["schemas"]["TokenRequest"]["properties"]["password"]
    assert password["maxLength"] == passwords.MAX_LENGTH


@pytest.mark.parametrize(("query", "message"), [
    ("?lang=en", "The length must be from 1 to 256."),
    ("", "ความยาวต้องอยู่ระหว่าง 1 ถึง 256"),
], ids=["en", "th"])
def test_a_too_long_password_gets_no_token_and_a_localized_message(api, world, in_db, query, message):
    tokens, events = count(in_db, ApiToken), count(in_db, AuditEvent)
    answer = error(api.post(TOKEN_PATH + query, json={"email": world.teacher.email, "password": "ก" * 300}),
                   422, "password")
    assert answer["fields"]["password"] == [message]
    assert (count(in_db, ApiToken), count(in_db, AuditEvent)) == (tokens, events)
