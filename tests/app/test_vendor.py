"""The vendored front-end files match plc/static/vendor/MANIFEST.json (no network).

Refresh or upgrade them with scripts/vendor.sh (see its header).
"""

import hashlib
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "plc" / "static" / "vendor"
MANIFEST = VENDOR / "MANIFEST.json"


@pytest.fixture(scope="module")
def files() -> dict:
    data = json.loads(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(data.get("files"), dict) and data["files"]
    return data["files"]


def _versions(files: dict, package: str) -> set[str]:
    return {f["version"] for f in files.values() if f["package"] == package}


def test_manifest_entries_are_complete(files):
    for name, entry in files.items():
        for key in ("package", "version", "source", "sha256", "license"):
            assert entry.get(key), f"{name}: missing {key}"


def test_listed_files_exist_and_match_sha256(files):
    for name, entry in files.items():
        path = VENDOR / name
        assert path.is_file(), f"{name} listed in MANIFEST.json but missing"
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert digest == entry["sha256"], f"{name}: sha256 mismatch"


def test_no_unlisted_files(files):
    # names are paths relative to vendor/ (the fonts sit in vendor/fonts/)
    present = {p.relative_to(VENDOR).as_posix() for p in VENDOR.rglob("*") if p.is_file()} - {"MANIFEST.json"}
    assert present - set(files) == set(), "files in vendor/ not listed in MANIFEST.json"


def test_expected_libraries_are_vendored(files):
    for name in ("htmx.min.js", "socket.io.min.js", "chart.umd.min.js"):
        assert name in files


def test_socketio_client_is_4_8(files):
    versions = _versions(files, "socket.io-client")
    assert versions and all(v.startswith("4.8.") for v in versions), versions


def test_htmx_is_major_2(files):
    versions = _versions(files, "htmx.org")
    assert versions and all(v.split(".")[0] == "2" for v in versions), versions
