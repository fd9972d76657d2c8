"""The pages a person uses: home dashboard, organisation browser, people management, profile."""

from sqlalchemy import func, select

from plc.models import AuditEvent, Membership, Network, School, User
from tests.conftest import add_user, login, post_form, text_of


def test_home_shows_what_is_mine_per_role(app, world):
    teacher = app.test_client()
    login(teacher, world.teacher.email)
    html = text_of(teacher, "/?lang=en")
    assert "My schools" in html and "Ban Tha Noi School" in html and "Active Learning network" in html
    assert "Invite a person" not in html
    html = text_of(teacher, "/?lang=th")
    assert world.school_a.name_th in html and world.n1.name_th in html

    coordinator = app.test_client()
    login(coordinator, world.coordinator.email)
    html = text_of(coordinator, "/?lang=en")
    assert "You coordinate" in html and "Invite a person" in html

    admin = app.test_client()
    login(admin, world.admin.email)
    assert "The platform" in text_of(admin, "/?lang=en")

    viewer = app.test_client()
    login(viewer, world.area_viewer.email)
    assert world.ao1.name_th in text_of(viewer, "/?lang=en")


def test_person_without_any_role_sees_an_empty_state(app, world, in_db):
    with in_db():
        add_user("newbie", None)
    client = app.test_client()
    login(client, "newbie@example.org")
    assert "no role in a school or network yet" in text_of(client, "/?lang=en")
    assert "do not belong to any school" in text_of(client, "/schools")


def test_organisation_browser_from_network_to_people(app, world):
    client = app.test_client()
    login(client, world.teacher.email)
    html = text_of(client, "/networks")
    assert world.n1.name_th in html and world.n2.name_th not in html
    html = text_of(client, f"/networks/{world.n1.id}")
    assert world.school_a.name_th in html and world.school_b.name_th in html
    assert world.coordinator.name_th in html, "the network team is listed"
    html = text_of(client, f"/schools/{world.school_a.id}")
    assert world.teacher.name_th in html and world.director.name_th in html


def test_school_search_finds_thai_inside_thai(app, world):
    client = app.test_client()
    login(client, world.coordinator.email)
    html = text_of(client, "/schools?q=" + "วารวิ่ง")
    assert world.school_b.name_th in html and world.school_a.name_th not in html
    assert "No school matches" in text_of(client, "/schools?lang=en&q=" + "ไม่มีแน่นอน")


def test_school_list_is_paginated(app, world, in_db):
    with in_db() as session:
        network = session.get(Network, world.n1.id)
        for n in range(25):
            session.add(School(name_th=f"โรงเรียนบ้านทดสอบ {n:02d}", networks=[network]))
    client = app.test_client()
    login(client, world.coordinator.email)
    first = text_of(client, "/schools?lang=en")
    assert 'rel="next"' in first and "Page 1 of 2" in first
    second = text_of(client, "/schools?page=2")
    assert 'rel="prev"' in second
    assert text_of(client, "/schools?page=99").count("<tr>") <= 1, "past the end: an empty page, not an error"
    assert client.get("/schools?page=abc").status_code == 200


def test_inviting_an_existing_user_adds_the_role_without_a_new_link(app, world, in_db):
    client = app.test_client()
    login(client, world.coordinator.email)
    response = post_form(client, "/people/invite", {
        "email": world.teacher2.email.upper(), "name_th": "ไม่ใช้", "scope": f"school:{world.school_a.id}",
        "role": "coach"}, page="/people/invite")
    assert response.status_code == 302
    with in_db() as session:
        roles = {(m.role, m.school_id) for m in session.get(User, world.teacher2.id).current_memberships()}
        assert ("coach", world.school_a.id) in roles
        assert session.scalar(select(func.count()).select_from(User)) == 11


def test_invite_with_bad_input_changes_nothing(app, world, in_db):
    client = app.test_client()
    login(client, world.director.email)
    client.get("/?lang=en")
    cases = [
        ({"email": "not-an-email", "name_th": "ครูใหม่", "scope": f"school:{world.school_a.id}", "role": "teacher"},
         "valid e-mail"),
        ({"email": "x@example.org", "name_th": "ครูใหม่", "scope": f"school:{world.school_c.id}", "role": "teacher"},
         "Not a valid choice"),
        ({"email": "x@example.org", "name_th": "ครูใหม่", "scope": f"school:{world.school_a.id}", "role": "director"},
         "Not a valid choice"),
        ({"email": "x@example.org", "name_th": "", "scope": f"school:{world.school_a.id}", "role": "teacher"},
         "This field is required"),
    ]
    for data, message in cases:
        response = post_form(client, "/people/invite", data, page="/people/invite")
        assert response.status_code == 422, data
        assert message in response.get_data(as_text=True), (data, message)
    with in_db() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 11


def test_disable_and_enable_are_audited(app, world, in_db):
    client = app.test_client()
    login(client, world.director.email)
    page = f"/people/{world.teacher.id}/disable"
    post_form(client, page, page=page)
    assert "disabled" in text_of(client, f"/people/{world.teacher.id}?lang=en")
    post_form(client, f"/people/{world.teacher.id}/enable", page=f"/people/{world.teacher.id}")
    assert login(app.test_client(), world.teacher.email).status_code == 302
    with in_db() as session:
        actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.target_id == world.teacher.id)))
    assert {"user.disabled", "user.enabled"} <= actions


def test_people_list_is_scoped_and_searchable(app, world):
    client = app.test_client()
    login(client, world.director.email)
    html = text_of(client, "/people")
    assert world.teacher.email in html and world.outsider.email not in html
    html = text_of(client, "/people?q=" + "สมศรี")
    assert world.teacher.email in html and world.director.email not in html


def test_profile_update_changes_language_and_name(app, world, in_db):
    client = app.test_client()
    login(client, world.teacher.email)
    response = post_form(client, "/profile", {"name_th": "ครูสมศรี ใจงาม", "name_en": "Somsri Jai-ngam",
                                              "locale": "en", "title_th": "นางสาว"})
    assert response.status_code == 302
    html = text_of(client, "/")
    assert "Hello, Somsri Jai-ngam" in html and '<html lang="en">' in html
    response = post_form(client, "/profile", {"name_th": "", "locale": "th"})
    assert response.status_code == 422
    with in_db() as session:
        assert session.get(User, world.teacher.id).name_th == "ครูสมศรี ใจงาม"


def test_grant_form_lists_only_grantable_scopes(app, world):
    client = app.test_client()
    login(client, world.director.email)
    html = text_of(client, f"/people/{world.teacher.id}")
    assert f'value="school:{world.school_a.id}"' in html
    assert f'value="school:{world.school_b.id}"' not in html and 'value="global"' not in html


def test_membership_count_in_lists(app, world, in_db):
    with in_db() as session:
        ended = session.scalar(select(Membership).where(Membership.user_id == world.teacher.id))
        from datetime import date

        ended.ends_on = date(2024, 6, 1)
    client = app.test_client()
    login(client, world.coordinator.email)
    html = text_of(client, f"/schools/{world.school_a.id}")
    assert world.teacher.name_th not in html, "people who left are not in the current staff list"
