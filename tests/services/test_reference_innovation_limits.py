"""The reference library (seeds/reference/innovations.yaml) fits the limits its columns declare, so the
seed loader, which cuts text to the columns as the services do, stores every step and note whole."""

from __future__ import annotations

from sqlalchemy import func, select

from plc.models import InnovationStep, InnovationVersion
from plc.models._types import length_of
from plc.seeds.reference import reference_entries, seed_reference

STEP_TEXTS = {"code": InnovationStep.code, "label_en": InnovationStep.label_en,
              "text_th": InnovationStep.text_th, "text_en": InnovationStep.text_en}


def _steps(items):
    for item in items or []:
        yield item
        yield from _steps(item.get("substeps"))


def test_every_reference_text_fits_its_column():
    entries = reference_entries()
    assert len(entries) > 30
    too_long = [(entry["id"], name) for entry in entries for step in _steps(entry.get("steps"))
                for name, column in STEP_TEXTS.items() if len(str(step.get(name) or "")) > length_of(column)]
    too_long += [(entry["id"], "notes") for entry in entries
                 if len(entry.get("notes") or "") > length_of(InnovationVersion.notes)]
    assert too_long == []


def test_the_seed_stores_every_reference_step_whole(app):
    from plc.extensions import db

    expected = sorted((str(step.get("text_th") or step.get("label_en") or "").strip(),
                       (step.get("text_en") or "").strip() or None)
                      for entry in reference_entries() for step in _steps(entry.get("steps")))
    with app.app_context():
        seed_reference()
        db.session.commit()
        stored = sorted(db.session.execute(select(InnovationStep.text_th, InnovationStep.text_en)).all())
        assert [tuple(row) for row in stored] == expected
        seed_reference()
        db.session.commit()
        assert db.session.scalar(select(func.max(InnovationVersion.number))) == 1
