"""Database tables (SQLAlchemy 2 typed models), one module per aggregate. Every table and
constant is re-exported here: `from core.models import Booking` is the way to import them.
Times are aware UTC in Python, naive UTC in SQL (core/models/base.py)."""

from __future__ import annotations

from core.models.agencies import Agency, Service, Setting
from core.models.answers import GENERAL_ENTRY, AnswerEntry
from core.models.base import NAMING_CONVENTION, Base, UTCDateTime, utcnow
from core.models.bookings import Booking, Calendar, CalendarClosure, SlotCounter
from core.models.catalogue import LICENCES, USAGES, RideModel, RideModelAgency
from core.models.conversations import (
    ATTACHMENT_KINDS,
    Attachment,
    Conversation,
    InboundReceipt,
    Message,
)
from core.models.customers import ChannelIdentity, Customer, Vehicle
from core.models.erasure import TrackerErasure
from core.models.feedback import Complaint, Reminder, SurveyResponse
from core.models.files import StoredFile
from core.models.handoff import (
    HANDOFF_STATUSES,
    NOTE_KINDS,
    OPEN_HANDOFF,
    HandoffNote,
    HandoffRequest,
)
from core.models.identity import OTP_PURPOSES, OTP_TRANSPORTS, OtpChallenge, OutboxMessage
from core.models.jobs import JOB_EVENT_KINDS, JOB_STATUSES, JobEvent, JobPhoto, RepairJob
from core.models.limits import CustomerRateWindow

# issue 16: estimates and invoices (helper "money")
from core.models.money import (
    DECISION_CHANNELS,
    DOCUMENT_KINDS,
    ESTIMATE_STATUSES,
    LINE_KINDS,
    PAYMENT_METHODS,
    DocumentCounter,
    Estimate,
    EstimateLine,
    Invoice,
    InvoiceLine,
    InvoicePayment,
)
from core.models.notifications import (
    NOTIFICATION_AUDIENCES,
    NOTIFICATION_STATUSES,
    Notification,
    NotificationReceipt,
    NotificationSubscription,
)
from core.models.otp_limits import OTP_EVENT_KINDS, OtpEvent
from core.models.rooms import (
    OPEN_ROOM,
    ROOM_STATUSES,
    Room,
    RoomBan,
    RoomMember,
    RoomMessage,
    RoomMessageReport,
)
from core.models.staff import ApiToken, LoginAttempt, StaffSession, StaffUser
from core.models.staff_security import LoginChallenge, PasswordReset, RecoveryCode
from core.models.widget import WidgetCredential, WidgetStreamTicket
from core.models.workshop import (
    OPEN_CALLBACK,
    OPEN_CONVERSATION_CALLBACK,
    CallbackTask,
    Quote,
)

__all__ = [
    "StoredFile",
    "CustomerRateWindow",
    "GENERAL_ENTRY",
    "LICENCES",
    "USAGES",
    "AnswerEntry",
    "RideModel",
    "RideModelAgency",
    "ATTACHMENT_KINDS",
    "HANDOFF_STATUSES",
    "JOB_EVENT_KINDS",
    "JOB_STATUSES",
    "NAMING_CONVENTION",
    "NOTIFICATION_AUDIENCES",
    "NOTIFICATION_STATUSES",
    "OPEN_CALLBACK",
    "OPEN_CONVERSATION_CALLBACK",
    "OPEN_HANDOFF",
    "OPEN_ROOM",
    "OTP_PURPOSES",
    "OTP_TRANSPORTS",
    "ROOM_STATUSES",
    "Agency",
    "ApiToken",
    "Attachment",
    "Base",
    "Booking",
    "Calendar",
    "CalendarClosure",
    "CallbackTask",
    "ChannelIdentity",
    "Complaint",
    "Conversation",
    "Customer",
    "HandoffNote",
    "HandoffRequest",
    "NOTE_KINDS",
    "InboundReceipt",
    "JobEvent",
    "JobPhoto",
    "LoginAttempt",
    "LoginChallenge",
    "PasswordReset",
    "RecoveryCode",
    "Message",
    "Notification",
    "NotificationReceipt",
    "NotificationSubscription",
    "OtpChallenge",
    "OtpEvent",
    "OTP_EVENT_KINDS",
    "OutboxMessage",
    "Quote",
    "RepairJob",
    "Reminder",
    "Room",
    "RoomBan",
    "RoomMember",
    "RoomMessage",
    "RoomMessageReport",
    "Service",
    "Setting",
    "SlotCounter",
    "StaffSession",
    "StaffUser",
    "SurveyResponse",
    "TrackerErasure",
    "UTCDateTime",
    "Vehicle",
    "WidgetCredential",
    "WidgetStreamTicket",
    "utcnow",
    # issue 16: estimates and invoices
    "DECISION_CHANNELS",
    "DOCUMENT_KINDS",
    "ESTIMATE_STATUSES",
    "LINE_KINDS",
    "PAYMENT_METHODS",
    "DocumentCounter",
    "Estimate",
    "EstimateLine",
    "Invoice",
    "InvoiceLine",
    "InvoicePayment",
]

# issue 16: planning
from core.models.planning import BookingAcknowledgement  # noqa: E402

__all__ += ["BookingAcknowledgement"]
# issue 16: job notices (the customer told of each job change; migration 0021)
from core.models.jobs import NOTICE_STATES, TOLD_KINDS  # noqa: E402

__all__ += ["NOTICE_STATES", "TOLD_KINDS"]
# issue 16: vehicle history (mileage readings, maintenance reminder subscriptions)
from core.models.history import (  # noqa: E402
    MILEAGE_SOURCES,
    MaintenanceSubscription,
    MileageReading,
)

__all__ += ["MILEAGE_SOURCES", "MaintenanceSubscription", "MileageReading"]
# issue 17: canned replies of the advisor console (migration 0024)
from core.models.canned_replies import CANNED_LANGUAGES, CannedReply  # noqa: E402

__all__ += ["CANNED_LANGUAGES", "CannedReply"]
