"""The blocks a plan's outline prints from its data (official wording, Vietnamese): the rounds,
the assignments with their due dates, the groups' meeting schedule (Phụ lục), a contact line and
a closing paragraph. Each returns a list of `documents.Block`; an empty list prints nothing."""
from django.utils import timezone

from documents import Block, Run

from .models import RoundKind, SectionBlock, SittingKind

SITTING_KIND_VI = {
    SittingKind.REGULAR_MID_YEAR: "kỳ họp thường lệ giữa năm",
    SittingKind.REGULAR_YEAR_END: "kỳ họp thường lệ cuối năm",
    SittingKind.THEMATIC: "kỳ họp chuyên đề",
    SittingKind.EXTRAORDINARY: "kỳ họp bất thường",
}
ROUND_KIND_VI = {
    RoundKind.BEFORE_SITTING: "TXCT trước",
    RoundKind.AFTER_SITTING: "TXCT sau",
    RoundKind.THEMATIC: "TXCT chuyên đề",
}


def _date(value):
    return value.strftime("%d/%m/%Y")


def sitting_label(sitting):
    """ "Kỳ họp thứ 30 (kỳ họp thường lệ cuối năm 2025)"."""
    return f"Kỳ họp thứ {sitting.number} ({SITTING_KIND_VI.get(sitting.kind, sitting.kind)} {sitting.opens_on.year})"


def round_label(rnd, plan_sitting=None):
    """ "TXCT trước Kỳ họp thứ 30 (kỳ họp thường lệ cuối năm 2025)", "TXCT chuyên đề: <topic>"."""
    sitting = rnd.sitting or plan_sitting
    if rnd.kind == RoundKind.THEMATIC:
        return f"{ROUND_KIND_VI[rnd.kind]}: {rnd.topic}" if rnd.topic else ROUND_KIND_VI[rnd.kind]
    label = ROUND_KIND_VI.get(rnd.kind, rnd.kind)
    label = f"{label} {sitting_label(sitting)}" if sitting else f"{label} kỳ họp"
    return f"{label}: {rnd.topic}" if rnd.topic else label


def assignment_due_label(assignment):
    """The due dates of an assignment as the plan prints them ("" when it has none): the wording of its
    due rules (`Assignment.due_label`, the one place a due rule is worded), e.g. "Chậm nhất 05 ngày trước
    mỗi buổi tiếp xúc cử tri; trong 05 ngày làm việc sau mỗi buổi tiếp xúc cử tri"."""
    label = assignment.due_label()
    return label[:1].lower() + label[1:]  # it follows "Thời hạn: " or a comma


def rounds_blocks(plan, rounds):
    """One "- …" line a round: its kind and sitting, its window with the dates in bold."""
    blocks = []
    for rnd in rounds:
        runs = [Run(f"- {round_label(rnd, plan.sitting)}: từ ngày "), Run(_date(rnd.starts_on), bold=True),
                Run(" đến ngày "), Run(_date(rnd.ends_on), bold=True), Run(".")]
        blocks.append(Block("item", "".join(r.text for r in runs), runs=runs))
    return blocks


def assignments_blocks(assignments, label, *, with_due):
    """The assignments as numbered paragraphs ("**1. Đề nghị UBND tỉnh** xây dựng …"), the lead in
    bold and the text after it; lines starting "-" or "+" follow as their own paragraphs; with their
    due dates ("Thời hạn: …", in bold) when asked."""
    blocks = []
    for index, item in enumerate(assignments, start=1):
        lines = [line.strip() for line in item.text.splitlines() if line.strip()]
        first = lines[0] if lines and not lines[0].startswith(("-", "+")) else ""
        blocks.append(Block("paragraph", first, lead=f"{label(index)} {item.lead}"))
        blocks += [Block("item", line) for line in (lines[1:] if first else lines)]
        due = assignment_due_label(item) if with_due else ""
        if due:
            runs = [Run("Thời hạn: ", italic=True), Run(due, bold=True), Run(".")]
            blocks.append(Block("paragraph", "".join(r.text for r in runs), runs=runs))
    return blocks, len(assignments)


def schedule_blocks(sessions):
    """Phụ lục — lịch tiếp xúc cử tri của các Tổ: the meetings of the plan's rounds, grouped by
    group (its name once, on its first row), in time order; cancelled meetings left out."""
    rows = [["TT", "Tổ đại biểu", "Thời gian", "Địa điểm"]]
    by_group = {}
    for session in sessions:
        by_group.setdefault(session.group, []).append(session)
    number = 0
    for group in sorted(by_group, key=lambda g: g.name):
        for index, session in enumerate(sorted(by_group[group], key=lambda s: s.starts_at)):
            number += 1
            when = timezone.localtime(session.starts_at).strftime("%Hh%M, %d/%m/%Y")
            place = session.venue
            if session.commune.name.lower() not in place.lower():
                place = f"{place}, {session.commune.name}"
            rows.append([str(number), group.name if index == 0 else "", when, place])
    if len(rows) == 1:
        return []
    return [Block("table", "Phụ lục: Lịch tiếp xúc cử tri của các Tổ đại biểu", rows=rows, widths=[8, 30, 24, 38])]


def contact_blocks(plan):
    """ "Người liên hệ: …, điện thoại: …"."""
    parts = []
    if plan.contact_person.strip():
        parts.append(f"Người liên hệ: {plan.contact_person.strip()}")
    if plan.contact_phone.strip():
        parts.append(f"điện thoại: {plan.contact_phone.strip()}" if parts
                     else f"Điện thoại liên hệ: {plan.contact_phone.strip()}")
    if not parts:
        return []
    return [Block("paragraph", ", ".join(parts) + ".")]


def closing_blocks(plan):
    return [Block("paragraph", line.strip()) for line in plan.closing.splitlines() if line.strip()]


# Who lists a plan's meetings: `provider(plan)` → its meetings planned (not cancelled), each with
# group, commune, starts_at and venue. The sessions app registers it at start-up (sessions.apps):
# plans come before sessions in the apps' one-way layering and do not import them.
SCHEDULE_PROVIDERS = []


def schedule_provider_register(provider):
    if provider not in SCHEDULE_PROVIDERS:
        SCHEDULE_PROVIDERS.append(provider)


class PlanData:
    """A plan's data read once (four queries) for all the blocks of its outline."""

    def __init__(self, plan):
        self.plan = plan
        self.rounds = list(plan.rounds.select_related("sitting").order_by("starts_on", "pk"))
        rounds = {r.pk: r for r in self.rounds}
        self.assignments = list(plan.assignments.prefetch_related("dues"))
        for item in self.assignments:  # the rounds read above, not one query each
            item.plan = plan
            for due in item.dues.all():
                if due.round_id:
                    due.round = rounds.get(due.round_id)
        self._sessions = None

    @property
    def sessions(self):
        if self._sessions is None:
            self._sessions = [session for provider in SCHEDULE_PROVIDERS for session in provider(self.plan)]
        return self._sessions

    def generate(self, section, label):
        kind = section.block
        if kind == SectionBlock.ROUNDS:
            return rounds_blocks(self.plan, self.rounds), 0
        if kind in (SectionBlock.ASSIGNMENTS, SectionBlock.ASSIGNMENTS_DUE):
            return assignments_blocks(self.assignments, label, with_due=kind == SectionBlock.ASSIGNMENTS_DUE)
        if kind == SectionBlock.SCHEDULE:
            return schedule_blocks(self.sessions), 0
        if kind == SectionBlock.CONTACT:
            return contact_blocks(self.plan), 0
        if kind == SectionBlock.CLOSING:
            return closing_blocks(self.plan), 0
        return [], 0
