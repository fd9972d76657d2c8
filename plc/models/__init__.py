"""All models, imported here so that Alembic and `db.create_all` see every table."""

from plc.models.audit import AuditEvent
from plc.models.circles import Circle, CircleMeeting, CircleMember
from plc.models.cycles import Cycle, CyclePhase, DECheckpoint, LessonsLearned, OutcomeMeasure
from plc.models.goals import FocusArea, SchoolGoal
from plc.models.innovations import Innovation, InnovationStep, InnovationVersion
from plc.models.org import AreaOffice, Affiliation, Network, Province, Region, School
from plc.models.users import ApiToken, Invitation, LoginSession, Membership, Role, User

__all__ = [
    "Affiliation",
    "ApiToken",
    "AreaOffice",
    "AuditEvent",
    "Circle",
    "CircleMeeting",
    "CircleMember",
    "Cycle",
    "CyclePhase",
    "DECheckpoint",
    "FocusArea",
    "Innovation",
    "InnovationStep",
    "InnovationVersion",
    "Invitation",
    "LessonsLearned",
    "LoginSession",
    "Membership",
    "Network",
    "OutcomeMeasure",
    "Province",
    "Region",
    "Role",
    "School",
    "SchoolGoal",
    "User",
]
