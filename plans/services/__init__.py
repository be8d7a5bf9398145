"""Rules of the plans app, one module per concern: common (the refusal error, roles, what follows a
draft's change), rounds (windows proposed from a sitting), dues (due dates of assignments and their
deadlines), numbering (the document number register), document (the printed plan and its files),
workflow (creating, copying and the steps of a plan), editing (a draft's rounds and assignments).
Every public name is re-exported here: `from plans import services; services.plan_transition(...)`."""
# Read off this module by callers (services.PermissionDenied), as before the split.
from django.core.exceptions import PermissionDenied  # noqa: F401

from .common import (  # noqa: F401
    PlanError,
    plan_changed,
    user_roles_in,
)
from .document import (  # noqa: F401
    plan_attach_signed_scan,
    plan_document,
    plan_file_stem,
    plan_render,
)
from .dues import (  # noqa: F401
    ASSIGNMENT_DEADLINE,
    DEADLINE_STATUSES,
    MEETINGS_PROVIDERS,
    Meeting,
    assignment_deadline_recipients,
    assignment_deadline_sync,
    assignment_deadlines_moved,
    assignment_dues_resolve,
    assignments_for,
    due_before,
    due_occurrences_wanted,
    meeting_dues_sync,
    meetings_provider_register,
    plan_deadlines_sync,
    plan_resolve_dues,
)
from .editing import (  # noqa: F401
    assignment_due_add,
    assignment_due_remove,
    assignment_first_due_set,
    assignment_move,
    assignment_remove,
    assignment_set_status,
    assignments_add,
    renumber,
    round_remove,
    rounds_add,
)
from .numbering import (  # noqa: F401
    DATE_ORDER,
    document_number_next,
    document_number_take,
    document_number_text,
    document_number_used,
)
from .rounds import (  # noqa: F401
    plan_propose_rounds,
    round_window_apply,
    round_window_derived,
    round_windows_propose,
    sitting_save,
)
from .workflow import (  # noqa: F401
    TRANSITIONS,
    plan_copy,
    plan_created,
    plan_render_again,
    plan_step_notify,
    plan_transition,
    step_refusal,
)
