"""What the browser journeys share: logging in as a demo person, the language, headings and
messages, and reading the demo data the live server was seeded with."""

from __future__ import annotations

import re
import urllib.parse
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from playwright.sync_api import Page, expect

from tests.e2e.ui_text import th
from tests.realtime_server import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
LOGIN_URL = re.compile(r"/auth/login(\?.*)?$")


@cache
def demo(name: str) -> dict:
    """``seeds/demo/<name>`` as loaded."""
    return yaml.safe_load((ROOT / "seeds" / "demo" / name).read_text(encoding="utf-8"))


def demo_person(email: str) -> dict:
    return next(p for p in demo("demo.yaml")["people"] if p["email"] == email)


def bangkok_today() -> date:
    return datetime.now(ZoneInfo("Asia/Bangkok")).date()


def path_of(page: Page) -> str:
    return urllib.parse.urlsplit(page.url).path


def expect_lang(page: Page, lang: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", lang)


def h1(page: Page, name: str):
    return page.get_by_role("heading", level=1, name=name, exact=True)


def flash(page: Page, text: str):
    return page.get_by_role("status").filter(has_text=text)


def log_in(page: Page, email: str, lang: str = "th") -> None:
    """Logs in on the Thai login page, then switches to ``lang`` with the language link."""
    page.goto("/auth/login")
    page.get_by_label(th("E-mail"), exact=True).fill(email)
    page.get_by_label(th("Password"), exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=th("Log in"), exact=True).click()
    expect(page).not_to_have_url(LOGIN_URL)
    expect_lang(page, "th")
    if lang == "en":
        page.get_by_role("navigation", name=th("Language"), exact=True).get_by_role(
            "link", name="English", exact=True).click()
    expect_lang(page, lang)
