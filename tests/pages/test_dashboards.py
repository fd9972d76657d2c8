"""Dashboards: every figure against the hand-counted world of tests/dashboard_world.py (not against the
same queries), the semester boundaries, members who left or joined mid-semester, privacy, the CSV,
XLSX and API twins, and the statement count as the data grows."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from plc.models import AreaOffice, AuditEvent, Network, School
from plc.services import dashboards
from tests.conftest import count, login, text_of
from tests.dashboard_world import SECRET_REFLECTION, build_dashboard_world, grow

S1 = "1/2568"
S2 = "2/2568"
TODAY = date(2026, 12, 2)


@pytest.fixture
def dw(world, in_db):
    return build_dashboard_world(in_db, world)


def _build(in_db, kind, subject_id, label, named=None):
    """The dashboard, its loaded rows detached so that the test can read them afterwards."""
    model = {"network": Network, "school": School, "area_office": AreaOffice}.get(kind)
    with in_db() as session:
        subject = session.get(model, subject_id) if model else None
        scope = dashboards.scope_for(kind, subject, named)
        dashboard = dashboards.build(scope, dashboards.Period.parse(label), today=TODAY)
        session.expunge_all()
        return dashboard


# ---------------------------------------------------------------------------- periods


def test_periods_parse_semesters_and_years():
    assert dashboards.Period.parse("1/2568").starts_on == date(2025, 5, 16)
    assert dashboards.Period.parse("1/2568").ends_on == date(2025, 10, 31)
    assert dashboards.Period.parse("2/2568").ends_on == date(2026, 5, 15)
    year = dashboards.Period.parse("2568")
    assert (year.starts_on, year.ends_on, year.is_year) == (date(2025, 5, 16), date(2026, 5, 15), True)
    assert dashboards.Period.parse("", today=date(2026, 12, 2)).label == "2/2569"
    for bad in ("3/2568", "x", "1/25", "2/9999", "1/"):
        with pytest.raises(ValueError):
            dashboards.Period.parse(bad)


# ---------------------------------------------------------------------------- figures


def test_network_semester_figures_are_the_hand_counted_ones(dw, world, in_db):
    d = _build(in_db, "network", world.n1.id, S1)
    t = d.total
    assert t.teachers == {world.teacher.id, dw["t_a2"], dw["t_left"], world.teacher2.id, dw["t_b2"]}
    assert (len(t.teachers_with_hours), t.teachers_without_hours, t.minutes) == (4, 1, 275)
    assert t.teacher_minutes == {world.teacher.id: 150, world.teacher2.id: 75, dw["t_a2"]: 30, dw["t_left"]: 20}
    assert [(r.school.id, r.unit.teacher_count, r.unit.minutes) for r in d.schools] == sorted(
        [(world.school_a.id, 3, 200), (world.school_b.id, 2, 75)], key=lambda r: r[0] != world.school_a.id)
    assert [n for _low, _high, n in d.hours_distribution] == [1, 2, 2, 0, 0, 0]
    assert (t.sessions_online, t.sessions_onsite, t.expected_attendance, t.actual_attendance) == (2, 1, 7, 6)
    assert (t.circles, t.rule["met"], t.rule["due"], t.rule["missed"]) == (3, 1, 0, 2)
    assert (t.meetings_held, t.meetings_required) == (3, 5)
    rules = {c.circle_id: (c.status, c.meetings_held, c.meetings_required, c.sessions_held) for c in d.circles}
    assert rules == {dw["a1"]: ("met", 1, 1, 1), dw["b1"]: ("missed", 1, 2, 1), dw["nw"]: ("missed", 1, 2, 1)}
    months = {(m.year, m.month): (m.meetings, m.sessions, m.minutes, m.visits_held) for m in d.months}
    assert months == {(2025, 5): (0, 0, 0, 0), (2025, 6): (1, 1, 110, 0), (2025, 7): (1, 0, 0, 1),
                      (2025, 8): (0, 0, 0, 0), (2025, 9): (1, 1, 135, 0), (2025, 10): (0, 1, 30, 0)}
    assert (t.cycles, t.cycles_closed_with_lessons, d.cycles_closed) == (3, 1, 1)
    assert d.phases == [("ระบุปัญหา", "Identify the problem", 1), ("ออกแบบการจัดการเรียนรู้", "Design the lesson", 1)]
    assert [(s.cycle_id, s.weeks, s.since) for s in d.stuck] == [(dw["ca"], 21, date(2025, 6, 1))]
    assert dict(t.checkpoints) == {"upstream": 1, "midstream": 1, "downstream": 1}
    assert (t.outcomes_recorded, t.outcomes_small, len(t.effect_sizes)) == (3, 1, 2)
    assert t.effect_size_mean == pytest.approx((0.6 * (1 - 3 / 151) + 0.25 * (1 - 3 / 71)) / 2)
    assert round(t.effect_size_mean, 2) == 0.41 and t.share_above_hinge == 0.5
    uses = {u.innovation_id: u for u in d.innovations}
    assert set(uses) == {dw["ear"], dw["pac"]}
    assert (uses[dw["ear"]].school_ids, len(uses[dw["ear"]].cycles)) == ({world.school_a.id, world.school_b.id}, 2)
    assert [(th, n) for th, _en, n in uses[dw["ear"]].step_rows()] == [("E กระตุ้นความสนใจ", 2), ("R สะท้อนคิด", 1)]
    assert round(uses[dw["ear"]].effect_size_mean, 2) == 0.41 and uses[dw["ear"]].outcomes_small == 1
    assert (uses[dw["pac"]].network_circles, uses[dw["pac"]].school_ids) == (1, set())
    assert (t.plans, t.plans_shared, t.forks, t.comments) == (3, 2, 1, 2)
    assert (t.reflections, t.reflections_shared) == (3, 2)
    assert (t.visits_planned, t.visits_held, t.visits_overdue, t.teachers_visited_count) == (2, 1, 1, 1)
    assert t.visit_coverage == pytest.approx(0.2)
    assert (t.goals, t.goals_approved) == (2, 1)
    assert d.schools_without_meetings == []
    assert ([r.school.id for r in d.top_schools], [r.school.id for r in d.bottom_schools]) == (
        [world.school_a.id], [world.school_b.id])  # 3 of 3 teachers with hours, then 1 of 2
    assert {u.circles for u in d.network_units.values()} == {1}


def test_semester_two_counts_the_first_night_and_who_joined_and_left(dw, world, in_db):
    d = _build(in_db, "network", world.n1.id, S2)
    t = d.total
    # t_left's role ended on 1 Aug 2025: not a teacher of 2/2568; t_new started on 10 Nov 2025: one.
    assert t.teachers == {world.teacher.id, dw["t_a2"], dw["t_new"], world.teacher2.id, dw["t_b2"]}
    assert t.teacher_minutes == {world.teacher.id: 40}  # S4 began at 00:30 on 1 Nov, Bangkok time
    assert (t.sessions_online, t.sessions_onsite) == (1, 0)
    assert [row.school.id for row in d.schools_without_meetings] == [world.school_b.id]
    assert (t.cycles, d.cycles_closed) == (3, 0)  # CA, CN and the cycle started on 5 Nov; CB closed before
    assert dict(t.checkpoints) == {"upstream": 1}
    assert (t.comments, t.reflections) == (1, 1)


def test_a_year_spans_both_semesters(dw, world, in_db):
    d = _build(in_db, "network", world.n1.id, "2568")
    assert d.total.minutes == 275 + 40
    assert d.total.teacher_count == 6  # t_left in semester 1 and t_new in semester 2 both taught that year
    assert len(d.months) == 13  # May 2025 to May 2026


def test_school_and_area_office_scopes(dw, world, in_db):
    a = _build(in_db, "school", world.school_a.id, S1)
    assert (a.total.teacher_count, a.total.minutes, a.total.circles, a.total.sessions_held) == (3, 200, 1, 1)
    assert a.network_units == {}  # network-wide circles belong to the network's dashboard
    assert a.total.rule["met"] == 1 and a.total.plans == 2
    area = _build(in_db, "area_office", world.ao1.id, S1)
    assert sorted(r.school.id for r in area.schools) == sorted([world.school_a.id, world.school_b.id])
    assert (area.total.teacher_count, area.total.minutes, area.total.circles) == (5, 275, 2)


def test_programme_by_network_counts_each_school_in_its_networks(dw, world, in_db):
    d = _build(in_db, "programme", None, S1)
    assert d.total.teacher_count == 6  # the five of N1 and the outsider of N2
    assert d.total.minutes == 275 + 30
    with in_db():
        rows = {row.network.id: row.unit for row in dashboards.by_network(d)}
    assert (rows[world.n1.id].teacher_count, rows[world.n1.id].minutes, rows[world.n1.id].circles) == (5, 275, 3)
    assert (rows[world.n2.id].teacher_count, rows[world.n2.id].minutes, rows[world.n2.id].circles) == (1, 30, 1)
    assert round(rows[world.n2.id].effect_size_mean, 2) == round(4 * (1 - 3 / 235), 2)


def test_teachers_are_named_only_in_managed_schools(dw, world, in_db):
    named = _build(in_db, "network", world.n1.id, S1, named={world.school_a.id})
    assert {t.user_id for t in named.teachers} == {world.teacher.id, dw["t_a2"], dw["t_left"]}
    left = next(t for t in named.teachers if t.user_id == dw["t_left"])
    assert (left.left_on, left.minutes, left.sessions) == (date(2025, 8, 1), 20, 1)
    assert _build(in_db, "network", world.n1.id, S1, named=set()).teachers == []


# ---------------------------------------------------------------------------- pages, downloads, API


def _csv(response) -> list[list[str]]:
    data = response.get_data()
    assert data.startswith("\ufeff".encode()), "Excel needs the BOM to read Thai"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_coordinator_page_answers_the_four_questions(dw, world, client, login_as):
    login_as("coordinator")
    html = text_of(client, f"/dashboards/networks/{world.n1.id}?term={S2}")
    # 1. which schools have not held a PLC meeting this semester
    no_meetings = html.split('id="no-meetings"')[1].split("</ul>")[0]
    assert world.school_b.name_th in no_meetings and world.school_a.name_th not in no_meetings
    html = text_of(client, f"/dashboards/networks/{world.n1.id}?term={S1}&lang=en")
    # 2. PLC hours and who has none (named: the coordinator manages N1's schools)
    assert f'/people/{dw["t_b2"]}"' in html.split('id="zero-hours"')[1].split("</ul>")[0]
    summary = html.split('id="summary-figures"')[1].split("</dl>")[0]
    assert "4.6" in summary and ">5<" in summary  # 275 minutes = 4.6 hours; 5 teachers
    # 3. innovations in use and their effect size
    innovations = html.split('id="table-innovations"')[1].split("</table>")[0]
    assert "EAR model" in innovations and "0.41" in innovations
    # 4. teachers with no coaching visit
    assert "Teachers visited" in html and "20 %" in html
    assert SECRET_REFLECTION not in html
    assert 'data-chart="' in html and "chart.umd.min.js" in html


def test_csv_and_xlsx_hold_the_page_numbers_with_thai_intact(dw, world, client, login_as):
    login_as("coordinator")
    rows = _csv(client.get(f"/dashboards/networks/{world.n1.id}/schools.csv?term={S1}"))
    header, body = rows[0], {row[0]: row for row in rows[1:]}
    assert header[0] == "โรงเรียน"  # Thai by default, and intact
    total = dict(zip(header, body["รวม"], strict=True))
    assert (total["ครู"], total["ชั่วโมง PLC"], total["วง PLC"]) == ("5", "4.58", "3")
    a = dict(zip(header, body[world.school_a.name_th], strict=True))
    assert (a["ครู"], a["ชั่วโมง PLC"]) == ("3", "3.33")
    response = client.get(f"/dashboards/networks/{world.n1.id}/schools.xlsx?term={S1}")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "โรงเรียน"
    xlsx_total = dict(zip(values[0], next(r for r in values if r[0] == "รวม"), strict=True))
    assert (xlsx_total["ครู"], xlsx_total["ชั่วโมง PLC"], xlsx_total["วง PLC"]) == (5, 4.58, 3)
    teachers = _csv(client.get(f"/dashboards/networks/{world.n1.id}/teachers.csv?term={S1}&lang=en"))
    assert ["T_Left Tester", "Ban Tha Noi School", "0.33", "1", "0", "1 Aug 2025"] in teachers
    assert teachers[0] == ["Teacher", "School", "PLC hours", "Sessions attended", "Visits held", "Left on"]
    for table in ("circles", "months", "hours", "phases", "innovations", "steps", "stuck"):
        data = client.get(f"/dashboards/networks/{world.n1.id}/{table}.csv?term={S1}").get_data(as_text=True)
        assert SECRET_REFLECTION not in data


def test_downloads_are_audited_and_bad_input_gets_a_clear_message(dw, world, client, login_as, in_db):
    login_as("coordinator")
    client.get(f"/dashboards/networks/{world.n1.id}/schools.csv?term={S1}")
    assert count(in_db, AuditEvent, AuditEvent.action == "export.dashboard") == 1
    response = client.get(f"/dashboards/networks/{world.n1.id}?term=9/2568&lang=en")
    assert response.status_code == 400
    assert "is not a semester" in response.get_data(as_text=True)
    assert client.get(f"/dashboards/networks/{world.n1.id}?stuck_weeks=0").status_code == 400
    assert client.get(f"/dashboards/networks/{world.n1.id}/nothing.csv").status_code == 404


def test_director_sees_the_school_with_names_and_area_viewer_counts_only(dw, world, client, login_as):
    login_as("director")
    html = text_of(client, f"/dashboards/schools/{world.school_a.id}?term={S1}")
    assert "ครูลาจาก ย้ายไป" in html and 'id="table-teachers"' in html
    assert world.school_b.name_th not in html.split('id="main"')[1].split("</main>")[0]
    assert client.get(f"/dashboards/schools/{world.school_b.id}").status_code == 403  # sees B, may not review it
    client.post("/auth/logout", data={})
    other = client.application.test_client()
    assert login(other, "area_viewer@example.org").status_code == 302
    html = text_of(other, f"/dashboards/area-offices/{world.ao1.id}?term={S1}")
    assert "ครูบุญมี ไม่เคยมา" not in html and 'id="table-teachers"' not in html
    assert world.school_c.name_th not in html
    assert other.get(f"/dashboards/area-offices/{world.ao1.id}/teachers.csv").status_code == 404


def test_api_twin_gives_the_same_figures(dw, world, call):
    body = call("coordinator", "GET", f"/api/v1/dashboards/networks/{world.n1.id}?term={S1}").get_json()
    assert body["total"]["teachers"] == 5 and body["total"]["plc_minutes"] == 275
    assert body["total"]["effect_size_mean"] == 0.41 and body["total"]["outcomes_fewer_than_5"] == 1
    assert {c["id"]: c["rule_status"] for c in body["circles"]} == {dw["a1"]: "met", dw["b1"]: "missed",
                                                                     dw["nw"]: "missed"}
    assert len(body["teachers"]) == 5
    coach = call("coach", "GET", f"/api/v1/dashboards/networks/{world.n1.id}?term={S1}").get_json()
    assert coach["total"] == body["total"] and coach["teachers"] == []  # aggregates, no names
    bad = call("coordinator", "GET", f"/api/v1/dashboards/networks/{world.n1.id}?term=abc")
    assert bad.status_code == 422 and "term" in bad.get_json()["fields"]


# Every role × every dashboard × page, CSV, XLSX and API: 200, 403 (sees it, may not review) or 404.
MATRIX = {
    # user: (network N1, network N2, school A, school C, area AO1, programme)
    "admin": (200, 200, 200, 200, 200, 200),
    "coordinator": (200, 404, 200, 404, 404, 404),
    "coach": (200, 404, 200, 404, 404, 404),
    "supervisor": (200, 404, 200, 404, 404, 404),
    "director": (403, 404, 200, 404, 404, 404),
    "teacher": (403, 404, 403, 404, 404, 404),
    "area_viewer": (403, 404, 200, 404, 200, 404),
    "outsider": (404, 403, 404, 403, 404, 404),
    "coordinator2": (404, 200, 404, 200, 404, 404),
    "director_c": (404, 403, 404, 200, 404, 404),
}


@pytest.mark.parametrize("user", sorted(MATRIX))
def test_authorization_matrix(dw, world, user, client, call):
    paths = (f"networks/{world.n1.id}", f"networks/{world.n2.id}", f"schools/{world.school_a.id}",
             f"schools/{world.school_c.id}", f"area-offices/{world.ao1.id}", "programme")
    assert login(client, f"{user}@example.org").status_code == 302
    for path, expected in zip(paths, MATRIX[user], strict=True):
        assert client.get(f"/dashboards/{path}?term={S1}").status_code == expected, (user, path)
        for extension in ("csv", "xlsx"):
            response = client.get(f"/dashboards/{path}/schools.{extension}?term={S1}")
            assert response.status_code == expected, (user, path, extension)
        assert call(user, "GET", f"/api/v1/dashboards/{path}?term={S1}").status_code == expected, (user, path)
        if expected == 200:
            page = client.get(f"/dashboards/{path}?term={S1}&lang=en").get_data(as_text=True)
            assert SECRET_REFLECTION not in page
            named = f'/people/{dw["t_b2"]}"' in page  # the teacher with no PLC hours, by name
            named_here = {"admin": {f"networks/{world.n1.id}", f"area-offices/{world.ao1.id}"},
                          "coordinator": {f"networks/{world.n1.id}"}}.get(user, set())
            assert named == (path in named_here), (user, path)


def test_statement_count_does_not_grow_with_the_data(dw, world, in_db, app, client):
    """The network dashboard, its download and its API twin read a fixed number of statements: 4 more
    schools with every kind of row (teachers, circles, meetings, sessions, attendance, cycles,
    outcomes, plans, comments, reflections, visits, goals) change the answer, not the count."""
    from tests.statement_counts import statements_of

    assert login(client, "admin@example.org").status_code == 302
    paths = [f"/dashboards/networks/{world.n1.id}?term={S1}", f"/dashboards/networks/{world.n1.id}/schools.csv?term={S1}",
             f"/dashboards/area-offices/{world.ao1.id}?term={S1}", f"/dashboards/programme?term={S1}"]
    def counts() -> dict[str, tuple[int, int]]:
        return {path: (status, counter.count) for path in paths for status, counter in [statements_of(app, client, path)]}

    before = counts()
    grow(in_db, world.n1.id, 4, tag="g")
    with in_db() as session:
        for school in session.query(School).filter(School.name_th.like("โรงเรียนบ้านเพิ่ม%")):
            school.area_office_id = world.ao1.id
    assert counts() == before
    assert all(status == 200 for status, _n in before.values())
    assert _build(in_db, "network", world.n1.id, S1).total.teacher_count == 5 + 16


def test_a_built_dashboard_is_kept_for_a_while_then_rebuilt(dw, world, app, client, login_as, in_db):
    from plc.extensions import cache
    from plc.models import CircleMeeting
    from tests.statement_counts import statements_of

    login_as("coordinator")
    page = f"/dashboards/networks/{world.n1.id}?term={S1}"
    app.config["PLC_DASHBOARD_CACHE_SECONDS"] = 60
    try:
        cache.clear()
        _status, cold = statements_of(app, client, page)
        with in_db() as session:
            session.add(CircleMeeting(circle_id=dw["b1"], held_on=date(2025, 7, 20), title="ประชุมเพิ่ม"))
        _status, warm = statements_of(app, client, page)
        assert warm.count < cold.count - 15  # the figures come from the cache
        assert 'id="built-at"' in client.get(page).get_data(as_text=True)
        cache.clear()  # what PLC_DASHBOARD_CACHE_SECONDS later does
        rules = {c.circle_id: c.status for c in _build(in_db, "network", world.n1.id, S1).circles}
        assert rules[dw["b1"]] == "met"  # the new meeting counts once the dashboard is built again
    finally:
        app.config["PLC_DASHBOARD_CACHE_SECONDS"] = 0
        cache.clear()
