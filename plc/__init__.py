"""The PLC platform: professional learning communities for Thai schools and school networks."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask

from plc.config import build_config


def create_app(config: dict | None = None) -> Flask:
    """config → extensions → models → realtime → blueprints → errors → cli."""
    instance_path = Path(os.environ.get("PLC_INSTANCE_PATH", Path(__file__).resolve().parent.parent / "instance"))
    app = Flask(__name__, instance_path=str(instance_path), instance_relative_config=True)
    app.config.update(build_config(instance_path))
    if config:
        app.config.update(config)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from plc import extensions, i18n, labels, rendering, security  # noqa: PLC0415  (the factory imports the layers when it builds an app, not on `import plc`)

    extensions.db.init_app(app)
    extensions.migrate.init_app(app, extensions.db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    extensions.csrf.init_app(app)
    extensions.babel.init_app(app, locale_selector=i18n.select_locale,
                              default_translation_directories=str(Path(__file__).parent / "translations"))
    extensions.limiter.init_app(app)
    extensions.cache.init_app(app)
    i18n.register(app)
    labels.register(app)
    rendering.register(app)
    security.register(app)

    from plc import models  # noqa: F401, PLC0415  (registers every table on the metadata, as above)
    from plc.database import register as register_database  # noqa: PLC0415  (as above)

    register_database(app)

    from plc import mailer  # noqa: PLC0415  (as above)
    from plc.services.live_sessions import queue_due_reminders  # noqa: PLC0415  (as above)

    mailer.register(app, producers=[queue_due_reminders])  # only when MAIL_SERVER is set

    from plc.realtime import register as register_realtime  # noqa: PLC0415  (as above)

    register_realtime(app)

    from plc.blueprints import register as register_blueprints  # noqa: PLC0415  (as above)

    register_blueprints(app)

    from plc import errors  # noqa: PLC0415  (as above)

    errors.register(app)

    from plc.cli import register as register_cli  # noqa: PLC0415  (as above)

    register_cli(app)
    return app
