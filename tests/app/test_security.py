"""Headers, CSRF, size limits and error pages, for every kind of response."""

import pytest

from tests.conftest import PASSWORD, login, post_form

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def assert_security_headers(response):
    csp = response.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, name


@pytest.mark.parametrize(
    "path",
    ["/auth/login", "/healthz", "/api/v1/openapi.json", "/api/v1/me", "/no-such-page", "/api/v1/no-such",
     "/static/css/app.css", "/static/vendor/htmx.min.js"],
)
def test_security_headers_on_html_json_errors_and_static(client, path):
    response = client.get(path)
    assert_security_headers(response)


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/healthz").headers
    secure = client.get("/healthz", base_url="https://plc.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_session_cookie_flags(client, world):
    response = client.post("/auth/login")  # any response that sets the session cookie
    login(client, world.teacher.email)
    cookie = client.get_cookie("plc_session")
    assert cookie.http_only and cookie.same_site == "Lax"
    del response


def test_secure_cookie_when_https(app, world):
    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        client = app.test_client()
        response = login(client, world.teacher.email)
        assert "Secure" in response.headers.get("Set-Cookie", "")
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False


def test_post_without_csrf_token_is_refused_and_changes_nothing(client, world):
    login(client, world.teacher.email)
    response = client.post("/profile", data={"name_th": "ชื่อใหม่", "locale": "th"})
    assert response.status_code == 400
    assert "ชื่อใหม่" not in client.get("/profile").get_data(as_text=True)
    response = client.post("/auth/logout")
    assert response.status_code == 400
    assert client.get("/").status_code == 200, "still logged in"


def test_csrf_token_from_another_session_is_refused(app, client, world):
    other = app.test_client()
    login(other, world.teacher2.email)
    foreign_token = other.get("/profile").get_data(as_text=True).split('name="csrf-token" content="')[1].split('"')[0]
    login(client, world.teacher.email)
    response = client.post("/profile", data={"name_th": "ชื่อใหม่", "locale": "th", "csrf_token": foreign_token})
    assert response.status_code == 400


def test_error_pages_are_html_for_browsers_and_json_for_the_api(client):
    html = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert html.status_code == 404 and html.mimetype == "text/html"
    assert "<h1>" in html.get_data(as_text=True)
    api = client.get("/api/v1/no-such")
    assert api.status_code == 404 and api.is_json
    assert set(api.get_json()) == {"error", "message", "fields"} and api.get_json()["error"] == "not_found"
    negotiated = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert negotiated.is_json


def test_error_pages_are_localized(client):
    thai = client.get("/no-such-page").get_data(as_text=True)
    english = client.get("/no-such-page?lang=en").get_data(as_text=True)
    assert "Page not found" in english
    assert "Page not found" not in thai


def test_too_large_request_is_refused_with_413(app, client, world):
    login(client, world.teacher.email)
    response = client.post("/profile", data={"name_th": "x" * (app.config["MAX_CONTENT_LENGTH"] + 10)})
    assert response.status_code == 413
    assert_security_headers(response)


def test_unexpected_errors_show_no_traceback(app, world, monkeypatch):
    from plc.services import org

    def explode(*_args, **_kwargs):
        raise ZeroDivisionError("secret internals")

    client = app.test_client()
    login(client, world.teacher.email)
    token = client.post("/api/v1/auth/token", json={"email": world.teacher.email, "password": PASSWORD}).get_json()
    monkeypatch.setattr(org, "dashboard", explode)
    monkeypatch.setattr(org, "networks_query", explode)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    page = client.get("/")
    api = client.get("/api/v1/networks", headers={"Authorization": f"Bearer {token['token']}"})
    for response in (page, api):
        body = response.get_data(as_text=True)
        assert response.status_code == 500
        assert "secret internals" not in body and "Traceback" not in body and "ZeroDivisionError" not in body
        assert_security_headers(response)
    assert api.get_json()["error"] == "internal_error"


@pytest.mark.parametrize("status", [400, 403, 404, 409, 413, 429, 500])
def test_each_error_status_has_a_localized_page(app, status):
    from plc.errors import ERROR_MESSAGES, ERROR_TITLES

    assert status in ERROR_TITLES and status in ERROR_MESSAGES


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_pages_carry_the_csrf_meta_tag(client, world):
    login(client, world.teacher.email)
    for path in ("/", "/schools", "/networks", "/people", "/profile"):
        assert 'name="csrf-token"' in client.get(path).get_data(as_text=True), path


def test_templates_contain_no_inline_script_or_style(app):
    from pathlib import Path

    templates = Path(app.root_path) / "templates"
    for template in templates.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert "<script>" not in text and " style=" not in text and "<style" not in text, template
        assert " onclick=" not in text and " onload=" not in text, template


def test_disabled_account_cannot_use_form_with_old_token(app, client, world, in_db):
    from plc.models import User
    from plc.models._types import utcnow

    login(client, world.teacher.email)
    with in_db() as session:
        session.get(User, world.teacher.id).disabled_at = utcnow()
    response = post_form(client, "/profile", {"name_th": "ชื่อใหม่", "locale": "th"}, page="/auth/login")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
