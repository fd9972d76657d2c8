"""Entry point for gunicorn: ``gunicorn -c gunicorn.conf.py wsgi:app`` (and for ``flask``)."""

import sys

from plc import create_app
from plc.config import ConfigError

try:
    app = create_app()
except ConfigError as error:  # a setting the operator can fix: say which, without a traceback
    sys.exit(f"The PLC platform cannot start: {error}")
