"""The organisation: geography, area offices, affiliations, schools and networks (DOMAIN §2)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plc.extensions import db
from plc.models._types import UTCDateTime, utcnow

SCHOOL_LEVELS = ("pre_primary", "primary", "lower_secondary", "upper_secondary")
SCHOOL_SIZES = ("small", "medium", "large", "extra_large")
SCHOOL_FLAGS = ("remote", "quality", "hub", "model")
NETWORK_KINDS = ("area", "issue", "subject", "administrative")


class Region(db.Model):
    __tablename__ = "region"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_th: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))

    provinces: Mapped[list[Province]] = relationship(back_populates="region", order_by="Province.name_th")


class Province(db.Model):
    __tablename__ = "province"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name_th: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)

    region: Mapped[Region] = relationship(back_populates="provinces")


area_office_province = Table(
    "area_office_province",
    db.metadata,
    Column("area_office_id", ForeignKey("area_office.id", ondelete="CASCADE"), primary_key=True),
    Column("province_id", ForeignKey("province.id", ondelete="CASCADE"), primary_key=True),
)


class Affiliation(db.Model):
    __tablename__ = "affiliation"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    short_th: Mapped[str] = mapped_column(String(32))
    name_th: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))


class AreaOffice(db.Model):
    """สพป. (primary) or สพม. (secondary); a secondary office may cover several provinces."""

    __tablename__ = "area_office"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    name_th: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    area_number: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(String(40))

    provinces: Mapped[list[Province]] = relationship(secondary=area_office_province, order_by="Province.name_th")
    schools: Mapped[list[School]] = relationship(back_populates="area_office")


network_school = Table(
    "network_school",
    db.metadata,
    Column("network_id", ForeignKey("network.id", ondelete="CASCADE"), primary_key=True),
    # Asked by school on almost every page (which networks is this school in?): the key leads with network_id.
    Column("school_id", ForeignKey("school.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class School(db.Model):
    __tablename__ = "school"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_th: Mapped[str] = mapped_column(String(200), index=True)
    alt_name_th: Mapped[str | None] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    affiliation_id: Mapped[int | None] = mapped_column(ForeignKey("affiliation.id"), index=True)
    area_office_id: Mapped[int | None] = mapped_column(ForeignKey("area_office.id"), index=True)
    province_id: Mapped[int | None] = mapped_column(ForeignKey("province.id"), index=True)
    district_th: Mapped[str | None] = mapped_column(String(120))
    levels: Mapped[list[str]] = mapped_column(JSON, default=list)
    size: Mapped[str | None] = mapped_column(String(16))
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    affiliation: Mapped[Affiliation | None] = relationship()
    area_office: Mapped[AreaOffice | None] = relationship(back_populates="schools")
    province: Mapped[Province | None] = relationship()
    networks: Mapped[list[Network]] = relationship(
        secondary=network_school, back_populates="schools", order_by="Network.name_th"
    )

    def display_name(self, locale: str = "th") -> str:
        if locale == "en" and self.name_en:
            return self.name_en
        return self.name_th


class Network(db.Model):
    """เครือข่าย: a group of schools, e.g. one of TSQP's co-development networks."""

    __tablename__ = "network"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(String(40), unique=True)
    name_th: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(24), default="area")
    programme: Mapped[str | None] = mapped_column(String(60))
    cohort: Mapped[int | None] = mapped_column(Integer)
    formal: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    schools: Mapped[list[School]] = relationship(
        secondary=network_school, back_populates="networks", order_by="School.name_th"
    )

    def display_name(self, locale: str = "th") -> str:
        if locale == "en" and self.name_en:
            return self.name_en
        return self.name_th
