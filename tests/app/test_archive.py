"""`flask export` / `flask import`: lossless round trips, refusals that change nothing, and scopes.

The demo is seeded once (about 20 s) into a SQLite database of its own, with two attachments (one of a
school A plan, one of a school C plan), and exported once; every test reads that archive.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import zipfile
from pathlib import Path

import flask_migrate
import pytest
from sqlalchemy import func, select

from plc import archive
from plc.extensions import db
from tests.conftest import login, make_app, post_form

DEMO_SCHOOL_A = "โรงเรียนท่าน้อย"
DEMO_SCHOOL_C = "โรงเรียนสรรพวิทยาคม"
SECRET_TITLE = "แผนลับเฉพาะโรงเรียนสรรพวิทยาคม C-only-plan"
SECRET_FILE = b"C-only attachment bytes \xe0\xb8\x81"
A_FILE = "ใบงาน A.txt"


def _app(tmp_path_factory, name: str, url: str | None = None):
    folder = tmp_path_factory.mktemp(name)
    app = make_app(tmp_path_factory, SQLALCHEMY_DATABASE_URI=url or f"sqlite:///{folder / 'db.sqlite3'}",
                   UPLOAD_DIR=str(folder / "uploads"))
    return app


def _empty_sqlite_app(tmp_path_factory, name: str):
    app = _app(tmp_path_factory, name)
    with app.app_context():
        flask_migrate.upgrade()
    return app


def _row_counts(app) -> dict[str, int]:
    with app.app_context():
        with db.engine.connect() as connection:
            counts = {table.name: connection.scalar(select(func.count()).select_from(table))
                      for table in archive.archived_tables(connection)}
        db.engine.dispose()
    return counts


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The seeded demo app, facts about it, and its whole-platform archive."""
    from plc.models import LessonPlan, Membership, School, User
    from plc.seeds.demo import seed_demo
    from plc.services import search
    from plc.services.lesson_plans import add_attachment

    app = _app(tmp_path_factory, "demo-source")
    with app.app_context():
        flask_migrate.upgrade()
        seed_demo()
        search.reindex_all()
        db.session.commit()
        school_a = db.session.scalar(select(School).where(School.name_th == DEMO_SCHOOL_A))
        school_c = db.session.scalar(select(School).where(School.name_th == DEMO_SCHOOL_C))
        teacher = db.session.scalar(select(User).where(User.email == "teacher@example.org"))
        plan_a = db.session.scalar(select(LessonPlan).where(LessonPlan.author_id == teacher.id,
                                                            LessonPlan.deleted_at.is_(None)).order_by(LessonPlan.id))
        add_attachment(teacher, plan_a, A_FILE, "ใบงานของโรงเรียน A\n".encode())
        c_user = db.session.scalar(select(User).join(Membership, Membership.user_id == User.id)
                                   .where(Membership.school_id == school_c.id).order_by(User.id))
        plan_c = LessonPlan(author_id=c_user.id, school_id=school_c.id, title=SECRET_TITLE, body_md="x",
                            body_html="<p>x</p>")
        db.session.add(plan_c)
        db.session.flush()
        add_attachment(c_user, plan_c, "c-secret.txt", SECRET_FILE)
        db.session.commit()
        c_people = {(user.email, user.name_th) for user in db.session.scalars(
            select(User).join(Membership, Membership.user_id == User.id).where(Membership.school_id == school_c.id))}
        facts = {"school_a": school_a.id, "school_c": school_c.id, "plan_a": plan_a.id, "c_people": c_people,
                 "c_plan_titles": set(db.session.scalars(select(LessonPlan.title)
                                                         .where(LessonPlan.school_id == school_c.id)))}
        path = tmp_path_factory.mktemp("archives") / "demo.zip"
        manifest = archive.export_archive(path)
    return {"app": app, "path": path, "manifest": manifest, **facts}


def _entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as handle:
        return {name: handle.read(name) for name in handle.namelist()}


def assert_same_archives(first: Path, second: Path) -> None:
    """Equal table by table and file by file; the manifests equal but for what they declare as varying."""
    one, two = _entries(first), _entries(second)
    assert sorted(one) == sorted(two)
    manifest_one, manifest_two = json.loads(one.pop("manifest.json")), json.loads(two.pop("manifest.json"))
    varying = manifest_one["varies_between_exports"]
    assert varying == manifest_two["varies_between_exports"]
    assert varying["tables"] == {}, "nothing in the tables varies: ids are kept"
    for key in varying["manifest"]:
        manifest_one.pop(key), manifest_two.pop(key)
    assert manifest_one == manifest_two
    for name in one:
        assert one[name] == two[name], f"{name} differs"


_VOLATILE = [re.compile(p) for p in (r'name="csrf-token" content="[^"]*"', r'name="csrf_token"[^>]*value="[^"]*"',
                                     r'value="[^"]*"\s+name="csrf_token"', r'nonce="[^"]*"')]


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    html = response.get_data(as_text=True)
    for pattern in _VOLATILE:
        html = pattern.sub("", html)
    return html


def assert_same_pages(source_app, target_app, plan_id: int) -> None:
    from plc.seeds.demo import DEMO_PASSWORD

    pages = {}
    for which, app in (("source", source_app), ("target", target_app)):
        client = app.test_client()
        assert login(client, "teacher@example.org", DEMO_PASSWORD).status_code == 302
        pages[which] = {path: _page(client, path)
                        for path in ("/circles", "/lesson-plans", f"/lesson-plans/{plan_id}", "/search?q=การ")}
    for path, html in pages["source"].items():
        assert html == pages["target"][path], f"{path} differs after the import"
    assert A_FILE in pages["target"][f"/lesson-plans/{plan_id}"]
    assert "<mark>" in pages["target"]["/search?q=การ"], "the search index answers on the imported database"


def _import_and_compare(demo, target_app, tmp_path) -> None:
    with target_app.app_context():
        manifest = archive.import_archive(demo["path"])
        assert manifest["schema_revision"] == demo["manifest"]["schema_revision"]
        again = tmp_path / "again.zip"
        archive.export_archive(again)
    assert_same_archives(demo["path"], again)
    assert _row_counts(target_app) == {name: entry["rows"] for name, entry in demo["manifest"]["tables"].items()}
    uploads = Path(target_app.config["UPLOAD_DIR"])
    for name, entry in demo["manifest"]["files"].items():
        assert hashlib.sha256((uploads / name).read_bytes()).hexdigest() == entry["sha256"]
    assert not [p for p in uploads.iterdir() if p.name.startswith(".import-")], "the staging folder is gone"
    assert_same_pages(demo["app"], target_app, demo["plan_a"])


# ---------------------------------------------------------------------------- round trips


def test_the_manifest_describes_the_archive(demo):
    manifest = demo["manifest"]
    entries = _entries(demo["path"])
    assert manifest["format"] == "plc-archive" and manifest["format_version"] == archive.FORMAT_VERSION
    assert re.fullmatch(r"[0-9a-f]{12}", manifest["schema_revision"])
    assert manifest["scope"] == {"kind": "platform"}
    assert "login_session" not in manifest["tables"] and "api_token" not in manifest["tables"]
    for name in ("user", "lesson_plan", "lesson_plan_revision", "attendance", "chat_message", "attachment"):
        assert manifest["tables"][name]["rows"] > 0, name
    for name, entry in manifest["tables"].items():
        data = entries[f"tables/{name}.jsonl"]
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert len(data.splitlines()) == entry["rows"]
    assert len(manifest["files"]) == 2
    # tombstones and lossless values: a deleted chat message keeps its time, with its offset
    rows = [json.loads(line) for line in entries["tables/lesson_plan.jsonl"].splitlines()]
    assert [row["id"] for row in rows] == sorted(row["id"] for row in rows)
    assert all(row["created_at"].endswith("+00:00") for row in rows)


def test_round_trip_sqlite_to_sqlite(demo, tmp_path_factory, tmp_path):
    target = _empty_sqlite_app(tmp_path_factory, "target-sqlite")
    _import_and_compare(demo, target, tmp_path)


@pytest.mark.postgres_only
@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
                    reason="needs DATABASE_URL of a PostgreSQL test database")
def test_round_trip_sqlite_to_postgresql(demo, app, tmp_path):
    uploads = Path(app.config["UPLOAD_DIR"])
    try:
        _import_and_compare(demo, app, tmp_path)
        with app.app_context():  # the sequences continue after the imported ids
            from plc.models import Region

            region = Region(code="new", name_th="ใหม่", name_en="New")
            db.session.add(region)
            db.session.commit()
            assert region.id > max(json.loads(line)["id"] for line in
                                   _entries(demo["path"])["tables/region.jsonl"].splitlines())
    finally:
        for name in demo["manifest"]["files"]:
            (uploads / name).unlink(missing_ok=True)


# ---------------------------------------------------------------------------- refusals


def _rewrite(source: Path, target: Path, change) -> None:
    """A copy of the archive with some entries changed by ``change(name, data) -> data``."""
    with zipfile.ZipFile(source) as reader, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as writer:
        for name in reader.namelist():
            writer.writestr(name, change(name, reader.read(name)))


def _refused(app, path: Path, message: str) -> None:
    before = _row_counts(app)
    uploads = Path(app.config["UPLOAD_DIR"])
    files_before = sorted(p.name for p in uploads.iterdir()) if uploads.exists() else []
    with app.app_context(), pytest.raises(archive.ArchiveError, match=message):
        archive.import_archive(path)
    assert _row_counts(app) == before, "the database changed"
    assert (sorted(p.name for p in uploads.iterdir()) if uploads.exists() else []) == files_before


def test_a_damaged_archive_is_refused_and_nothing_changes(demo, tmp_path_factory, tmp_path):
    target = _empty_sqlite_app(tmp_path_factory, "target-damaged")

    def one_byte(name, data):
        if name == "tables/user.jsonl":
            index = data.index(b"teacher@example.org")
            return data[:index] + b"T" + data[index + 1:]
        return data

    damaged = tmp_path / "damaged.zip"
    _rewrite(demo["path"], damaged, one_byte)
    _refused(target, damaged, r"damaged: tables/user\.jsonl does not match its checksum")
    _refused(demo["app"], damaged, r"damaged: tables/user\.jsonl")  # a full database is not touched either

    flipped = tmp_path / "flipped.zip"  # a byte changed inside the ZIP itself: its CRC no longer holds
    raw = bytearray(demo["path"].read_bytes())
    with zipfile.ZipFile(demo["path"]) as handle:
        info = handle.getinfo("tables/lesson_plan.jsonl")
    raw[info.header_offset + 30 + len(info.filename) + len(info.extra) + 10] ^= 0xFF
    flipped.write_bytes(bytes(raw))
    _refused(target, flipped, r"damaged")

    bad_file = tmp_path / "bad-file.zip"
    _rewrite(demo["path"], bad_file, lambda name, data: data + b"!" if name.startswith("files/") else data)
    _refused(target, bad_file, r"damaged: files/\w+ does not match its checksum")


def test_an_archive_of_another_revision_is_refused_and_nothing_changes(demo, tmp_path_factory, tmp_path):
    target = _empty_sqlite_app(tmp_path_factory, "target-revision")
    current = demo["manifest"]["schema_revision"]

    def other_revision(name, data):
        if name == "manifest.json":
            manifest = json.loads(data)
            manifest["schema_revision"] = "0123456789ab"
            return json.dumps(manifest).encode()
        return data

    old = tmp_path / "old.zip"
    _rewrite(demo["path"], old, other_revision)
    _refused(target, old, rf"This archive is of schema revision 0123456789ab; this database is at {current}\. "
                          r"Upgrade")

    def wrong_columns(name, data):
        return data.replace(b'"email":', b'"e_mail":') if name == "tables/user.jsonl" else data

    renamed = tmp_path / "renamed.zip"  # consistent checksums, but rows that do not fit the table
    _rewrite(demo["path"], renamed, wrong_columns)
    with zipfile.ZipFile(renamed) as handle:
        data = handle.read("tables/user.jsonl")
    _rewrite(renamed, renamed.with_name("renamed2.zip"), lambda name, content: (
        content.replace(demo["manifest"]["tables"]["user"]["sha256"].encode(), hashlib.sha256(data).hexdigest().encode())
        if name == "manifest.json" else content))
    _refused(target, renamed.with_name("renamed2.zip"), r"does not fit the table: unknown columns \['e_mail'\]")


def test_importing_into_a_database_that_is_not_empty_is_refused(demo, tmp_path_factory):
    _refused(demo["app"], demo["path"], r"Conflict: this database is not empty")
    target = _empty_sqlite_app(tmp_path_factory, "target-busy")
    with target.app_context():
        from plc.models import Region

        db.session.add(Region(code="x", name_th="x", name_en="x"))
        db.session.commit()
    _refused(target, demo["path"], r"Conflict: this database is not empty \(it has rows in region\)")


def test_an_existing_upload_file_is_a_conflict(demo, tmp_path_factory):
    target = _empty_sqlite_app(tmp_path_factory, "target-file")
    uploads = Path(target.config["UPLOAD_DIR"])
    uploads.mkdir(parents=True, exist_ok=True)
    name = next(iter(demo["manifest"]["files"]))
    (uploads / name).write_bytes(b"someone else's")
    _refused(target, demo["path"], r"Conflict: the upload folder .* already has a file")
    assert (uploads / name).read_bytes() == b"someone else's"


# ---------------------------------------------------------------------------- scope


def test_a_school_archive_holds_nothing_of_another_school(demo, tmp_path, tmp_path_factory):
    path = tmp_path / "school-a.zip"
    with demo["app"].app_context():
        manifest = archive.export_archive(path, scope=("school", demo["school_a"]))
    assert manifest["scope"] == {"kind": "school", "id": demo["school_a"], "name_th": DEMO_SCHOOL_A}
    entries = _entries(path)
    everything = b"\n".join(entries.values()).decode("utf-8", "replace")
    assert DEMO_SCHOOL_A in everything
    assert DEMO_SCHOOL_C not in everything
    for email, name in demo["c_people"]:
        assert email not in everything and name not in everything, email
    for title in demo["c_plan_titles"]:
        assert title not in everything, title
    assert SECRET_FILE not in b"".join(entries.values())
    schools = [json.loads(line) for line in entries["tables/school.jsonl"].splitlines()]
    assert [school["id"] for school in schools] == [demo["school_a"]]
    assert len(manifest["files"]) == 1
    users = {row["id"]: row for row in map(json.loads, entries["tables/user.jsonl"].splitlines())}
    emails = {row["email"] for row in users.values()}
    assert "teacher@example.org" in emails and "outsider@example.org" not in emails
    # school B's teacher is named by school A's rows (N1's shared work) and keeps only their name
    assert "teacher2@example.org" not in everything
    outsiders = [row for row in users.values() if row["email"].endswith("@" + archive.OUTSIDER_DOMAIN)]
    assert len(outsiders) == manifest["people"]["outside_scope"] > 0
    member_ids = {json.loads(line)["user_id"] for line in entries["tables/membership.jsonl"].splitlines()}
    for row in outsiders:
        assert row["id"] not in member_ids and row["name_th"]
        assert row["email"] == f"person-{row['id']}@{archive.OUTSIDER_DOMAIN}"
        assert {name for name, value in row.items() if value is not None} <= archive.OUTSIDER_KEPT | {"email"}
    assert "อนุชา หนูแก้ว" in {row["name_th"] for row in outsiders}  # teacher2, as school A's pages name them
    events = [json.loads(line) for line in entries["tables/audit_event.jsonl"].splitlines()]
    assert not [e for e in events if e["target_type"] == "user" and e["target_id"] in {o["id"] for o in outsiders}]
    assert any(e["target_type"] == "user" and e["target_id"] in member_ids for e in events)
    assert next(row for row in users.values() if row["email"] == "teacher@example.org")["password_hash"]
    assert manifest["people"]["credentials"] == "kept"
    assert manifest["tables"]["lesson_plan"]["rows"] > 0 and manifest["tables"]["membership"]["rows"] > 0

    target = _empty_sqlite_app(tmp_path_factory, "target-school")  # it imports: every kept link holds
    with target.app_context():
        archive.import_archive(path)
    counts = _row_counts(target)
    assert counts["school"] == 1 and counts["lesson_plan"] == manifest["tables"]["lesson_plan"]["rows"]
    client = target.test_client()
    from plc.seeds.demo import DEMO_PASSWORD

    assert login(client, "teacher@example.org", DEMO_PASSWORD).status_code == 302
    assert DEMO_SCHOOL_A in _page(client, "/lesson-plans/" + str(demo["plan_a"]))


def test_without_credentials_everyone_sets_a_password_again(demo, tmp_path, tmp_path_factory):
    path = tmp_path / "school-a-no-credentials.zip"
    with demo["app"].app_context():
        manifest = archive.export_archive(path, scope=("school", demo["school_a"]), credentials=False)
    assert manifest["people"]["credentials"].startswith("left out")
    users = [json.loads(line) for line in _entries(path)["tables/user.jsonl"].splitlines()]
    assert users and all(row["password_hash"] is None for row in users)
    assert "teacher@example.org" in {row["email"] for row in users}

    target = _empty_sqlite_app(tmp_path_factory, "target-no-credentials")
    with target.app_context():
        archive.import_archive(path)
    from plc.seeds.demo import DEMO_PASSWORD

    client = target.test_client()
    assert login(client, "teacher@example.org", DEMO_PASSWORD).status_code != 302

    # The operator gives the director a link (flask people invitation-link); they set a password.
    result = target.test_cli_runner().invoke(args=["people", "invitation-link", "director@example.org"])
    assert result.exit_code == 0, result.output
    url = result.stdout.strip().splitlines()[0]
    path = "/" + url.split("/", 3)[3]
    assert path.startswith("/auth/invitation/")
    assert post_form(client, path, {"password": "new-pass-2569", "confirm": "new-pass-2569"},
                     page=path).status_code == 302
    assert login(target.test_client(), "director@example.org", "new-pass-2569").status_code == 302
    assert target.test_client().get(path).status_code == 404  # single use


def test_the_first_administrator_of_a_new_installation(tmp_path_factory):
    target = _empty_sqlite_app(tmp_path_factory, "fresh-install")
    runner = target.test_cli_runner()
    refused = runner.invoke(args=["people", "invitation-link", "admin@school.example"])
    assert refused.exit_code == 1 and "There is no account with the address" in refused.output
    made = runner.invoke(args=["people", "invitation-link", "Admin@School.example", "--admin",
                               "--name", "สมชาย ใจดี"])
    assert made.exit_code == 0, made.output
    path = "/" + made.stdout.strip().split("/", 3)[3]
    client = target.test_client()
    assert post_form(client, path, {"password": "tak-river-2569", "confirm": "tak-river-2569"},
                     page=path).status_code == 302
    admin = target.test_client()
    assert login(admin, "admin@school.example", "tak-river-2569").status_code == 302
    assert admin.get("/exports").status_code == 200  # an administrator's page
    again = runner.invoke(args=["people", "invitation-link", "admin@school.example", "--admin"])
    assert again.exit_code == 0  # a new link (the old one is used); still one admin role
    with target.app_context():
        from plc.models import Membership, User

        user = db.session.scalar(select(User).where(User.email == "admin@school.example"))
        assert db.session.scalar(select(func.count()).select_from(Membership).where(
            Membership.user_id == user.id, Membership.role == "admin")) == 1


def test_a_network_archive_holds_its_schools_and_not_the_other_network(demo, tmp_path):
    path = tmp_path / "n1.zip"
    with demo["app"].app_context():
        manifest = archive.export_archive(path, scope=("network", "N1"))
    everything = b"\n".join(_entries(path).values()).decode("utf-8", "replace")
    assert manifest["scope"]["key"] == "N1"
    assert DEMO_SCHOOL_A in everything and "โรงเรียนวัดวารวิ่ง" in everything  # A and B are in N1
    assert DEMO_SCHOOL_C not in everything and SECRET_TITLE not in everything
    assert manifest["tables"]["school"]["rows"] == 6


def test_the_cli_commands(demo, tmp_path):
    path = tmp_path / "cli.zip"
    with demo["app"].app_context():
        result = demo["app"].test_cli_runner().invoke(args=["export", str(path), "--school", str(demo["school_a"])])
        assert result.exit_code == 0, result.output
        assert "Exported" in result.output
        refused = demo["app"].test_cli_runner().invoke(args=["import", str(path)])
        assert refused.exit_code == 1
        assert "Error: Conflict: this database is not empty" in refused.output
        unknown = demo["app"].test_cli_runner().invoke(args=["export", str(path), "--network", "NOPE"])
        assert unknown.exit_code == 1 and "There is no network with the key 'NOPE'" in unknown.output


def test_progress_comes_in_batches_of_rows(demo, tmp_path, monkeypatch):
    """A big table is reported (and, under gevent, yields to the worker's other requests) batch by
    batch, not in one piece at its end."""
    steps: list[tuple[str, int, int]] = []

    class Recorder:
        def __call__(self, label, total):
            self.label, self.total = label, total
            return self

        def __enter__(self):
            return self

        def __exit__(self, *_exc):
            return False

        def update(self, n):
            steps.append((self.label, n, self.total))

    monkeypatch.setattr(archive, "_BATCH", 7)
    with demo["app"].app_context():
        archive.export_archive(tmp_path / "batched.zip", progress=Recorder())
    exported = [n for label, n, _total in steps if label == "Exporting"]
    assert exported and sum(exported) == steps[0][2]
    assert max(exported) <= 7 and exported.count(7) > 3


# ---------------------------------------------------------------------------- a generated programme


@pytest.fixture(scope="module")
def scale(tmp_path_factory):
    """A small ``flask seed scale`` programme (every table the generator fills) and its archive."""
    from plc.seeds.scale import seed_scale
    from plc.services import search

    app = _app(tmp_path_factory, "scale-source")
    with app.app_context():
        flask_migrate.upgrade()
        seed_scale(seed=3, networks=2, schools=12, provinces=3, staff=160, semesters=1)
        search.reindex_all()
        db.session.commit()
        path = tmp_path_factory.mktemp("scale-archives") / "scale.zip"
        manifest = archive.export_archive(path)
    return {"app": app, "path": path, "manifest": manifest}


def _scale_round_trip(scale, target_app, tmp_path) -> None:
    from plc.seeds.scale import SCALE_DOMAIN, SCALE_PASSWORD

    with target_app.app_context():
        archive.import_archive(scale["path"])
        again = tmp_path / "scale-again.zip"
        archive.export_archive(again)
    assert_same_archives(scale["path"], again)
    assert _row_counts(target_app) == {name: entry["rows"] for name, entry in scale["manifest"]["tables"].items()}
    for email, paths in ((f"coordinator1@{SCALE_DOMAIN}", ("/circles", "/live", "/dashboards/")),
                         (f"teacher1@{SCALE_DOMAIN}", ("/circles", "/reflections", "/coaching"))):
        pages = []
        for app in (scale["app"], target_app):
            client = app.test_client()
            assert login(client, email, SCALE_PASSWORD).status_code == 302
            pages.append({path: _page(client, path) for path in paths})
        assert pages[0] == pages[1], email


def test_a_generated_programme_round_trips_sqlite_to_sqlite(scale, tmp_path_factory, tmp_path):
    assert scale["manifest"]["tables"]["attendance"]["rows"] > 0
    _scale_round_trip(scale, _empty_sqlite_app(tmp_path_factory, "scale-target"), tmp_path)


@pytest.mark.postgres_only
@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
                    reason="needs DATABASE_URL of a PostgreSQL test database")
def test_a_generated_programme_round_trips_sqlite_to_postgresql(scale, app, tmp_path):
    _scale_round_trip(scale, app, tmp_path)
