"""Shared fixtures. The suite runs on SQLite by default and on PostgreSQL when DATABASE_URL is set.

Each test starts with empty tables; ``world`` builds a small organisation with one user per role
across two networks (two tenants), mirroring the demo accounts of DESIGN §6.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

import flask_migrate
import pytest
from sqlalchemy import func, select, text

from plc import create_app
from plc.extensions import db, limiter
from plc.models import AreaOffice, Membership, Network, Province, Region, Role, School, User
from tests.catalogues import compile_catalogues

PASSWORD = "correct horse แบตเตอรี่"
FAST_ARGON2 = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def test_database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


test_database_url.__test__ = False  # a helper, not a test


def make_app(tmp_path_factory, **overrides):
    instance = tmp_path_factory.mktemp("instance")
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "SQLALCHEMY_DATABASE_URI": test_database_url(tmp_path_factory),
        "PLC_ARGON2": FAST_ARGON2,
        "RATELIMIT_STORAGE_URI": "memory://",
        "PLC_DASHBOARD_CACHE_SECONDS": 0,  # tests change the data between two views
        "UPLOAD_DIR": str(instance / "uploads"),
        "SERVER_NAME": None,
    }
    config.update(overrides)
    os.environ.setdefault("PLC_INSTANCE_PATH", str(instance))
    return create_app(config)


def reset_schema() -> None:
    """Start from an empty database (the PostgreSQL lane reuses one between runs)."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    else:
        db.drop_all()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    compile_catalogues()
    app = make_app(tmp_path_factory)
    with app.app_context():
        reset_schema()
        flask_migrate.upgrade()  # the schema production gets, search indexes included
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_state(request):
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
    limiter.reset()
    from plc.realtime import presence

    presence.install(app)  # forget who was connected in the previous test


@pytest.fixture
def client(app):
    return app.test_client()


class Ref(SimpleNamespace):
    """A detached snapshot of a row (id and a few columns), safe to use outside an app context.

    Tests never keep an application context pushed while they make requests: the test client
    would then share ``g`` between requests, which a real server never does."""


def ref(obj, *fields: str) -> Ref:
    return Ref(id=obj.id, **{name: getattr(obj, name) for name in fields})


@dataclass
class World:
    """One user per role. N1 = {A, B}, N2 = {C}; AO1 covers A and B, AO2 covers C."""

    ao1: Ref
    ao2: Ref
    n1: Ref
    n2: Ref
    school_a: Ref
    school_b: Ref
    school_c: Ref
    users: dict[str, Ref] = field(default_factory=dict)

    def __getattr__(self, name):
        users = self.__dict__.get("users", {})
        if name in users:
            return users[name]
        raise AttributeError(name)


def add_user(key: str, role: Role | None, scope=None, *, name_th: str | None = None, password: str | None = PASSWORD,
             starts_on: date | None = None, ends_on: date | None = None) -> User:
    from plc.services.passwords import hash_password

    user = User(email=f"{key}@example.org", name_th=name_th or f"ครู {key}", name_en=f"{key.title()} Tester",
                password_hash=hash_password(password) if password else None)
    db.session.add(user)
    db.session.flush()
    if role is not None:
        scope_kw = {}
        if isinstance(scope, School):
            scope_kw = {"school_id": scope.id}
        elif isinstance(scope, Network):
            scope_kw = {"network_id": scope.id}
        elif isinstance(scope, AreaOffice):
            scope_kw = {"area_office_id": scope.id}
        db.session.add(Membership(user_id=user.id, role=Role(role).value, starts_on=starts_on or date(2024, 5, 16),
                                  ends_on=ends_on, **scope_kw))
        db.session.flush()
    return user


@pytest.fixture
def world(app) -> World:
    with app.app_context():
        region = Region(code="south", name_th="ภาคใต้", name_en="South")
        province = Province(code="80", name_th="นครศรีธรรมราช", name_en="Nakhon Si Thammarat", region=region)
        ao1 = AreaOffice(code="spp-nst-4", kind="primary", name_th="สพป.นครศรีธรรมราช เขต 4",
                         name_en="Nakhon Si Thammarat PESAO 4", area_number=4, provinces=[province])
        ao2 = AreaOffice(code="spm-tak", kind="secondary", name_th="สพม.ตาก", name_en="Tak SESAO",
                         provinces=[province])
        n1 = Network(key="N1", name_th="เครือข่ายการจัดการเรียนรู้เชิงรุก", name_en="Active Learning network",
                     kind="issue")
        n2 = Network(key="N2", name_th="เครือข่ายโรงเรียนจังหวัดตาก", name_en="Tak network", kind="area")
        school_a = School(name_th="โรงเรียนท่าน้อย", name_en="Ban Tha Noi School", area_office=ao1,
                          province=province, networks=[n1], levels=["primary"], flags=["model"])
        school_b = School(name_th="โรงเรียนวัดวารวิ่ง", name_en="Wat Warawing School", area_office=ao1,
                          province=province, networks=[n1])
        school_c = School(name_th="โรงเรียนสรรพวิทยาคม", name_en="Sanphawitthayakhom School", area_office=ao2,
                          province=province, networks=[n2])
        db.session.add_all([region, province, ao1, ao2, n1, n2, school_a, school_b, school_c])
        db.session.flush()
        users = {
            "admin": add_user("admin", Role.ADMIN),
            "coordinator": add_user("coordinator", Role.COORDINATOR, n1),
            "coach": add_user("coach", Role.COACH, n1),
            "supervisor": add_user("supervisor", Role.SUPERVISOR, n1),
            "director": add_user("director", Role.DIRECTOR, school_a),
            "teacher": add_user("teacher", Role.TEACHER, school_a, name_th="ครูสมศรี ใจดี"),
            "teacher2": add_user("teacher2", Role.TEACHER, school_b),
            "area_viewer": add_user("area_viewer", Role.AREA_VIEWER, ao1),
            "outsider": add_user("outsider", Role.TEACHER, school_c),
            "coordinator2": add_user("coordinator2", Role.COORDINATOR, n2),
            "director_c": add_user("director_c", Role.DIRECTOR, school_c),
        }
        db.session.commit()
        return World(
            ao1=ref(ao1, "name_th"), ao2=ref(ao2, "name_th"), n1=ref(n1, "name_th"), n2=ref(n2, "name_th"),
            school_a=ref(school_a, "name_th"), school_b=ref(school_b, "name_th"), school_c=ref(school_c, "name_th"),
            users={key: ref(user, "email", "name_th") for key, user in users.items()},
        )


@pytest.fixture
def in_db(app):
    """``with in_db(): ...`` runs ORM code in a short application context, then commits."""
    from contextlib import contextmanager

    @contextmanager
    def _ctx():
        with app.app_context():
            yield db.session
            db.session.commit()

    return _ctx


CSRF_PATTERN = re.compile(r'name="csrf-token" content="([^"]+)"')


def csrf_from(client, path: str = "/auth/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = CSRF_PATTERN.search(html)
    assert match, f"no csrf meta on {path}"
    return match.group(1)


def login(client, email: str, password: str = PASSWORD):
    token = csrf_from(client)
    return client.post("/auth/login", data={"email": email, "password": password, "csrf_token": token})


@pytest.fixture
def login_as(client, world):
    def _login(key: str):
        response = login(client, f"{key}@example.org")
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return _login


def post_form(client, path: str, data: dict | None = None, *, page: str | None = None):
    """POST with the CSRF token taken from ``page`` (or the target) as a browser would."""
    token = csrf_from(client, page or "/profile")
    return client.post(path, data={**(data or {}), "csrf_token": token})


def text_of(client, path: str, status: int = 200) -> str:
    """The page's HTML, after checking its status."""
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return response.get_data(as_text=True)


def count(in_db, model, *where) -> int:
    """Rows of MODEL (matching WHERE), read in a short session of its own."""
    with in_db() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


# ---------------------------------------------------------------------------- the JSON API

@pytest.fixture(scope="session")
def spec(app) -> dict:
    """The OpenAPI document the app generates; every answer of ``api`` is checked against it."""
    from tests.openapi_helpers import OPENAPI_PATH

    response = app.test_client().get(OPENAPI_PATH)
    assert response.status_code == 200
    return response.get_json()


@pytest.fixture(scope="session")
def checker(app, spec):
    from tests.openapi_helpers import ResponseChecker

    return ResponseChecker(app, spec)


@pytest.fixture
def api(client, checker):
    from tests.openapi_helpers import ApiClient

    return ApiClient(client, checker)


@pytest.fixture
def token(api, world):
    """``token("teacher")``: a bearer token from the real endpoint, one per user and test."""
    tokens: dict[str, str] = {}

    def _token(key: str) -> str:
        if key not in tokens:
            response = api.post("/api/v1/auth/token", json={"email": f"{key}@example.org", "password": PASSWORD})
            assert response.status_code == 201, response.get_json()
            tokens[key] = response.get_json()["token"]
        return tokens[key]

    return _token


@pytest.fixture
def call(api, token):
    """``call("teacher", "POST", path, json=…)``: every answer checked against the document."""
    def _call(key: str, method: str, path: str, **kwargs):
        return api.open(method, path, token=token(key), **kwargs)

    return _call
