from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask_login import current_user, login_required

from plc.blueprints.circles import my_work
from plc.services import org

bp = Blueprint("main", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/")
@login_required
def home():
    my_circles, my_cycles = my_work(current_user)
    return render_template("main/home.html", dashboard=org.dashboard(current_user), my_circles=my_circles,
                           my_cycles=my_cycles)
