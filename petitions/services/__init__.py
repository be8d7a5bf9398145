"""Rules of the petitions app: intake, classification, merging, sending to the office,
forwarding, answers, extensions, review and closing. Each multi-step write is one function here,
inside a transaction, that refuses an illegal move with a ValidationError whose message is
translated (Vietnamese in the interface).

One module per concern; every name is re-exported here, so that callers (and tests' monkeypatches)
keep using `petitions.services.<name>`."""
from .answers import (
    _answer_check,
    _answer_new,
    _answerable_check,
    _answered,
    _answered_event,
    _answered_message,
    answer_record,
    answers_record,
    extension_decide,
    extension_request,
)
from .checks import (
    STEP_DONE,
    _check_workable,
    _copy_stored,
    _done_by,
    _last_step,
    _lock,
    _lock_one,
    _refuse_unless,
    _refuse_unless_status,
    _step_said,
)
from .classify import (
    _classification_note,
    petitions_classify,
)
from .deadlines import (
    PETITION_ANSWER,
    PETITION_FORWARD,
    PETITION_PROMISED,
    _change_reason,
    answer_due_compute,
    forward_due_compute,
    petition_agency_recipients,
    petition_answer_deadlines_moved,
    petition_deadlines_sync,
    petition_forward_deadlines_moved,
    petition_forward_recipients,
    petitions_deadlines_sync,
)
from .forward import (
    petitions_forward,
    petitions_submit,
)
from .intake import (
    petition_code_assign,
    petition_counts_refresh,
    petition_create,
    petitions_create_many,
    petitions_from_floor,
)
from .merge import (
    petition_unmerge,
    petitions_merge,
    similar_petitions,
    trigram_similarity,
    trigrams,
)
from .review import (
    answer_send_back,
    petition_close,
    petition_raise_again,
)
from .saving import (
    _history_fields_write,
    _links_by_petition,
    _petitions_save,
    event_add,
)

__all__ = [
    "_refuse_unless",
    "_check_workable",
    "_lock",
    "_copy_stored",
    "_lock_one",
    "_done_by",
    "STEP_DONE",
    "_last_step",
    "_step_said",
    "_refuse_unless_status",
    "event_add",
    "_petitions_save",
    "_links_by_petition",
    "_history_fields_write",
    "forward_due_compute",
    "answer_due_compute",
    "PETITION_FORWARD",
    "PETITION_ANSWER",
    "PETITION_PROMISED",
    "petition_deadlines_sync",
    "petitions_deadlines_sync",
    "petition_forward_recipients",
    "petition_agency_recipients",
    "_change_reason",
    "petition_answer_deadlines_moved",
    "petition_forward_deadlines_moved",
    "petition_code_assign",
    "petition_counts_refresh",
    "petition_create",
    "petitions_from_floor",
    "petitions_create_many",
    "petitions_classify",
    "_classification_note",
    "similar_petitions",
    "trigrams",
    "trigram_similarity",
    "petitions_merge",
    "petition_unmerge",
    "petitions_submit",
    "petitions_forward",
    "answer_record",
    "answers_record",
    "_answerable_check",
    "_answer_check",
    "_answer_new",
    "_answered",
    "_answered_event",
    "_answered_message",
    "extension_request",
    "extension_decide",
    "answer_send_back",
    "petition_close",
    "petition_raise_again",
]
