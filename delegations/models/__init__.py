"""The organisation a deployment serves and the records every app shares, one module per concern."""
from .calendar import CalendarDay, CalendarDayKind, CalendarDayQuerySet  # noqa: F401
from .deadlines import (  # noqa: F401
    Deadline,
    DeadlineAlarm,
    DeadlineChange,
    DeadlineChangeCause,
    DeadlineChangeQuerySet,
    DeadlineNotice,
    DeadlineQuerySet,
    DeadlineRules,
    DeadlineState,
    DeadlineUnit,
    parse_reminder_days,
    validate_reminder_days,
)
from .imports import FINISHED_STATES, ImportJob, ImportJobQuerySet, ImportKind, ImportState  # noqa: F401
from .notifications import (  # noqa: F401
    MANDATORY_KINDS,
    Delivery,
    Notification,
    NotificationKind,
    NotificationPreferences,
    NotificationQuerySet,
    delivery_for,
)
from .org import (  # noqa: F401
    COUNCIL_STAFF_ROLES,
    OVERSIGHT_ROLES,
    Agency,
    AgencyLevel,
    Commune,
    CommuneKind,
    Council,
    CouncilLevel,
    CouncilQuerySet,
    CouncilScopedQuerySet,
    Delegate,
    DelegateGroup,
    DelegateKind,
    ElectoralUnit,
    FoldedSearchQuerySet,
    Membership,
    Role,
    Searchable,
    Term,
)
from .records import OutboxTask, OutboxTaskQuerySet, SubmittedForm  # noqa: F401
