from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


def length_of(column) -> int | None:
    """The declared limit of a column (``Circle.name``): limits are written once, on the column, and the
    services, forms and API schemas read them from there.

    A String column's limit is its size (``String(200)``). A Text column has no size in the database;
    it declares the limit people are held to in ``info``: ``mapped_column(Text, info={"max_length": 5000})``
    (no migration needed). None when the column declares neither.
    """
    col = column.property.columns[0] if hasattr(column, "property") else column
    length = getattr(col.type, "length", None)
    if length is not None:
        return length
    return col.info.get("max_length")


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
