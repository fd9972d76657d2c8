"""All models, imported here so that Alembic and `db.create_all` see every table."""

from plc.models.audit import AuditEvent
from plc.models.org import Affiliation, AreaOffice, Network, Province, Region, School
from plc.models.users import ApiToken, Invitation, LoginSession, Membership, Role, User

__all__ = [
    "Affiliation",
    "ApiToken",
    "AreaOffice",
    "AuditEvent",
    "Invitation",
    "LoginSession",
    "Membership",
    "Network",
    "Province",
    "Region",
    "Role",
    "School",
    "User",
]
