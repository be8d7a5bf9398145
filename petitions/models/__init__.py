"""Voter petitions (kiến nghị cử tri): what voters raised, who raised it, where it went, what the
agency answered, and every step in between.

A petition is received (from a meeting's floor, in writing, or typed from a letter), classified
(field, competence level, agency), forwarded to its agency in a batch, answered, and closed by the
office. Duplicates are merged into one main petition that keeps every voter and meeting; the merge
can be undone. Dates that a clock runs on are stored with how they were computed.

One module per concern; every name is imported here, so that `from petitions.models import X` is
the one way in (and the migrations' petitions.models.answer_attachment_path and report_file_path
still resolve)."""
from .answers import (  # noqa: F401
    Answer,
    AnswerOutcome,
    AnswerQuerySet,
    AnswerReview,
    ExtensionRequest,
    ExtensionStatus,
    answer_attachment_path,
)
from .classification import PetitionField  # noqa: F401
from .codes import (  # noqa: F401
    PUBLIC_CODE_ALPHABET,
    PUBLIC_CODE_RANDOM_LENGTH,
    public_code_check_character,
    public_code_new,
    public_code_normalise,
)
from .events import EventKind, PetitionEvent  # noqa: F401
from .figures import RoundFigures  # noqa: F401
from .forwarding import Forwarding, Submission  # noqa: F401
from .petition import (  # noqa: F401
    OPEN_STATUSES,
    Petition,
    PetitionQuerySet,
    PetitionSource,
    PetitionStatus,
    voter_data_rule,
)
from .reports import Report, ReportKind, ReportQuerySet, ReportStatus, report_file_path  # noqa: F401
from .states import (  # noqa: F401
    PETITION_STATES,
    answer_due_reached_q,
    answered_on_time_q,
    due_soon_q,
    extension_pending_q,
    not_sent_q,
    not_yet_due_q,
    overdue_q,
    petition_state_q,
    sent_back_q,
    to_forward_q,
    to_review_q,
    unclassified_q,
)
from .voters import (  # noqa: F401
    PetitionVoter,
    PetitionVoterQuerySet,
    VoterDataAccess,
    VoterDataAccessQuerySet,
    VoterDataSurface,
)
