"""All models, imported here so that Alembic and `db.create_all` see every table."""

from plc.models.archive_jobs import ExportJob
from plc.models.audit import AuditEvent
from plc.models.circles import Circle, CircleMeeting, CircleMember
from plc.models.coaching import CoachingSynthesis, CoachingVisit
from plc.models.cycles import Cycle, CyclePhase, DECheckpoint, LessonsLearned, OutcomeMeasure
from plc.models.forums import (
    Certificate,
    Forum,
    ForumCriterion,
    ForumFeedback,
    ForumPanelist,
    ForumScore,
    ForumSubmission,
    SubmissionAuthor,
)
from plc.models.goals import FocusArea, SchoolGoal
from plc.models.innovations import Innovation, InnovationStep, InnovationVersion
from plc.models.lesson_plans import Attachment, Comment, LessonPlan, LessonPlanRevision
from plc.models.live_sessions import (
    ActionItem,
    Attendance,
    ChatMessage,
    LiveSession,
    Notification,
    SessionGuest,
    SessionMute,
)
from plc.models.mail import EmailMessage, EmailPreference
from plc.models.org import Affiliation, AreaOffice, Network, Province, Region, School
from plc.models.reflections import Reflection, ReflectionFeedback
from plc.models.search import SearchDocument
from plc.models.surveys import (
    Survey,
    SurveyAnswer,
    SurveyDraft,
    SurveyItem,
    SurveyParticipation,
    SurveyResponse,
    SurveySection,
)
from plc.models.users import ApiToken, Invitation, LoginSession, Membership, Role, User

__all__ = [
    "ActionItem",
    "Attendance",
    "ChatMessage",
    "LiveSession",
    "Notification",
    "SessionGuest",
    "SessionMute",
    "Affiliation",
    "Attachment",
    "ApiToken",
    "AreaOffice",
    "AuditEvent",
    "Circle",
    "CircleMeeting",
    "CircleMember",
    "CoachingSynthesis",
    "CoachingVisit",
    "Certificate",
    "Comment",
    "Cycle",
    "EmailMessage",
    "EmailPreference",
    "ExportJob",
    "CyclePhase",
    "DECheckpoint",
    "FocusArea",
    "Forum",
    "ForumCriterion",
    "ForumFeedback",
    "ForumPanelist",
    "ForumScore",
    "ForumSubmission",
    "Innovation",
    "InnovationStep",
    "InnovationVersion",
    "Invitation",
    "LessonPlan",
    "LessonPlanRevision",
    "LessonsLearned",
    "LoginSession",
    "Membership",
    "Network",
    "OutcomeMeasure",
    "Province",
    "Reflection",
    "ReflectionFeedback",
    "Region",
    "Role",
    "School",
    "SchoolGoal",
    "SearchDocument",
    "Survey",
    "SurveyAnswer",
    "SurveyDraft",
    "SurveyItem",
    "SurveyParticipation",
    "SurveyResponse",
    "SurveySection",
    "SubmissionAuthor",
    "User",
]
