from .api import ApiToken, IdempotencyKey
from .audit import PersonalDataAccess
from .calendar import CalendarDay, CalendarYear, WorkingPeriod
from .evidence import EvidencePhoto, EvidenceVideo
from .notifications import Notification, OutboxMessage
from .org import MANAGER_ROLES, READ_ONLY_ROLES, ROLE_UNIT_KINDS, OrgUnit, Role, User
from .timers import Clock, SlaTimer, SweepHeartbeat, TimerEvent, TimerPause, TimerRule

__all__ = [
    "MANAGER_ROLES",
    "READ_ONLY_ROLES",
    "ROLE_UNIT_KINDS",
    "ApiToken",
    "CalendarDay",
    "CalendarYear",
    "Clock",
    "EvidencePhoto",
    "EvidenceVideo",
    "IdempotencyKey",
    "Notification",
    "OrgUnit",
    "OutboxMessage",
    "PersonalDataAccess",
    "Role",
    "SlaTimer",
    "SweepHeartbeat",
    "TimerEvent",
    "TimerPause",
    "TimerRule",
    "User",
    "WorkingPeriod",
]
