"""The surveys API: create, publish, respond, drafts and results (DOMAIN §5, 004:L589-646).

Every answer is validated against the OpenAPI document the app publishes (``ApiClient``). Surveys are
built through the API itself; ``build_survey_work`` builds one through the services for the API-wide
tests (every path parameter gets a real object)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from plc.blueprints.api import surveys as api_surveys
from plc.i18n import bangkok_today
from plc.models import Role, School, User
from plc.models._types import length_of
from plc.models.surveys import (
    Survey,
    SurveyAnswer,
    SurveyDraft,
    SurveyItem,
    SurveyParticipation,
    SurveyResponse,
    SurveySection,
)
from tests.api.limits import text_limits
from tests.conftest import add_user, count
from tests.openapi_helpers import error, ok, operations
from tests.services.test_surveys import SEED_004_ITEMS

NO_SUCH_ID = 987654
SURVEYS = "/api/v1/surveys"
TITLE = "แบบประเมินความพึงพอใจการอบรมเชิงปฏิบัติการ PLC"
ALREADY = "ตอบแบบสอบถามนี้แล้ว"
LEVEL_1_TO_5 = "เลือกระดับตั้งแต่ 1 ถึง 5"

SURVEY_OPERATIONS = {
    (SURVEYS, "GET"), (SURVEYS, "POST"), (f"{SURVEYS}/{{survey_id}}", "GET"),
    (f"{SURVEYS}/{{survey_id}}/publish", "POST"), (f"{SURVEYS}/{{survey_id}}/close", "POST"),
    (f"{SURVEYS}/{{survey_id}}/responses", "POST"),
    (f"{SURVEYS}/{{survey_id}}/draft", "GET"), (f"{SURVEYS}/{{survey_id}}/draft", "PUT"),
    (f"{SURVEYS}/{{survey_id}}/results", "GET"),
}


# ---------------------------------------------------------------------------- helpers


def scale(prompt: str, **fields) -> dict:
    return {"kind": "scale", "prompt": prompt, **fields}


def survey_body(world, *, scope=None, sections=None, publish=True, opens_in: int = -1, **fields) -> dict:
    today = bangkok_today()
    return {"title": TITLE, "opens_on": (today + timedelta(days=opens_in)).isoformat(),
            "closes_on": (today + timedelta(days=14)).isoformat(),
            "scope": scope or {"type": "school", "id": world.school_a.id},
            "sections": sections if sections is not None else [
                {"title": "ตอนที่ 1 ความพึงพอใจ", "items": [scale("ความรู้ที่ได้รับ"), scale("วิทยากร")]}],
            "publish": publish, **fields}


def new_survey(call, world, key: str = "director", **kwargs) -> dict:
    return ok(call(key, "POST", SURVEYS, json=survey_body(world, **kwargs)), 201)


def items_of(survey: dict) -> list[dict]:
    return [item for section in survey["sections"] for item in section["items"]]


def answers(survey: dict, **by_kind) -> dict:
    """A full response: every scale item the given level, choices and texts as given."""
    out = []
    for item in items_of(survey):
        if item["kind"] == "scale":
            out.append({"item_id": item["id"], "level": by_kind.get("level", 5)})
        elif item["kind"] in ("single", "multiple"):
            out.append({"item_id": item["id"], "choices": by_kind.get(item["kind"], [0])})
        elif "text" in by_kind:
            out.append({"item_id": item["id"], "text": by_kind["text"]})
    return {"answers": out}


def teachers_of_school_a(in_db, world, names: dict[str, str]) -> None:
    with in_db() as session:
        school = session.get(School, world.school_a.id)
        for key, name in names.items():
            add_user(key, Role.TEACHER, school, name_th=name)


def stored(in_db) -> tuple[int, int, int, int]:
    return (count(in_db, SurveyResponse), count(in_db, SurveyAnswer), count(in_db, SurveyParticipation),
            count(in_db, SurveyDraft))


def ids(page: dict) -> list[int]:
    return sorted(item["id"] for item in page["items"])


def keys_of(node) -> set[str]:
    if isinstance(node, dict):
        return set(node) | set().union(*(keys_of(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(keys_of(value) for value in node)) if node else set()
    return set()


# ---------------------------------------------------------------------------- the document


def test_openapi_document_lists_every_survey_route(spec):
    documented = {(path, method) for path, method, _op in operations(spec)}
    assert SURVEY_OPERATIONS - documented == set()
    for path, method in SURVEY_OPERATIONS:
        operation = spec["paths"][path][method.lower()]
        assert operation.get("security", spec.get("security")) == [{"bearerAuth": []}], (method, path)
        responses = operation["responses"]
        assert "401" in responses, (method, path)
        if "{" in path:
            assert "404" in responses, (method, path)
        if method != "GET" or path.endswith("/results"):
            assert "403" in responses, (method, path)
    for path in (SURVEYS, f"{SURVEYS}/{{survey_id}}/responses"):
        assert "422" in spec["paths"][path]["post"]["responses"]
    assert "409" in spec["paths"][f"{SURVEYS}/{{survey_id}}/responses"]["post"]["responses"]


def test_text_limits_are_the_columns():
    assert text_limits([api_surveys]) == {
        ("SurveyCreateSchema", "title"): length_of(Survey.title),
        ("SurveyCreateSchema", "description"): length_of(Survey.description),
        ("SurveySectionInputSchema", "title"): length_of(SurveySection.title),
        ("SurveyItemInputSchema", "prompt"): length_of(SurveyItem.prompt),
        ("SurveyItemInputSchema", "choices"): length_of(SurveyItem.choices_json),
        ("SurveyAnswerSchema", "text"): length_of(SurveyAnswer.text),
    }


# ---------------------------------------------------------------------------- create, publish, respond, results


def test_create_publish_three_teachers_respond_results(app, call, world, in_db, monkeypatch):
    teachers_of_school_a(in_db, world, {"krusuda": "ครูสุดา รักเรียน", "kruwichai": "ครูวิชัย ใฝ่รู้"})
    body = survey_body(world, publish=False, description="โครงการพัฒนาครูด้วยชุมชนแห่งการเรียนรู้ทางวิชาชีพ",
                       sections=[
                           {"title": "ตอนที่ 1 ความพึงพอใจ", "items": [
                               scale("ความรู้ที่ได้รับ"), scale("การนำไปใช้ในห้องเรียน")]},
                           {"title": "ตอนที่ 2 ข้อมูลเพิ่มเติม", "items": [
                               {"kind": "single", "prompt": "ช่วงชั้นที่สอน", "choices": ["ป.1-3", "ป.4-6", "ม.1-3"]},
                               {"kind": "multiple", "prompt": "สื่อที่ใช้", "choices": ["ใบงาน", "สื่อจริง", "วิดีโอ"]},
                               {"kind": "short_text", "prompt": "ข้อเสนอแนะ", "required": False}]}])
    draft = ok(call("director", "POST", SURVEYS, json=body), 201)
    assert draft["state"] == "draft" and draft["anonymous"] is True and draft["answered"] is False
    assert draft["scope"] == {"type": "school", "id": world.school_a.id, "name": "โรงเรียนท่าน้อย"}
    assert draft["permissions"] == {"manage": True, "respond": False}
    assert [(s["position"], s["title"]) for s in draft["sections"]] == [(1, "ตอนที่ 1 ความพึงพอใจ"),
                                                                        (2, "ตอนที่ 2 ข้อมูลเพิ่มเติม")]
    assert [(i["kind"], i["required"], i["choices"]) for i in items_of(draft)] == [
        ("scale", True, []), ("scale", True, []), ("single", True, ["ป.1-3", "ป.4-6", "ม.1-3"]),
        ("multiple", True, ["ใบงาน", "สื่อจริง", "วิดีโอ"]), ("short_text", False, [])]
    assert draft["band_floors"] == [4.5, 3.5, 2.5, 1.5, 1.0]
    survey_id = draft["id"]
    error(call("teacher", "GET", f"{SURVEYS}/{survey_id}"), 404)  # a draft is its builders' alone

    published = ok(call("director", "POST", f"{SURVEYS}/{survey_id}/publish"))
    assert published["state"] == "open" and published["published_at"]
    assert error(call("director", "POST", f"{SURVEYS}/{survey_id}/publish"), 409)["message"]

    seen = ok(call("teacher", "GET", f"{SURVEYS}/{survey_id}"))
    assert seen["permissions"] == {"manage": False, "respond": True} and seen["answered"] is False
    for key, level, single, multiple, text in (("teacher", 5, [1], [0, 1], "อยากให้มีการอบรมต่อเนื่อง"),
                                               ("krusuda", 4, [1], [1], None), ("kruwichai", 4, [0], [1, 2], None)):
        body = answers(seen, level=level, single=single, multiple=multiple, **({"text": text} if text else {}))
        answered = ok(call(key, "POST", f"{SURVEYS}/{survey_id}/responses", json=body), 201)
        assert answered["answered"] is True and answered["id"] == survey_id

    results = ok(call("director", "GET", f"{SURVEYS}/{survey_id}/results"))
    assert results == {"survey_id": survey_id, "respondents": 3, "asked": 4, "min_group": 5, "shown": False,
                       "sections": [], "overall": None, "narrative": None}

    monkeypatch.setitem(app.config, "SURVEY_MIN_GROUP", 3)
    results = ok(call("director", "GET", f"{SURVEYS}/{survey_id}/results"))
    assert results["shown"] and results["respondents"] == 3 and results["min_group"] == 3
    first, second = results["sections"]
    knowledge, use = first["items"]
    assert (knowledge["n"], knowledge["mean"], knowledge["sd"], knowledge["level"], knowledge["label"]) == (
        3, "4.33", "0.58", 4, "มาก")
    assert knowledge["counts"] == [{"level": 5, "count": 1}, {"level": 4, "count": 2}, {"level": 3, "count": 0},
                                   {"level": 2, "count": 0}, {"level": 1, "count": 0}]
    assert knowledge["choices"] == [] and knowledge["texts"] == []
    single, multiple, suggestion = second["items"]
    assert [(c["choice"], c["count"]) for c in single["choices"]] == [("ป.1-3", 1), ("ป.4-6", 2), ("ม.1-3", 0)]
    assert [(c["choice"], c["count"]) for c in multiple["choices"]] == [("ใบงาน", 1), ("สื่อจริง", 3), ("วิดีโอ", 1)]
    assert single["mean"] is None and single["counts"] == []
    assert suggestion["n"] == 1 and suggestion["texts"] == ["อยากให้มีการอบรมต่อเนื่อง"]
    assert results["overall"] == {"mean": "4.33", "sd": "0.58", "level": 4, "label": "มาก"}
    assert results["narrative"].startswith("ในภาพรวมได้รับการประเมินอยู่ในระดับมาก (x̄ = 4.33, S.D. = 0.58)")

    closed = ok(call("director", "POST", f"{SURVEYS}/{survey_id}/close"))
    assert closed["state"] == "closed"
    error(call("director", "POST", f"{SURVEYS}/{survey_id}/close"), 409)


@pytest.fixture
def seed_004(call, world, in_db) -> dict:
    """The seven items of 004's satisfaction table and an optional open question, answered by the 14
    respondents whose counts give exactly the printed figures."""
    sections = [{"title": "ผลการประเมินความพึงพอใจผู้เข้าร่วมโครงการ",
                 "items": [scale(prompt) for prompt, *_rest in SEED_004_ITEMS]
                 + [{"kind": "long_text", "prompt": "ประเด็นที่ท่านสนใจ", "required": False}]}]
    survey = new_survey(call, world, title="ผลการประเมินความพึงพอใจผู้เข้าร่วมโครงการ", sections=sections)
    teachers_of_school_a(in_db, world, {f"respondent{r}": f"ครูผู้ตอบ {r}" for r in range(14)})
    items = items_of(survey)
    for r in range(14):
        body = [{"item_id": item["id"], "level": 5 if r < fives else 4 if r < fives + fours else 3}
                for item, (_prompt, (fives, fours, _threes), *_rest) in zip(items, SEED_004_ITEMS, strict=False)]
        if r % 2:
            body.append({"item_id": items[-1]["id"], "text": "Active Learning"})
        ok(call(f"respondent{r}", "POST", f"{SURVEYS}/{survey['id']}/responses", json={"answers": body}), 201)
    return survey


def test_seed_004_through_the_api_prints_the_table(call, world, in_db, seed_004):
    results = ok(call("director", "GET", f"{SURVEYS}/{seed_004['id']}/results"))
    assert (results["respondents"], results["asked"], results["shown"]) == (14, 16, True)
    [section] = results["sections"]
    printed = [(i["prompt"], i["n"], i["mean"], i["sd"], i["label"]) for i in section["items"][:-1]]
    assert printed == [(prompt, 14, mean, sd, "มาก" if mean == "4.43" else "มากที่สุด")
                       for prompt, _counts, mean, sd in SEED_004_ITEMS]
    assert [c["count"] for c in section["items"][0]["counts"]] == [11, 3, 0, 0, 0]
    assert results["overall"] == {"mean": "4.70", "sd": "0.47", "level": 5, "label": "มากที่สุด"}
    assert results["narrative"].startswith("ในภาพรวมได้รับการประเมินอยู่ในระดับมากที่สุด (x̄ = 4.70, S.D. = 0.47)")
    assert f"ต่ำสุด คือ {SEED_004_ITEMS[1][0]} มีค่าเฉลี่ยเท่ากับ 4.43" in results["narrative"]
    assert section["items"][-1]["texts"] == ["Active Learning"] * 7

    with in_db() as session:
        session.get(User, world.director.id).locale = "en"
    english = ok(call("director", "GET", f"{SURVEYS}/{seed_004['id']}/results"))
    assert english["overall"]["label"] == "Very high" and english["sections"][0]["items"][1]["label"] == "High"
    assert english["narrative"].startswith("Overall, the assessment is at the level “Very high” (x̄ = 4.70")
    thai = ok(call("director", "GET", f"{SURVEYS}/{seed_004['id']}/results?lang=th"))
    assert thai["overall"]["label"] == "มากที่สุด" and thai["sections"][0]["items"][1]["label"] == "มาก"


def test_fewer_than_five_respondents_show_the_count_only(call, world, in_db):
    survey = new_survey(call, world, sections=[{"title": "ตอนที่ 1", "items": [
        scale("ความรู้ที่ได้รับ"), {"kind": "long_text", "prompt": "ข้อเสนอแนะ", "required": False}]}])
    teachers_of_school_a(in_db, world, {f"kru{r}": f"ครูคนที่ {r}" for r in range(4)})
    for r in range(4):
        ok(call(f"kru{r}", "POST", f"{SURVEYS}/{survey['id']}/responses",
                json=answers(survey, level=5, text=f"ข้อเสนอแนะลับของครูคนที่ {r}")), 201)
    response = call("director", "GET", f"{SURVEYS}/{survey['id']}/results")
    results = ok(response)
    assert results == {"survey_id": survey["id"], "respondents": 4, "asked": 6, "min_group": 5, "shown": False,
                       "sections": [], "overall": None, "narrative": None}
    assert "ข้อเสนอแนะลับ" not in response.get_data(as_text=True)


# ---------------------------------------------------------------------------- bad answers change nothing


def test_bad_answers_are_refused_clearly_and_change_nothing(call, world, in_db):
    survey = new_survey(call, world, sections=[{"title": "ตอนที่ 1", "items": [
        scale("ความรู้ที่ได้รับ"), scale("วิทยากร"),
        {"kind": "single", "prompt": "ช่วงชั้นที่สอน", "choices": ["ประถม", "มัธยม"]},
        {"kind": "long_text", "prompt": "ข้อเสนอแนะ", "required": False}]}])
    path = f"{SURVEYS}/{survey['id']}/responses"
    first, second, single, text = (item["id"] for item in items_of(survey))
    good = {"answers": [{"item_id": first, "level": 5}, {"item_id": second, "level": 4},
                        {"item_id": single, "choices": [1]}]}
    before = stored(in_db)

    six = error(call("teacher", "POST", path, json={"answers": [{**good["answers"][0], "level": 6},
                                                                *good["answers"][1:]]}), 422)
    assert six["fields"] == {f"item-{first}": [LEVEL_1_TO_5]}
    unknown = error(call("teacher", "POST", path, json={"answers": [*good["answers"],
                                                                    {"item_id": NO_SUCH_ID, "level": 5}]}), 422)
    assert unknown["fields"] == {"answers": ["มีคำตอบของคำถามที่ไม่อยู่ในแบบสอบถามนี้"]}
    missing = error(call("teacher", "POST", path, json={"answers": [{"item_id": first, "level": 5}]}), 422)
    assert missing["fields"] == {f"item-{second}": ["กรุณาตอบข้อนี้"], f"item-{single}": ["กรุณาตอบข้อนี้"]}
    wrong_choice = error(call("teacher", "POST", path, json={"answers": [*good["answers"][:2],
                                                                         {"item_id": single, "choices": [0, 1]}]}), 422)
    assert wrong_choice["fields"] == {f"item-{single}": ["เลือกเพียงหนึ่งคำตอบ"]}
    mismatched = error(call("teacher", "POST", path, json={"answers": [
        *good["answers"], {"item_id": text, "level": 3}]}), 422)
    assert mismatched["fields"] == {f"item-{text}": ["ตอบเป็นข้อความ"]}
    twice = error(call("teacher", "POST", path, json={"answers": [*good["answers"], good["answers"][0]]}), 422)
    assert twice["fields"] == {"answers": ["ตอบแต่ละข้อเพียงครั้งเดียว"]}
    not_a_level = error(call("teacher", "POST", path, json={"answers": [{"item_id": first, "level": "มาก"}]}), 422)
    assert "answers" in not_a_level["fields"]
    assert stored(in_db) == before

    ok(call("teacher", "POST", path, json=good), 201)
    after_one = stored(in_db)
    assert after_one == (before[0] + 1, before[1] + 3, before[2] + 1, before[3])
    again = error(call("teacher", "POST", path, json=good), 409)
    assert ALREADY in again["message"]
    ok(call("director", "POST", f"{SURVEYS}/{survey['id']}/close"))
    late = error(call("director", "POST", path, json=good), 409)
    assert "ปิดรับคำตอบ" in late["message"]
    assert stored(in_db) == after_one


def test_a_survey_takes_no_answers_before_it_opens(call, world, in_db):
    survey = new_survey(call, world, opens_in=3)
    assert survey["state"] == "scheduled"
    early = error(call("teacher", "POST", f"{SURVEYS}/{survey['id']}/responses", json=answers(survey)), 409)
    assert "เปิดรับคำตอบวันที่" in early["message"]
    error(call("teacher", "PUT", f"{SURVEYS}/{survey['id']}/draft", json=answers(survey)), 409)
    assert stored(in_db) == (0, 0, 0, 0)


# ---------------------------------------------------------------------------- bad surveys store nothing


def _nothing_stored(in_db) -> bool:
    return (count(in_db, Survey), count(in_db, SurveySection), count(in_db, SurveyItem)) == (0, 0, 0)


def test_a_refused_survey_is_not_stored_at_all(call, world, in_db):
    today = bangkok_today()
    bad_dates = error(call("director", "POST", SURVEYS, json=survey_body(
        world, title="   ", closes_on=(today - timedelta(days=5)).isoformat())), 422)
    assert bad_dates["fields"] == {"title": ["ตั้งชื่อแบบสอบถาม"], "closes_on": ["วันปิดรับคำตอบต้องไม่ก่อนวันเปิด"]}
    bad_item = error(call("director", "POST", SURVEYS, json=survey_body(world, sections=[
        {"title": "ตอนที่ 1", "items": [scale("ความรู้ที่ได้รับ")]},
        {"title": "ตอนที่ 2", "items": [scale("วิทยากร"), {"kind": "single", "prompt": "ช่วงชั้น", "choices": ["ป.1"]}]},
    ])), 422)
    assert bad_item["fields"] == {"sections": {"1": {"items": {"1": {
        "choices": ["ระบุตัวเลือกอย่างน้อยสองข้อ บรรทัดละหนึ่งข้อ"]}}}}}
    blank_section = error(call("director", "POST", SURVEYS, json=survey_body(world, sections=[
        {"title": " ", "items": []}])), 422)
    assert blank_section["fields"] == {"sections": {"0": {"title": ["ตั้งชื่อตอน"]}}}
    floors = error(call("director", "POST", SURVEYS, json=survey_body(world, band_floors=[4.5, 3.5, 2.5])), 422)
    assert set(floors["fields"]) == {"band_floors"}
    nothing_to_answer = error(call("director", "POST", SURVEYS, json=survey_body(world, sections=[])), 409)
    assert nothing_to_answer["message"] == "เพิ่มคำถามอย่างน้อยหนึ่งข้อก่อนเผยแพร่"
    too_long = error(call("director", "POST", SURVEYS, json=survey_body(
        world, title="ก" * (length_of(Survey.title) + 1))), 422, "title")
    assert str(length_of(Survey.title)) in too_long["fields"]["title"][0]
    error(call("director", "POST", SURVEYS, json=survey_body(world, scope={"type": "area", "id": 1})), 422, "scope")
    error(call("director", "POST", SURVEYS, json=survey_body(world, sections=[
        {"title": "ตอนที่ 1", "items": [{"kind": "rating", "prompt": "x"}]}])), 422, "sections")
    assert _nothing_stored(in_db)

    empty = new_survey(call, world, sections=[], publish=False)
    assert [(s["title"], s["items"]) for s in empty["sections"]] == [("การประเมิน", [])]


def test_who_may_build_a_survey_for_a_scope(call, world, in_db):
    error(call("teacher", "POST", SURVEYS, json=survey_body(world)), 403)
    error(call("director", "POST", SURVEYS, json=survey_body(
        world, scope={"type": "school", "id": world.school_b.id})), 403)
    error(call("outsider", "POST", SURVEYS, json=survey_body(world)), 404)
    error(call("director", "POST", SURVEYS, json=survey_body(
        world, scope={"type": "school", "id": world.school_c.id})), 404)
    error(call("director", "POST", SURVEYS, json=survey_body(world, scope={"type": "circle", "id": NO_SUCH_ID})), 404)
    error(call("coordinator2", "POST", SURVEYS, json=survey_body(
        world, scope={"type": "network", "id": world.n1.id})), 404)
    assert _nothing_stored(in_db)
    network = new_survey(call, world, "coordinator", scope={"type": "network", "id": world.n1.id})
    assert network["scope"] == {"type": "network", "id": world.n1.id, "name": world.n1.name_th}
    assert ok(call("teacher2", "GET", f"{SURVEYS}/{network['id']}"))["permissions"]["respond"] is True


# ---------------------------------------------------------------------------- who sees what


@pytest.mark.parametrize("key", ["outsider", "coordinator2", "director_c"])
def test_another_tenant_gets_404_and_never_sees_the_survey(call, world, in_db, key):
    survey = new_survey(call, world)
    ok(call("teacher", "POST", f"{SURVEYS}/{survey['id']}/responses", json=answers(survey)), 201)
    before = stored(in_db)
    bodies = {("POST", "responses"): answers(survey), ("PUT", "draft"): answers(survey)}
    for method, tail in (("GET", ""), ("GET", "/results"), ("POST", "/responses"), ("GET", "/draft"),
                         ("PUT", "/draft"), ("POST", "/publish"), ("POST", "/close")):
        kwargs = {"json": bodies[(method, tail.strip("/"))]} if (method, tail.strip("/")) in bodies else {}
        hidden = error(call(key, method, f"{SURVEYS}/{survey['id']}{tail}", **kwargs), 404)
        missing = error(call(key, method, f"{SURVEYS}/{NO_SUCH_ID}{tail}", **kwargs), 404)
        assert hidden == missing, (method, tail)
    for role in ("", "?role=respondent", "?role=manager"):
        page = ok(call(key, "GET", f"{SURVEYS}{role}"))
        assert page["items"] == [] and page["total"] == 0, role
    assert stored(in_db) == before
    assert ok(call("director", "GET", f"{SURVEYS}/{survey['id']}"))["state"] == "open"


def test_a_respondent_may_answer_but_not_manage(call, world, in_db):
    survey = new_survey(call, world)
    for method, tail in (("GET", "/results"), ("POST", "/publish"), ("POST", "/close")):
        assert error(call("teacher", method, f"{SURVEYS}/{survey['id']}{tail}"), 403)["error"] == "forbidden"
    error(call("teacher2", "GET", f"{SURVEYS}/{survey['id']}"), 404)  # school B: not asked by school A
    assert ok(call("teacher", "GET", f"{SURVEYS}/{survey['id']}"))["permissions"] == {"manage": False,
                                                                                    "respond": True}
    ok(call("teacher", "POST", f"{SURVEYS}/{survey['id']}/responses", json=answers(survey)), 201)
    error(call("teacher", "GET", f"{SURVEYS}/{survey['id']}/results"), 403)
    assert ok(call("director", "GET", f"{SURVEYS}/{survey['id']}/results"))["respondents"] == 1


def test_the_list_by_role(call, world):
    published = new_survey(call, world)
    draft = new_survey(call, world, publish=False)
    network = new_survey(call, world, "coordinator", scope={"type": "network", "id": world.n1.id})
    assert ids(ok(call("teacher", "GET", SURVEYS))) == sorted([published["id"], network["id"]])
    assert ids(ok(call("teacher", "GET", f"{SURVEYS}?role=respondent"))) == sorted([published["id"], network["id"]])
    assert ok(call("teacher", "GET", f"{SURVEYS}?role=manager"))["total"] == 0
    assert ids(ok(call("teacher2", "GET", SURVEYS))) == [network["id"]]
    # The director is asked by the school's surveys and manages them: each is listed once.
    both = ok(call("director", "GET", SURVEYS))
    assert ids(both) == sorted([published["id"], draft["id"], network["id"]]) and both["total"] == 3
    assert ids(ok(call("director", "GET", f"{SURVEYS}?role=manager"))) == sorted([published["id"], draft["id"]])
    assert ids(ok(call("director", "GET", f"{SURVEYS}?role=respondent"))) == sorted([published["id"], network["id"]])
    row = next(item for item in both["items"] if item["id"] == draft["id"])
    assert (row["state"], row["answered"], row["permissions"]) == ("draft", False, {"manage": True, "respond": False})
    ok(call("teacher", "POST", f"{SURVEYS}/{published['id']}/responses", json=answers(published)), 201)
    answered = {item["id"]: item["answered"] for item in ok(call("teacher", "GET", SURVEYS))["items"]}
    assert answered == {published["id"]: True, network["id"]: False}
    paged = ok(call("director", "GET", f"{SURVEYS}?per_page=2&page=2"))
    assert (paged["total"], paged["pages"], len(paged["items"])) == (3, 2, 1)
    error(call("teacher", "GET", f"{SURVEYS}?role=author"), 422, "role")


# ---------------------------------------------------------------------------- drafts


def test_a_draft_is_the_respondents_own_until_the_response_is_sent(call, world, in_db):
    survey = new_survey(call, world, sections=[{"title": "ตอนที่ 1", "items": [
        scale("ความรู้ที่ได้รับ"), {"kind": "multiple", "prompt": "สื่อที่ใช้", "choices": ["ใบงาน", "สื่อจริง"]},
        {"kind": "long_text", "prompt": "ข้อเสนอแนะ", "required": False}]}])
    level, media, note = (item["id"] for item in items_of(survey))
    path = f"{SURVEYS}/{survey['id']}/draft"
    assert ok(call("teacher", "GET", path)) == {"survey_id": survey["id"], "answers": []}
    partial = {"answers": [{"item_id": level, "level": 4}, {"item_id": note, "text": "ยังเขียนไม่เสร็จ"}]}
    saved = ok(call("teacher", "PUT", path, json=partial))
    assert saved == {"survey_id": survey["id"], "answers": partial["answers"]}
    more = {"answers": [*partial["answers"], {"item_id": media, "choices": [0, 1]}]}
    ok(call("teacher", "PUT", path, json=more))
    assert ok(call("teacher", "GET", path))["answers"] == [partial["answers"][0], more["answers"][2],
                                                           partial["answers"][1]]
    assert ok(call("director", "GET", path))["answers"] == []  # the teacher's draft is theirs alone
    results = call("director", "GET", f"{SURVEYS}/{survey['id']}/results").get_data(as_text=True)
    assert "ยังเขียนไม่เสร็จ" not in results
    error(call("teacher", "PUT", path, json={"answers": [{"item_id": level, "text": "มาก"}]}), 422, f"item-{level}")
    ok(call("teacher", "POST", f"{SURVEYS}/{survey['id']}/responses", json={"answers": [more["answers"][0], more["answers"][2]]}), 201)
    assert ok(call("teacher", "GET", path))["answers"] == []
    assert ALREADY in error(call("teacher", "PUT", path, json=partial), 409)["message"]
    assert count(in_db, SurveyDraft) == 0


# ---------------------------------------------------------------------------- anonymity


@pytest.mark.parametrize("anonymous", [True, False])
def test_results_never_name_a_respondent(app, call, world, in_db, monkeypatch, anonymous):
    monkeypatch.setitem(app.config, "SURVEY_MIN_GROUP", 2)
    names = {"krusuda": "ครูสุดา รักเรียน", "kruwichai": "ครูวิชัย ใฝ่รู้"}
    teachers_of_school_a(in_db, world, names)
    survey = new_survey(call, world, anonymous=anonymous, sections=[{"title": "ตอนที่ 1", "items": [
        scale("ความรู้ที่ได้รับ"), {"kind": "short_text", "prompt": "ข้อเสนอแนะ", "required": False}]}])
    for key in names:
        ok(call(key, "POST", f"{SURVEYS}/{survey['id']}/responses", json=answers(survey, text="ดีมาก")), 201)
    response = call("director", "GET", f"{SURVEYS}/{survey['id']}/results")
    results = ok(response)
    assert results["respondents"] == 2 and results["shown"]
    text = response.get_data(as_text=True)
    decoded = json.dumps(results, ensure_ascii=False)
    with in_db() as session:
        people = session.execute(select(User.email, User.name_th, User.name_en)
                                 .where(User.email.in_([f"{key}@example.org" for key in names]))).all()
        keys = session.scalars(select(SurveyResponse.key).where(SurveyResponse.survey_id == survey["id"])).all()
        respondent_ids = session.scalars(select(SurveyResponse.respondent_id)
                                         .where(SurveyResponse.survey_id == survey["id"])).all()
    assert len(keys) == 2 and (set(respondent_ids) == {None}) is anonymous
    assert len(people) == 2
    for person in people:
        for value in person:
            assert value not in text and value not in decoded
    for key in keys:
        assert key not in text
    assert not keys_of(results) & {"respondent", "respondent_id", "respondents_list", "user", "user_id", "email",
                                   "name_th", "key", "response_key", "answers"}
    detail = call("teacher", "GET", f"{SURVEYS}/{survey['id']}").get_data(as_text=True)
    assert "ดีมาก" not in detail and '"answers"' not in detail
