"""No lock-in, tried in a real browser as a new user would (issue 12), in Thai:

1. The demo teacher of school A opens “My PLC hours”, follows the link to the evidence pack, picks a
   semester from the list, checks the preview and downloads the pack: a ZIP whose PDF, read back
   with pypdf, holds her name, her school and the circles of the preview in Thai, with the Buddhist
   Era year of the semester, and the PLC hours as CSV.
2. The demo director of school A opens the school's page, follows “Export this school's data”,
   finds the school already chosen, asks for the export and waits on the page: exports.js polls the
   job and reloads the page when it is ready, the download link appears, and the archive holds
   school A and no password, nobody of school C, and of school B's teacher, whom school A's rows
   name, only the name (school B's name appears only where the network's own description names
   its member schools).

Expected UI text comes from the compiled catalogues through ``th()``. No page of the journey may
break the Content Security Policy.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import pypdf
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browsing import demo, demo_person, flash, h1, log_in, path_of
from tests.e2e.ui_text import th

pytestmark = pytest.mark.browser

TEACHER = "teacher@example.org"  # school A
DIRECTOR = "director@example.org"  # school A
OTHER_TEACHER = "teacher2@example.org"  # school B
OUTSIDER = "outsider@example.org"  # school C
TIMEOUT = 30_000  # ms: the export is built in the background while other tests may use the CPU


def school_name(key: str) -> str:
    return next(s for s in demo("demo.yaml")["schools"] if s["key"] == key)["name_th"]


def download(page: Page, link) -> tuple[str, bytes]:
    with page.expect_download(timeout=TIMEOUT) as info:
        link.click()
    data = Path(info.value.path()).read_bytes()
    return info.value.suggested_filename, data


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF"), data[:10]
    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_the_teacher_downloads_her_evidence_pack_and_it_reads_in_thai(fresh_page, csp):
    page = fresh_page()
    log_in(page, TEACHER)
    page.get_by_role("link", name=th("My PLC hours"), exact=True).first.click()
    page.get_by_role("link", name=th("Evidence pack for the performance agreement (วPA): PDF and ZIP"),
                     exact=True).click()
    heading = th("Evidence for the performance agreement (วPA)")
    expect(h1(page, heading)).to_be_visible()
    assert path_of(page) == "/evidence"

    # The semesters and fiscal years with work in them; the latest semester that has circles.
    period = page.get_by_label(th("Semester or fiscal year"), exact=True)
    options = period.locator("option")
    expect(options.first).to_be_attached()
    chosen = None
    for value in options.evaluate_all("els => els.map(e => e.value)"):
        period.select_option(value)
        page.get_by_role("button", name=th("Show"), exact=True).click()
        if "/" in value and page.get_by_role("heading", name=th("PLC hours by circle"), exact=True).count():
            chosen = value
            break
    assert chosen, "no semester of the demo teacher has PLC hours"
    summary = page.get_by_role("region", name=re.compile(re.escape(chosen.split("/")[1])))
    expect(summary).to_be_visible()
    hours_table = page.get_by_role("region", name=th("PLC hours by circle"), exact=True)
    circles = [text.strip() for text in hours_table.locator("tbody th").all_inner_texts()]
    assert circles

    filename, data = download(page, page.get_by_role("link", name=th("Download the evidence pack"), exact=True))
    assert filename.endswith(f"-{chosen.replace('/', '-')}.zip"), filename
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert {"evidence.pdf", "plc-hours.csv"} <= set(archive.namelist())
    text = pdf_text(archive.read("evidence.pdf"))
    person = demo_person(TEACHER)
    assert person["name_th"] in text and school_name("A") in text
    assert heading in text
    assert chosen.split("/")[1] in text  # the semester's Buddhist Era year, e.g. 2569
    squeezed = re.sub(r"\s+", "", text)
    for circle in circles:
        assert re.sub(r"\s+", "", circle) in squeezed, circle
    hours = list(csv.reader(io.StringIO(archive.read("plc-hours.csv").decode("utf-8-sig"))))
    assert len(hours) > 1 and any(circles[0] in cell for row in hours for cell in row)
    csp.assert_clean()


def test_the_director_exports_school_a_and_the_archive_holds_nothing_of_school_b(fresh_page, live_server, csp):
    school_a = school_name("A")
    page = fresh_page()
    log_in(page, DIRECTOR)
    page.goto(f"/schools/{live_server.school_id(school_a)}")
    page.get_by_role("link", name=th("Export this school's data"), exact=True).click()
    expect(h1(page, th("Export data"))).to_be_visible()
    scope = page.get_by_label(th("What to export"), exact=True)
    expect(scope.locator("option:checked")).to_have_text(f"{th('School')}: {school_a}")
    expect(scope.locator("option")).to_have_count(1)  # a director exports their own school only

    page.get_by_role("button", name=th("Prepare the export"), exact=True).click()
    expect(flash(page, th("The export is being prepared. This page shows its progress; the download link "
                          "appears here when it is ready."))).to_be_visible()
    jobs = page.get_by_role("region", name=th("My exports"), exact=True)
    row = jobs.locator("tbody tr").first
    expect(row.get_by_role("rowheader")).to_have_text(f"{th('School')}: {school_a}")
    link = row.get_by_role("link", name=th("Download the archive"), exact=True)
    expect(link).to_be_visible(timeout=TIMEOUT)  # exports.js reloaded the page once the job was done
    expect(row).to_contain_text(th("Ready"))

    filename, data = download(page, link)
    assert re.fullmatch(rf"plc-export-school-{live_server.school_id(school_a)}-\d{{4}}-\d\d-\d\d\.zip", filename)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        schools = [json.loads(line) for line in archive.read("tables/school.jsonl").splitlines()]
        memberships = [json.loads(line) for line in archive.read("tables/membership.jsonl").splitlines()]
        users = [json.loads(line) for line in archive.read("tables/user.jsonl").splitlines()]
        everything = b"".join(archive.read(name) for name in archive.namelist()).decode("utf-8")
    a_id = live_server.school_id(school_a)
    assert manifest["scope"]["kind"] == "school" and manifest["scope"]["id"] == a_id
    assert [s["name_th"] for s in schools] == [school_a]
    assert {m["school_id"] for m in memberships} <= {a_id, None}
    assert demo_person(TEACHER)["email"] in {user["email"] for user in users}
    assert all(user["password_hash"] is None for user in users)  # a browser export holds no passwords
    outsider = demo_person(OUTSIDER)  # school C's teacher: not there at all
    assert outsider["email"] not in everything and outsider["name_th"] not in everything
    # School B's teacher worked with school A in the network, so school A's rows name them: their
    # name stays (school A's pages show it), their address and everything else of theirs does not.
    other = demo_person(OTHER_TEACHER)
    assert other["email"] not in everything
    [named] = [user for user in users if user["name_th"] == other["name_th"]]
    assert named["email"].endswith("@outside-scope.invalid") and named["position_th"] is None
    assert manifest["people"]["outside_scope"] >= 1
    csp.assert_clean()
