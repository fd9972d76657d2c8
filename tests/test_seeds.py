from sqlalchemy import func, select

from plc.models import AreaOffice, Membership, Network, Province, Region, School, User
from plc.seeding import DEMO_PASSWORD, seed_demo, seed_reference
from plc.services.passwords import verify_password

DEMO_ACCOUNTS = {
    "admin@example.org": {("admin", None)},
    "coordinator@example.org": {("coordinator", "N1")},
    "coach@example.org": {("coach", "N1")},
    "director@example.org": {("director", "A")},
    "teacher@example.org": {("teacher", "A")},
    "teacher2@example.org": {("teacher", "B")},
    "outsider@example.org": {("teacher", "C")},
}


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_reference_seed_is_complete_and_idempotent(app):
    with app.app_context():
        from plc.extensions import db

        first = seed_reference()
        db.session.commit()
        counts = {m: count(db.session, m) for m in (Region, Province, AreaOffice)}
        assert counts[Region] == 4 and counts[Province] == 77 and counts[AreaOffice] >= 20
        assert seed_reference() == first
        db.session.commit()
        assert {m: count(db.session, m) for m in (Region, Province, AreaOffice)} == counts
        office = db.session.scalar(select(AreaOffice).where(AreaOffice.name_th == "สพป.นครศรีธรรมราช เขต 4"))
        assert office is not None and office.area_number == 4 and office.kind == "primary"
        multi = db.session.scalars(select(AreaOffice).where(AreaOffice.kind == "secondary")).all()
        assert any(len(o.provinces) > 1 for o in multi), "a secondary office may cover several provinces"


def test_demo_seed_matches_the_interface_contract_and_is_idempotent(app):
    from plc.extensions import db

    with app.app_context():
        seed_demo()
        db.session.commit()
        seed_demo()
        db.session.commit()
        assert count(db.session, Network) == 2
        assert count(db.session, School) >= 8
        assert 35 <= count(db.session, User) <= 60
        keys = {}
        for school in db.session.scalars(select(School)):
            assert school.area_office is not None, school.name_th
        n1 = db.session.scalar(select(Network).where(Network.key == "N1"))
        n2 = db.session.scalar(select(Network).where(Network.key == "N2"))
        for email, expected in DEMO_ACCOUNTS.items():
            user = db.session.scalar(select(User).where(User.email == email))
            assert verify_password(user.password_hash, DEMO_PASSWORD)
            roles = set()
            for m in user.current_memberships():
                if m.network_id:
                    roles.add((m.role, {n1.id: "N1", n2.id: "N2"}[m.network_id]))
                elif m.school_id:
                    keys.setdefault(email, m.school)
                    roles.add((m.role, m.school))
                else:
                    roles.add((m.role, None))
            normalised = {(r, s if isinstance(s, str) or s is None else s.name_th) for r, s in roles}
            assert {r for r, _ in normalised} == {r for r, _ in expected}, email
        school_a, school_b, school_c = keys["teacher@example.org"], keys["teacher2@example.org"], keys["outsider@example.org"]
        assert keys["director@example.org"] is school_a
        assert n1 in school_a.networks and n1 in school_b.networks
        assert n2 in school_c.networks and n1 not in school_c.networks
        ended = db.session.scalar(select(func.count()).select_from(Membership).where(Membership.ends_on.is_not(None)))
        assert ended >= 1, "one demo teacher moved schools and keeps the history"
