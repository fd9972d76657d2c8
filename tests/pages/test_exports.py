"""Self-service exports in the browser (plc/blueprints/exports.py): a director's own school, an
admin's anything; built by plc/services/archive_jobs.run_job (run here synchronously), downloaded by
the requester only; rate-limited, one at a time, audited."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select

from plc.extensions import db, limiter
from plc.models import AuditEvent
from plc.models._types import utcnow
from plc.models.archive_jobs import ExportJob
from plc.services import archive_jobs
from tests.conftest import login, post_form, text_of

PAGE = "/exports"


@pytest.fixture
def sync_exports(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "PLC_EXPORT_BACKGROUND", False)
    monkeypatch.setitem(app.config, "PLC_EXPORT_DIR", str(tmp_path / "exports"))
    return app


def _as(app, key: str):
    client = app.test_client()
    assert login(client, f"{key}@example.org").status_code == 302
    return client


def _job_ids(in_db, user_id: int) -> list[int]:
    with in_db() as session:
        return list(session.scalars(select(ExportJob.id).where(ExportJob.requested_by_id == user_id)
                                    .order_by(ExportJob.id)))


def _request(client, scope: str):
    return post_form(client, PAGE, {"scope": scope}, page=PAGE if scope else None)


def test_director_exports_their_school_and_downloads_it(sync_exports, world, in_db):
    app = sync_exports
    client = _as(app, "director")
    page = text_of(client, PAGE)
    assert f'value="school:{world.school_a.id}"' in page
    assert f'value="school:{world.school_c.id}"' not in page and 'value="platform"' not in page
    assert "<progress" not in page  # nothing running yet

    response = _request(client, f"school:{world.school_a.id}")
    assert response.status_code == 302
    [job_id] = _job_ids(in_db, world.director.id)
    page = text_of(client, PAGE)
    assert "<progress" in page and "js/exports.js" in page and "<script>" not in page
    status = client.get(f"/exports/{job_id}/status").get_json()
    assert status["status"] == "queued" and status["active"] and status["download_url"] is None

    archive_jobs.run_job(app, job_id)
    status = client.get(f"/exports/{job_id}/status").get_json()
    assert status["status"] == "done" and not status["active"]
    assert status["total"] > 0 and status["done"] == status["total"] and status["percent"] == 100
    assert status["download_url"] == f"/exports/{job_id}/download"
    with in_db() as session:
        job = session.get(ExportJob, job_id)
        assert "/" not in job.stored_name and job.stored_name.endswith(".zip") and job.size > 0

    download = client.get(status["download_url"])
    assert download.status_code == 200
    assert download.mimetype == "application/zip"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "no-store" in download.headers["Cache-Control"]
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        everything = b"".join(archive.read(name) for name in archive.namelist()).decode("utf-8")
        schools = [json.loads(line) for line in archive.read("tables/school.jsonl").splitlines()]
        users = [json.loads(line) for line in archive.read("tables/user.jsonl").splitlines()]
    assert manifest["scope"]["kind"] == "school" and manifest["scope"]["id"] == world.school_a.id
    assert world.director.email in {u["email"] for u in users} and all(u["password_hash"] is None for u in users)
    assert manifest["people"]["credentials"].startswith("left out")
    assert "export_job" not in manifest["tables"]
    assert [s["id"] for s in schools] == [world.school_a.id]
    for person in (world.outsider, world.director_c):
        assert person.email not in everything and person.name_th not in everything
    assert world.school_c.name_th not in everything and world.school_b.name_th not in everything

    with in_db() as session:
        actions = {(e.action, e.actor_id, e.target_id) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.target_type == "exportjob"))}
    assert ("export.request", world.director.id, job_id) in actions
    assert ("export.download", world.director.id, job_id) in actions

    page = text_of(client, PAGE)
    assert f"/exports/{job_id}/download" in page and "<progress" not in page


def test_refusals_are_pinned(sync_exports, world, in_db):
    app = sync_exports
    teacher = _as(app, "teacher")
    assert teacher.get(PAGE).status_code == 403
    assert _request(teacher, f"school:{world.school_a.id}").status_code == 403
    director = _as(app, "director")
    assert _request(director, f"school:{world.school_c.id}").status_code == 404  # unseen school
    assert _request(director, f"school:{world.school_b.id}").status_code == 403  # seen, not theirs
    limiter.reset()  # every request counts towards the limit, refused ones too
    assert _request(director, "platform").status_code == 403
    assert _request(director, f"network:{world.n1.id}").status_code == 403
    coordinator = _as(app, "coordinator")  # coordinators are not given exports (plc/authz/archive_jobs.py)
    assert _request(coordinator, f"network:{world.n1.id}").status_code == 403
    assert _job_ids(in_db, world.teacher.id) == [] and _job_ids(in_db, world.director.id) == []
    with in_db() as session:
        denied = [(e.actor_id, e.details.get("attempted"), e.details.get("status")) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action == "authz.denied"))]
    assert (world.teacher.id, "export.request", 403) in denied
    assert (world.director.id, "export.request", 404) in denied

    limiter.reset()
    assert _request(director, f"school:{world.school_a.id}").status_code == 302
    [job_id] = _job_ids(in_db, world.director.id)
    archive_jobs.run_job(app, job_id)
    for key in ("director_c", "teacher", "coordinator"):
        other = _as(app, key)
        assert other.get(f"/exports/{job_id}/status").status_code == 404
        assert other.get(f"/exports/{job_id}/download").status_code == 404
    admin = _as(app, "admin")
    assert admin.get(f"/exports/{job_id}/status").status_code == 200
    assert admin.get(f"/exports/{job_id}/download").status_code == 200


def test_one_at_a_time_then_the_rate_limit(sync_exports, world, in_db):
    app = sync_exports
    client = _as(app, "director")
    scope = f"school:{world.school_a.id}"
    assert _request(client, scope).status_code == 302
    second = _request(client, scope)
    assert second.status_code == 409
    assert "ยังเตรียมอยู่" in second.get_data(as_text=True)
    [first] = _job_ids(in_db, world.director.id)
    archive_jobs.run_job(app, first)
    assert _request(client, scope).status_code == 302  # the third request of the hour
    assert len(_job_ids(in_db, world.director.id)) == 2
    limited = _request(client, scope)
    assert limited.status_code == 429
    assert "โปรดรอสักครู่" in limited.get_data(as_text=True)
    assert len(_job_ids(in_db, world.director.id)) == 2


def test_admin_exports_the_platform_and_old_archives_expire(sync_exports, world, in_db):
    app = sync_exports
    admin = _as(app, "admin")
    page = text_of(admin, PAGE)
    assert 'value="platform"' in page and f'value="network:{world.n2.id}"' in page
    assert f'value="school:{world.school_c.id}"' in page
    assert _request(admin, "platform").status_code == 302
    [job_id] = _job_ids(in_db, world.admin.id)
    archive_jobs.run_job(app, job_id)
    download = admin.get(f"/exports/{job_id}/download")
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        assert json.loads(archive.read("manifest.json"))["scope"] == {"kind": "platform"}

    with in_db() as session:
        job = session.get(ExportJob, job_id)
        job.finished_at = job.finished_at - archive_jobs.KEEP_FOR
    assert _request(admin, f"network:{world.n2.id}").status_code == 302
    assert admin.get(f"/exports/{job_id}/download").status_code == 404
    with app.app_context():
        assert db.session.get(ExportJob, job_id).stored_name is None


def test_failure_is_kept_and_shown(sync_exports, world, in_db, monkeypatch):
    app = sync_exports
    client = _as(app, "director")
    assert _request(client, f"school:{world.school_a.id}").status_code == 302
    [job_id] = _job_ids(in_db, world.director.id)

    def broken(*_args, **_kwargs):
        raise archive_jobs.archive.ArchiveError("1 attachment file(s) are missing")

    monkeypatch.setattr(archive_jobs.archive, "export_archive", broken)
    archive_jobs.run_job(app, job_id)
    status = client.get(f"/exports/{job_id}/status").get_json()
    assert status["status"] == "failed" and status["error"].startswith("เตรียมไฟล์ส่งออกไม่สำเร็จ")
    assert "missing" in status["error_detail"]
    assert client.get(f"/exports/{job_id}/download").status_code == 404
    page = text_of(client, PAGE)
    assert "เตรียมไฟล์ส่งออกไม่สำเร็จ" in page and "1 attachment file(s) are missing" in page


def test_a_job_whose_process_died_is_failed_and_another_can_be_asked_for(sync_exports, world, in_db):
    app = sync_exports
    client = _as(app, "director")
    scope = f"school:{world.school_a.id}"
    assert _request(client, scope).status_code == 302
    [job_id] = _job_ids(in_db, world.director.id)
    with in_db() as session:  # it started, wrote its progress, then its process was killed
        job = session.get(ExportJob, job_id)
        job.status, job.progress_done, job.progress_total = "running", 40, 100
        job.updated_at = job.created_at = utcnow() - archive_jobs.STALE_AFTER + timedelta(minutes=1)
    assert client.get(f"/exports/{job_id}/status").get_json()["active"]  # still within the quarter hour
    assert _request(client, scope).status_code == 409

    with in_db() as session:
        session.get(ExportJob, job_id).updated_at -= timedelta(minutes=2)
    status = client.get(f"/exports/{job_id}/status").get_json()  # the page's poll finds it dead
    assert status["status"] == "failed" and not status["active"] and status["error_detail"] is None
    assert status["error"].startswith("การส่งออกถูกขัดจังหวะ")
    assert "การส่งออกถูกขัดจังหวะ" in text_of(client, PAGE)
    assert _request(client, scope).status_code == 302  # may ask again at once
    second = _job_ids(in_db, world.director.id)[-1]
    archive_jobs.run_job(app, second)
    with in_db() as session:
        job = session.get(ExportJob, second)
        assert job.status == "done" and job.updated_at >= job.created_at


def test_a_long_export_keeps_showing_signs_of_life(sync_exports, world, in_db, monkeypatch):
    app = sync_exports
    client = _as(app, "director")
    assert _request(client, f"school:{world.school_a.id}").status_code == 302
    [job_id] = _job_ids(in_db, world.director.id)
    calls = {"update": 0, "write": 0}
    real_update, real_write = archive_jobs._Progress.update, archive_jobs._Progress._write

    def update(self, n):
        calls["update"] += 1
        real_update(self, n)

    def write(self):
        calls["write"] += 1
        real_write(self)

    monkeypatch.setattr(archive_jobs._Progress, "update", update)
    monkeypatch.setattr(archive_jobs._Progress, "_write", write)
    monkeypatch.setattr(archive_jobs, "PROGRESS_STEP", 1.0)  # no 5 % steps: the start, 100 % and the end
    archive_jobs.run_job(app, job_id)
    assert calls["update"] > 5 and calls["write"] == 3

    calls.update(update=0, write=0)
    monkeypatch.setattr(archive_jobs, "HEARTBEAT", 0)  # every step comes "30 seconds" after the last write
    assert _request(client, f"school:{world.school_a.id}").status_code == 302
    archive_jobs.run_job(app, _job_ids(in_db, world.director.id)[-1])
    assert calls["write"] == calls["update"] + 2  # a sign of life at every step


def test_links_and_english_page(sync_exports, world):
    app = sync_exports
    director = _as(app, "director")
    assert f"/exports?scope=school:{world.school_a.id}" in text_of(director, f"/schools/{world.school_a.id}")
    assert "/exports?scope=" not in text_of(director, f"/schools/{world.school_b.id}")
    assert 'href="/exports"' not in text_of(director, "/profile")  # the menu link is the admins'
    admin = _as(app, "admin")
    assert 'href="/exports"' in text_of(admin, "/profile")
    english = text_of(admin, PAGE + "?lang=en")
    assert "Export data" in english and "The archive holds personal data." in english
    assert "ข้อมูลส่วนบุคคล" in text_of(admin, PAGE + "?lang=th")
