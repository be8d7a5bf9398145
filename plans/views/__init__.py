"""The plans app's pages, one module per page group: plan (the list, the form, the plan's page, a copy),
outline (the plan's body), steps (the workflow's buttons and their confirmations), files (downloads,
the signed scan, the public plans), assignments (those a user answers for), editor (a draft's rounds and
assignments on the plan's page), sittings (the sittings' pages). Every view is re-exported here for the url conf."""
from .assignments import (  # noqa: F401
    assignment_list,
    assignment_toggle,
    my_assignments,
)
from .editor import (  # noqa: F401
    assignment_add,
    assignment_due_add,
    assignment_due_remove,
    assignment_move,
    assignment_remove,
    assignments_bulk,
    round_add,
    round_remove,
    rounds_bulk,
)
from .files import (  # noqa: F401
    plan_download,
    plan_file_status,
    plan_render_again,
    plan_signed_upload,
    public_plan_download,
    public_plans,
)
from .outline import (  # noqa: F401
    plan_outline,
)
from .plan import (  # noqa: F401
    PAGE_SIZE,
    plan_copy,
    plan_detail,
    plan_edit,
    plan_list,
)
from .sittings import (  # noqa: F401
    PAGES,
)
from .steps import (  # noqa: F401
    CONFIRMED_STEPS,
    plan_step,
)
