"""`flask export` / `flask import`: the platform, one network or one school, as one versioned archive.

An archive is a ZIP file:

    manifest.json            format version, the database's Alembic revision, when, the scope, per table
                             its row count and the SHA-256 of its file, per attachment file its SHA-256
                             and size, and what differs between two exports of the same data
    tables/<table>.jsonl     one JSON object per row, columns by name, in primary-key order
    files/<stored name>      the attachment files (UPLOAD_DIR)

The code is generic over ``db.metadata.sorted_tables``: a new table is exported and imported without a
change here. Values are written losslessly: datetimes as ISO 8601 with their offset, dates ISO, bytes
base64, decimals as strings, JSON columns as JSON.

Primary keys are kept as they are, so every link (foreign keys and the few soft links: a plan's
``forked_from_id``, a search document's object, an audit event's target) survives an import into an
empty database; on PostgreSQL the sequences are moved past the imported ids afterwards.

Import validates the whole archive before it changes anything (format, revision, checksums, columns,
files), refuses a database that holds any application row, inserts every table in one transaction,
and writes the files only after that transaction committed, never over an existing file.

A scoped archive (``scope=("school", id)`` or ``("network", key)``) holds what belongs to that school
or network: see ``_ScopeSelector``.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import time as clock
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path

from flask import current_app
from sqlalchemy import JSON, Table, TypeDecorator, func, inspect, select, text
from sqlalchemy.engine import Connection

from plc.extensions import db

FORMAT = "plc-archive"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"

# Not exported, ever:
# - login_session and api_token are the credentials of live browser sessions and API clients. They
#   are bound to the old deployment (its cookies and SECRET_KEY), are renewed by their owners at no
#   loss, and an archive that leaks must not carry anything that lets someone in as somebody else:
#   moving a database logs everybody out, as a restore should.
# - email_message is the mail outbox: delivery state of the old deployment whose bodies carry
#   invitation links (bearer secrets) in clear text; sending it again from a copy would mail people twice.
# - export_job is the old deployment's record of browser exports (plc/services/archive_jobs.py): its
#   files stay behind, and a job copied while running would block its requester's next export.
# - alembic_version is the schema's, not the data's: the manifest records it instead.
EXCLUDED_TABLES = frozenset({"alembic_version", "login_session", "api_token", "email_message", "export_job"})

# Tables that every scope shares whole: the reference data of the country, the same everywhere.
GLOBAL_TABLES = frozenset({"region", "province", "area_office", "area_office_province", "affiliation",
                           "focus_area"})

# Soft links (no foreign key in the schema) that a scoped archive must keep consistent.
SOFT_LINKS = {("lesson_plan", "forked_from_id"): "lesson_plan_revision"}

# A person from outside a school's or network's scope whom one of its rows names (a comment, a guest,
# a visit) keeps only what the scope's own pages show of them; every other column of theirs is emptied
# and the address, which must be there and be unique, is a placeholder that can receive nothing.
OUTSIDER_KEPT = frozenset({"id", "name_th", "name_en", "title_th", "locale", "thai_digits", "created_at",
                           "disabled_at"})
OUTSIDER_DOMAIN = "outside-scope.invalid"
CREDENTIAL_COLUMNS = frozenset({"password_hash"})
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed entry times: two exports of the same data are the same bytes
_BATCH = 1000

Progress = Callable[[str, int], contextlib.AbstractContextManager]


class ArchiveError(Exception):
    """The archive cannot be written or read, or is refused; the message says why, for a person."""


# ---------------------------------------------------------------------------- values


def _kind_of(column) -> str:
    type_ = column.type
    if isinstance(type_, TypeDecorator):  # UTCDateTime: the kind of what it stores
        type_ = type_.impl_instance
    if isinstance(type_, JSON):
        return "json"
    try:
        python_type = type_.python_type
    except NotImplementedError:
        return "plain"
    if python_type is datetime:
        return "datetime"
    if python_type is date:
        return "date"
    if python_type is time:
        return "time"
    if python_type is bytes:
        return "bytes"
    if python_type is Decimal:
        return "decimal"
    return "plain"


def _encode(kind: str, value):
    if value is None:
        return None
    if kind == "datetime":
        if value.tzinfo is None:  # a plain DateTime column: kept as it is, without an offset
            return value.isoformat()
        return value.astimezone(UTC).isoformat()
    if kind in ("date", "time"):
        return value.isoformat()
    if kind == "bytes":
        return base64.b64encode(bytes(value)).decode("ascii")
    if kind == "decimal":
        return str(value)
    return value


def _decode(kind: str, value):
    if value is None:
        return None
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "time":
        return time.fromisoformat(value)
    if kind == "bytes":
        return base64.b64decode(value)
    if kind == "decimal":
        return Decimal(value)
    return value


def _line(row: dict) -> bytes:
    return (json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=True)
            + "\n").encode("utf-8")


# ---------------------------------------------------------------------------- the database


def database_revision(connection: Connection) -> str:
    """The Alembic revision the database is at (heads joined by '+'), from its alembic_version table."""
    if not inspect(connection).has_table("alembic_version"):
        raise ArchiveError("This database has no schema revision (no alembic_version table): "
                           "run `flask db upgrade` first.")
    revisions = sorted(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
    if not revisions:
        raise ArchiveError("This database has no schema revision: run `flask db upgrade` first.")
    return "+".join(revisions)


def archived_tables(connection: Connection) -> list[Table]:
    """The application's tables in dependency order (parents first), those this database has."""
    present = set(inspect(connection).get_table_names())
    return [table for table in db.metadata.sorted_tables
            if table.name not in EXCLUDED_TABLES and table.name in present]


def _pk_names(table: Table) -> list[str]:
    return [column.name for column in table.primary_key.columns]


def _sort_key(pk: list[str]):
    # In Python, not ORDER BY: a text key sorts the same on SQLite and PostgreSQL whatever the collation.
    def key(row: dict):
        return tuple((0, value, "") if isinstance(value, int | float) else (1, 0, str(value))
                     for value in (row[name] for name in pk))
    return key


def _read_rows(connection: Connection, table: Table) -> list[dict]:
    kinds = {column.name: _kind_of(column) for column in table.columns}
    rows = []
    for number, row in enumerate(connection.execute(select(table)), start=1):
        rows.append({name: _encode(kinds[name], value) for name, value in row._mapping.items()})
        if number % _BATCH == 0:
            clock.sleep(0)  # as in export_archive: a big table does not hold a gevent worker
    rows.sort(key=_sort_key(_pk_names(table)))
    return rows


def _row_id(table: Table, row: dict):
    pk = _pk_names(table)
    return row[pk[0]] if len(pk) == 1 else tuple(row[name] for name in pk)


# ---------------------------------------------------------------------------- scope


def _class_table_names() -> dict[str, str]:
    """``lessonplan`` → ``lesson_plan``: how the audit trail names the type of its target."""
    names = {}
    for mapper in db.Model.registry.mappers:
        table = getattr(mapper.class_, "__table__", None)
        if table is not None:
            names[mapper.class_.__name__.lower()] = table.name
    return names


class _ScopeSelector:
    """Which rows belong to one school or one network.

    1. The roots: the school, or the network and its schools. A school's networks come along as
       context (their rows only, nothing of theirs), so its pages can name them.
    2. Everything owned by a row already selected, followed down the foreign keys: a row belongs
       when one of its *owning* foreign keys points at a selected row. An owning key is one to a school
       or a network, or one that cascades on delete or may not be empty; never one to a user (people are
       shared), to the reference tables (shared by everyone) or to the context rows. Innovations of the
       library (no owner) are shared like reference data, with their versions and steps.
    3. Links out of the scope are settled until nothing changes: an optional link to a row outside is
       emptied (counted in the manifest as ``links_cut``), a row whose required link points outside is
       left out (it is another school's or network's).
    4. People: everyone with a membership in the scope (those memberships only), and everyone a selected
       row names (their account row only, reduced to their name: ``OUTSIDER_KEPT``). Tables that only
       belong to people (notifications, coaching syntheses, preferences) keep the rows of the scope's
       members. Audit events go with their target (an account: a member's only).
    5. Search documents go with the record they index.
    """

    def __init__(self, connection: Connection, tables: list[Table], scope: tuple[str, object]):
        self.connection = connection
        self.tables = {table.name: table for table in tables}
        self.rows = {table.name: {_row_id(table, row): row for row in _read_rows(connection, table)}
                     for table in tables}
        self.kind, self.key = scope
        self.selected: dict[str, set] = {name: set() for name in self.tables}
        self.context: set[tuple[str, object]] = set()
        self.links_cut: dict[str, int] = {}
        self.described: dict = {}

    def _fk_columns(self, table: Table):
        for fk in table.foreign_keys:
            yield fk.parent, fk.column.table.name, fk.column.name

    def _owning(self, column, parent: str) -> bool:
        if parent == "user" or parent in GLOBAL_TABLES:
            return False
        if parent in ("school", "network"):
            return True
        ondelete = next(iter(column.foreign_keys)).ondelete
        return (ondelete or "").upper() == "CASCADE" or not column.nullable

    def select(self) -> dict[str, list[dict]]:
        self._roots()
        self._follow()
        self._settle()
        self._soft_links()
        self._settle()  # a search document may point at a school outside
        self._people()
        self._user_tables()
        out = {}
        for name, table in self.tables.items():
            chosen = self.selected[name] | {key for (t, key) in self.context if t == name}
            rows = [row for key, row in self.rows[name].items() if key in chosen]
            rows.sort(key=_sort_key(_pk_names(table)))
            out[name] = rows
        return out

    def _roots(self) -> None:
        for name in GLOBAL_TABLES & set(self.tables):
            self.selected[name] = set(self.rows[name])
        network_school = self.rows.get("network_school", {}).values()
        if self.kind == "school":
            school = self.rows["school"].get(self.key)
            if school is None:
                raise ArchiveError(f"There is no school with id {self.key}.")
            self.selected["school"].add(self.key)
            for link in network_school:
                if link["school_id"] == self.key:
                    self.context.add(("network", link["network_id"]))
            self.described = {"kind": "school", "id": self.key, "name_th": school["name_th"]}
        else:
            network = next((row for row in self.rows["network"].values() if row["key"] == self.key), None)
            if network is None:
                raise ArchiveError(f"There is no network with the key {self.key!r}.")
            self.selected["network"].add(network["id"])
            for link in network_school:
                if link["network_id"] == network["id"]:
                    self.selected["school"].add(link["school_id"])
            self.described = {"kind": "network", "id": network["id"], "key": self.key,
                              "name_th": network["name_th"]}
        if "innovation" in self.tables:
            self.selected["innovation"] |= {key for key, row in self.rows["innovation"].items()
                                            if row.get("owner_school_id") is None
                                            and row.get("owner_network_id") is None}

    def _follow(self) -> None:
        changed = True
        while changed:
            changed = False
            for name, table in self.tables.items():
                if name in GLOBAL_TABLES or name == "user":
                    continue
                owning = [(column.name, parent) for column, parent, _ in self._fk_columns(table)
                          if parent in self.tables and self._owning(column, parent)]
                if not owning:
                    continue
                chosen = self.selected[name]
                for key, row in self.rows[name].items():
                    if key in chosen:
                        continue
                    if any(row[column] is not None and row[column] in self.selected[parent]
                           for column, parent in owning):
                        chosen.add(key)
                        changed = True

    def _present(self, parent: str, value) -> bool:
        return value in self.selected[parent] or (parent, value) in self.context

    def _cut(self, name: str, key, column: str) -> None:
        self.rows[name][key] = {**self.rows[name][key], column: None}
        label = f"{name}.{column}"
        self.links_cut[label] = self.links_cut.get(label, 0) + 1

    def _settle(self) -> None:
        changed = True
        while changed:
            changed = False
            for name, table in self.tables.items():
                links = [(column, parent) for column, parent, _ in self._fk_columns(table)
                         if parent != "user" and parent in self.tables]
                for key in list(self.selected[name]):
                    row = self.rows[name][key]
                    for column, parent in links:
                        value = row[column.name]
                        if value is None or self._present(parent, value):
                            continue
                        if column.nullable:
                            self._cut(name, key, column.name)
                            row = self.rows[name][key]
                        else:
                            self.selected[name].discard(key)
                            changed = True
                            break

    def _people(self) -> None:
        members = {self.rows["membership"][key]["user_id"] for key in self.selected.get("membership", ())}
        self.members = members
        named = set(members)
        for name, table in self.tables.items():
            user_columns = [column.name for column, parent, _ in self._fk_columns(table) if parent == "user"]
            for key in self.selected[name]:
                row = self.rows[name][key]
                named |= {row[column] for column in user_columns if row[column] is not None}
        self.selected["user"] = named & set(self.rows["user"])
        outsiders = self.selected["user"] - members
        for user_id in outsiders:
            self.rows["user"][user_id] = _outsider(self.rows["user"][user_id])
        self.outsiders = len(outsiders)

    def _user_tables(self) -> None:
        target_tables = _class_table_names()
        for name, table in self.tables.items():
            if name == "audit_event":
                for key, row in self.rows[name].items():
                    target = target_tables.get(row["target_type"] or "")
                    if target == "user":  # what happened to an outsider's account is theirs, not the scope's
                        belongs = row["target_id"] in self.members
                    elif target in self.tables:
                        belongs = row["target_id"] in self.selected[target]
                    else:
                        belongs = row["actor_id"] in self.members
                    if belongs:
                        self.selected[name].add(key)
                        if row["actor_id"] is not None and row["actor_id"] not in self.selected["user"]:
                            self._cut(name, key, "actor_id")
                continue
            fks = list(self._fk_columns(table))
            if not fks or any(parent != "user" for _, parent, _ in fks) or name == "user":
                continue
            required = [column for column, _, _ in fks if not column.nullable or
                        (next(iter(column.foreign_keys)).ondelete or "").upper() == "CASCADE"]
            optional = [column for column, _, _ in fks if column not in required]
            for key, row in self.rows[name].items():
                if required and all(row[column.name] in self.members for column in required):
                    self.selected[name].add(key)
                    for column in optional:
                        if row[column.name] is not None and row[column.name] not in self.selected["user"]:
                            self._cut(name, key, column.name)

    def _soft_links(self) -> None:
        for (name, column), target in SOFT_LINKS.items():
            if name not in self.tables or target not in self.tables:
                continue
            for key in self.selected[name]:
                value = self.rows[name][key][column]
                if value is not None and value not in self.selected[target]:
                    self._cut(name, key, column)
        if "search_document" in self.tables:
            self.selected["search_document"] = {
                key for key, row in self.rows["search_document"].items()
                if row["kind"] in self.tables and row["object_id"] in self.selected[row["kind"]]}


def _outsider(row: dict) -> dict:
    reduced = {name: (value if name in OUTSIDER_KEPT else None) for name, value in row.items()}
    reduced["email"] = f"person-{row['id']}@{OUTSIDER_DOMAIN}"
    return reduced


def _without_credentials(row: dict) -> dict:
    return {name: (None if name in CREDENTIAL_COLUMNS else value) for name, value in row.items()}


# ---------------------------------------------------------------------------- export


@contextlib.contextmanager
def _phase(progress: Progress | None, label: str, total: int) -> Iterator[Callable[[int], None]]:
    if progress is None:
        yield lambda _n: None
        return
    with progress(label, total) as bar:
        yield bar.update


def _upload_dir() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_entry(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def export_archive(path, *, scope: tuple[str, object] | None = None, progress: Progress | None = None,
                   credentials: bool = True) -> dict:
    """Write the archive to ``path`` and return its manifest.

    ``scope``: None (the whole platform), ``("school", id)`` or ``("network", key)``. ``progress(label,
    total)`` is a context manager whose value has ``update(n)`` (``click.progressbar`` is one).
    ``credentials=False`` leaves the password hashes out (the browser exports): after an import those
    people set a password again, from an invitation.
    """
    path = Path(path)
    db.session.rollback()  # read what is committed, in a transaction of our own
    with db.engine.connect() as connection, connection.begin():
        revision = database_revision(connection)
        tables = archived_tables(connection)
        links_cut: dict[str, int] = {}
        outsiders = 0
        if scope is None:
            described = {"kind": "platform"}
            rows_of = None
        else:
            kind, key = scope
            if kind not in ("school", "network"):
                raise ArchiveError(f"Unknown scope {kind!r}: use a school or a network.")
            selector = _ScopeSelector(connection, tables, (kind, key))
            rows_of = selector.select()
            described = selector.described
            links_cut = selector.links_cut
            outsiders = selector.outsiders

        counts = {table.name: (len(rows_of[table.name]) if rows_of is not None else
                               connection.scalar(select(func.count()).select_from(table)))
                  for table in tables}
        if "attachment" not in counts:
            attachment_rows = []
        elif rows_of is not None:
            attachment_rows = rows_of["attachment"]
        else:
            attachment_rows = _read_rows(connection, tables_by_name(tables)["attachment"])
        upload_dir = _upload_dir()
        missing = [row["stored_name"] for row in attachment_rows
                   if not _SAFE_NAME.match(row["stored_name"] or "") or not (upload_dir / row["stored_name"]).is_file()]
        if missing:
            raise ArchiveError(f"{len(missing)} attachment file(s) are missing from {upload_dir} "
                               f"(first: {missing[0]}); the archive would not be complete.")

        manifest_tables: dict[str, dict] = {}
        manifest_files: dict[str, dict] = {}
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        try:
            with zipfile.ZipFile(partial, "w", allowZip64=True) as archive, \
                    _phase(progress, "Exporting", sum(counts.values()) + len(attachment_rows)) as advance:
                for table in tables:
                    rows = rows_of[table.name] if rows_of is not None else _read_rows(connection, table)
                    if table.name == "user" and not credentials:
                        rows = [_without_credentials(row) for row in rows]
                    buffer = io.BytesIO()
                    for start in range(0, len(rows), _BATCH):
                        chunk = rows[start:start + _BATCH]
                        for row in chunk:
                            buffer.write(_line(row))
                        advance(len(chunk))
                        clock.sleep(0)  # under gevent, lets the worker's other requests run between batches
                    data = buffer.getvalue()
                    _write_entry(archive, f"tables/{table.name}.jsonl", data)
                    manifest_tables[table.name] = {"rows": len(rows), "sha256": hashlib.sha256(data).hexdigest(),
                                                   "columns": [column.name for column in table.columns]}
                for row in attachment_rows:
                    source = upload_dir / row["stored_name"]
                    info = zipfile.ZipInfo(f"files/{row['stored_name']}", date_time=_ZIP_TIME)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    with source.open("rb") as reader, archive.open(info, "w", force_zip64=True) as writer:
                        shutil.copyfileobj(reader, writer, 1 << 20)
                    manifest_files[row["stored_name"]] = {"sha256": _sha256_file(source),
                                                          "size": source.stat().st_size}
                    advance(1)
                    clock.sleep(0)
                manifest = {
                    "format": FORMAT,
                    "format_version": FORMAT_VERSION,
                    "schema_revision": revision,
                    "created_at": datetime.now(UTC).isoformat(),
                    "source_dialect": connection.dialect.name,
                    "scope": described,
                    "ids": "kept: every primary key is the source's, so every link holds as it was",
                    "excluded_tables": sorted(EXCLUDED_TABLES - {"alembic_version"}),
                    "links_cut": dict(sorted(links_cut.items())),
                    "people": {
                        "credentials": "kept" if credentials else "left out: everyone sets a password again",
                        "outside_scope": outsiders,
                        "outside_scope_kept": sorted(OUTSIDER_KEPT),
                        "note": "People outside the scope whom its rows name keep only their name; their "
                                f"address is a placeholder at {OUTSIDER_DOMAIN}.",
                    },
                    "varies_between_exports": {
                        "manifest": ["created_at", "source_dialect"],
                        "tables": {},
                        "note": "Two exports of the same data differ only in these manifest keys; every "
                                "table file and every attachment file is the same, byte for byte.",
                    },
                    "tables": manifest_tables,
                    "files": manifest_files,
                }
                _write_entry(archive, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2,
                                                           sort_keys=True).encode("utf-8"))
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
    return manifest


def tables_by_name(tables: Iterable[Table]) -> dict[str, Table]:
    return {table.name: table for table in tables}


# ---------------------------------------------------------------------------- import


def read_manifest(archive: zipfile.ZipFile) -> dict:
    try:
        manifest = json.loads(archive.read(MANIFEST).decode("utf-8"))
    except KeyError:
        raise ArchiveError("This is not a PLC archive: it has no manifest.json.") from None
    except (UnicodeDecodeError, json.JSONDecodeError, zipfile.BadZipFile, OSError) as error:
        raise ArchiveError(f"The archive's manifest.json is damaged ({error}).") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveError("This is not a PLC archive: its manifest does not say format 'plc-archive'.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ArchiveError(f"This archive is of format version {manifest.get('format_version')!r}; this "
                           f"version of the platform reads version {FORMAT_VERSION}.")
    for key in ("schema_revision", "tables", "files"):
        if key not in manifest:
            raise ArchiveError(f"The archive's manifest has no {key!r}.")
    return manifest


def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except FileNotFoundError:
        raise ArchiveError(f"There is no file {path}.") from None
    except (zipfile.BadZipFile, OSError) as error:
        raise ArchiveError(f"{path} is not a readable archive ({error}).") from None


def _read_entry(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        return archive.read(name)
    except KeyError:
        raise ArchiveError(f"The archive is incomplete: {name} is missing.") from None
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as error:  # a CRC error says the bytes changed
        raise ArchiveError(f"The archive is damaged: {name} cannot be read ({error}).") from None


def _table_rows(archive: zipfile.ZipFile, name: str) -> Iterator[dict]:
    data = _read_entry(archive, f"tables/{name}.jsonl")
    for number, line in enumerate(data.decode("utf-8").splitlines(), start=1):
        if line:
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise ArchiveError(f"The archive is damaged: tables/{name}.jsonl line {number} is not JSON "
                                   f"({error}).") from None
            if not isinstance(row, dict):
                raise ArchiveError(f"The archive is damaged: tables/{name}.jsonl line {number} is not a row.")
            yield row


def validate_archive(path, connection: Connection, progress: Progress | None = None) -> dict:
    """Everything that can be checked before a row is written; returns the manifest or raises ArchiveError."""
    archive = _open_zip(Path(path))
    with archive:
        manifest = read_manifest(archive)
        current = database_revision(connection)
        if manifest["schema_revision"] != current:
            raise ArchiveError(
                f"This archive is of schema revision {manifest['schema_revision']}; this database is at "
                f"{current}. Upgrade both to the same revision (`flask db upgrade` on the older one; for an "
                f"older archive, import it into a database at its revision, upgrade, and export again).")
        tables = tables_by_name(archived_tables(connection))
        unknown = sorted(set(manifest["tables"]) - set(tables))
        if unknown:
            raise ArchiveError(f"The archive holds tables this database does not have: {', '.join(unknown)}.")
        names = set(archive.namelist())
        expected = ({MANIFEST} | {f"tables/{name}.jsonl" for name in manifest["tables"]}
                    | {f"files/{name}" for name in manifest["files"]})
        extra = sorted(names - expected)
        if extra:
            raise ArchiveError(f"The archive holds entries its manifest does not list: {', '.join(extra[:5])}.")
        total = sum(entry.get("rows", 0) for entry in manifest["tables"].values()) + len(manifest["files"])
        with _phase(progress, "Checking", total) as advance:
            for name, entry in manifest["tables"].items():
                data = _read_entry(archive, f"tables/{name}.jsonl")
                if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
                    raise ArchiveError(f"The archive is damaged: tables/{name}.jsonl does not match its "
                                       f"checksum in the manifest.")
                columns = {column.name for column in tables[name].columns}
                count = 0
                for row in _table_rows(archive, name):
                    count += 1
                    if set(row) != columns:
                        strange = sorted(set(row) - columns)
                        lacking = sorted(columns - set(row))
                        raise ArchiveError(f"tables/{name}.jsonl row {count} does not fit the table: "
                                           f"unknown columns {strange}, missing columns {lacking}.")
                if count != entry.get("rows"):
                    raise ArchiveError(f"The archive is damaged: tables/{name}.jsonl has {count} rows, its "
                                       f"manifest says {entry.get('rows')}.")
                advance(count)
            stored_names = set()
            if "attachment" in manifest["tables"]:
                for row in _table_rows(archive, "attachment"):
                    stored_names.add(row["stored_name"])
                    file_entry = manifest["files"].get(row["stored_name"])
                    if file_entry is None:
                        raise ArchiveError(f"The archive is incomplete: the file of attachment {row['id']} "
                                           f"({row['stored_name']}) is not in it.")
                    if row.get("sha256") and row["sha256"] != file_entry.get("sha256"):
                        raise ArchiveError(f"The archive is damaged: attachment {row['id']}'s checksum differs "
                                           f"from its file's.")
            for name, entry in manifest["files"].items():
                if not _SAFE_NAME.match(name):
                    raise ArchiveError(f"The archive holds a file with an unsafe name: {name!r}.")
                if name not in stored_names:
                    raise ArchiveError(f"The archive holds a file no attachment names: {name}.")
                digest = hashlib.sha256()
                size = 0
                try:
                    with archive.open(f"files/{name}") as reader:
                        for block in iter(lambda r=reader: r.read(1 << 20), b""):
                            digest.update(block)
                            size += len(block)
                except KeyError:
                    raise ArchiveError(f"The archive is incomplete: files/{name} is missing.") from None
                except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as error:
                    raise ArchiveError(f"The archive is damaged: files/{name} cannot be read ({error}).") from None
                if digest.hexdigest() != entry.get("sha256") or size != entry.get("size"):
                    raise ArchiveError(f"The archive is damaged: files/{name} does not match its checksum "
                                       f"in the manifest.")
                advance(1)
    return manifest


def _nonempty_tables(connection: Connection) -> list[str]:
    present = set(inspect(connection).get_table_names())
    return [table.name for table in db.metadata.sorted_tables
            if table.name in present
            and connection.execute(select(table).limit(1)).first() is not None]


def _parents_first(table: Table, rows: list[dict]) -> list[dict]:
    """Rows of a table that points at itself (a goal's parent, a comment's reply), each after its parent."""
    own = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
    if not own:
        return rows
    pk = _pk_names(table)[0]
    by_id = {row[pk]: row for row in rows}
    done: set = set()
    ordered: list[dict] = []
    for start in rows:
        stack = [start]
        while stack:
            row = stack[-1]
            if row[pk] in done:
                stack.pop()
                continue
            waiting = [by_id[row[c]] for c in own
                       if row[c] is not None and row[c] in by_id and row[c] not in done and row[c] != row[pk]]
            waiting = [parent for parent in waiting if parent not in stack]
            if waiting:
                stack.extend(waiting)
                continue
            done.add(row[pk])
            ordered.append(row)
            stack.pop()
    return ordered


def _reset_sequences(connection: Connection, tables: list[Table]) -> None:
    if connection.dialect.name != "postgresql":
        return  # SQLite continues after the largest rowid by itself
    preparer = connection.dialect.identifier_preparer
    for table in tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or _kind_of(pk[0]) != "plain" or pk[0].type.python_type is not int:
            continue
        quoted = preparer.quote(table.name)
        column = pk[0].name
        sequence = connection.scalar(text("SELECT pg_get_serial_sequence(:table, :column)"),
                                     {"table": quoted, "column": column})
        if sequence is None:
            continue
        connection.execute(text(f"SELECT setval(:sequence, COALESCE((SELECT MAX({preparer.quote(column)}) "  # noqa: S608 - quoted identifiers of our own tables
                                f"FROM {quoted}), 0) + 1, false)"), {"sequence": sequence})


def import_archive(path, *, progress: Progress | None = None) -> dict:
    """Load an archive into this (empty) database and its upload folder; returns the manifest.

    Refuses (ArchiveError, nothing changed) an archive of another schema revision, a damaged or incomplete
    one, and a database or upload folder that already holds what the archive would add."""
    path = Path(path)
    db.session.rollback()
    upload_dir = _upload_dir()
    staging: Path | None = None
    with db.engine.connect() as connection:
        with connection.begin():
            manifest = validate_archive(path, connection, progress)
            busy = _nonempty_tables(connection)
            tables = tables_by_name(archived_tables(connection))
        if busy:
            raise ArchiveError(f"Conflict: this database is not empty (it has rows in {', '.join(busy[:5])}"
                               f"{' …' if len(busy) > 5 else ''}). Import only into a new, empty database "
                               f"(`flask db upgrade` on an empty one).")
        taken = [name for name in manifest["files"] if (upload_dir / name).exists()]
        if taken:
            raise ArchiveError(f"Conflict: the upload folder {upload_dir} already has a file named {taken[0]}"
                               f"{f' (and {len(taken) - 1} more)' if len(taken) > 1 else ''}; nothing was imported.")
        archive = _open_zip(path)
        try:
            with archive:
                if manifest["files"]:
                    upload_dir.mkdir(parents=True, exist_ok=True)
                    staging = Path(tempfile.mkdtemp(prefix=".import-", dir=upload_dir))
                    for name in manifest["files"]:
                        with archive.open(f"files/{name}") as reader, (staging / name).open("xb") as writer:
                            shutil.copyfileobj(reader, writer, 1 << 20)
                order = [table for table in tables.values() if table.name in manifest["tables"]]
                total = sum(manifest["tables"][table.name]["rows"] for table in order)
                with _phase(progress, "Importing", total) as advance, connection.begin():
                    busy = _nonempty_tables(connection)  # again, inside the transaction that writes
                    if busy:
                        raise ArchiveError(f"Conflict: this database is not empty (it has rows in "
                                           f"{', '.join(busy[:5])}).")
                    for table in order:
                        kinds = {column.name: _kind_of(column) for column in table.columns}
                        rows = [{name: _decode(kinds[name], value) for name, value in row.items()}
                                for row in _table_rows(archive, table.name)]
                        rows = _parents_first(table, rows)
                        for start in range(0, len(rows), _BATCH):
                            batch = rows[start:start + _BATCH]
                            connection.execute(table.insert(), batch)
                            advance(len(batch))
                    _reset_sequences(connection, order)
                # Committed: now the files, each only where no file is.
                if staging is not None:
                    for name in manifest["files"]:
                        target = upload_dir / name
                        try:
                            os.link(staging / name, target)
                        except FileExistsError:
                            raise ArchiveError(f"The rows were imported, but the upload folder got a file named "
                                               f"{name} meanwhile; it was not overwritten. The archive's copy "
                                               f"is in {staging}.") from None
                        except OSError:  # no hard links here: copy, still never over a file
                            with (staging / name).open("rb") as reader, target.open("xb") as writer:
                                shutil.copyfileobj(reader, writer, 1 << 20)
                    shutil.rmtree(staging, ignore_errors=True)
                    staging = None
        finally:
            if staging is not None and staging.exists() and not any(
                    (upload_dir / name).exists() for name in manifest["files"]):
                shutil.rmtree(staging, ignore_errors=True)
    db.session.remove()
    return manifest
