"""Tortoise models, one module per aggregate. Imported as the tortoise app "models"."""

from models.activity import Activity, ActivityType, Attendance, AttendanceStatus, Audience
from models.assessment import (
    AuditEntry,
    Consequence,
    ConsequenceKind,
    ConsequenceStatus,
    RuleReminder,
)
from models.binding import BindingAttempt, BindingCode, BindingLog
from models.commendation import Commendation, CommendationStatus
from models.console import ConsoleLogin, ConsoleSession
from models.correction import AttendanceCorrection
from models.leave import LeaveRequest, LeaveStatus
from models.member import Committee, Identity, Member, MemberStatus, Role
from models.outbox import MessageClass, OutboxMessage, OutboxStatus
from models.proposals import ProposalCosigner, ProposalProgress, ProposalStage, ReportReview
from models.record import Proposal, Record, RecordKind, Report, ReportStatus, VisitQuestion, VisitType
from models.sms import SmsSend
from models.term import HistoryYear, Term
from models.wechat import WechatInbound, WechatTemplateSend, WechatToken

__all__ = [
    "Activity",
    "ActivityType",
    "Attendance",
    "AttendanceCorrection",
    "AttendanceStatus",
    "Audience",
    "AuditEntry",
    "BindingAttempt",
    "BindingCode",
    "BindingLog",
    "Commendation",
    "CommendationStatus",
    "Committee",
    "Consequence",
    "ConsequenceKind",
    "ConsequenceStatus",
    "ConsoleLogin",
    "ConsoleSession",
    "HistoryYear",
    "Identity",
    "LeaveRequest",
    "LeaveStatus",
    "Member",
    "MemberStatus",
    "MessageClass",
    "OutboxMessage",
    "OutboxStatus",
    "Proposal",
    "ProposalCosigner",
    "ProposalProgress",
    "ProposalStage",
    "Record",
    "RecordKind",
    "Report",
    "ReportReview",
    "ReportStatus",
    "Role",
    "RuleReminder",
    "SmsSend",
    "Term",
    "VisitQuestion",
    "VisitType",
    "WechatInbound",
    "WechatTemplateSend",
    "WechatToken",
]
