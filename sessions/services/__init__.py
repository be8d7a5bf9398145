"""Rules of contact meetings, one module per concern: scheduling (meetings scheduled, moved, held,
postponed or cancelled, and who is told), minutes (the record of a held meeting, its deadline and its
printed BIÊN BẢN), invitation (the numbered GIẤY MỜI), labels (how groups, places and venues are printed).
Every public name is re-exported here: `from sessions import services; services.session_save(...)`."""
from .invitation import (  # noqa: F401
    invitation_default_date,
    invitation_document,
    invitation_file_stem,
    invitation_render,
    session_invitation_issue,
)
from .labels import (  # noqa: F401
    COMMUNE_KIND_WORD,
    GROUP_WORD,
    group_label,
    place_label,
    session_subject,
    venue_label,
)
from .minutes import (  # noqa: F401
    MINUTES_DEADLINE,
    minutes_attach_scan,
    minutes_deadline_recipients,
    minutes_deadlines_moved,
    minutes_document,
    minutes_file_stem,
    minutes_finalise,
    minutes_petitions,
    minutes_render,
    minutes_render_again,
    minutes_reopen,
    minutes_unfinished,
    minutes_update,
)
from .scheduling import (  # noqa: F401
    meetings_of_plan,
    meetings_of_rounds,
    schedulable_groups,
    session_conflicts,
    session_notify,
    session_record_outcome,
    session_save,
    session_validate,
    user_is_office,
)
