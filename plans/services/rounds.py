"""Contact rounds and their sittings: the windows a council's rules give before and after a sitting,
and the derived windows following a sitting that moves."""
import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from delegations.models import DeadlineRules

from ..models import ContactRound, PlanEvent, PlanStatus, RoundKind
from .common import plan_changed
from .dues import plan_resolve_dues


def round_windows_propose(*, sitting):
    """The before- and after-sitting windows a council's rules give for a sitting."""
    rules = DeadlineRules.for_council(sitting.council)
    before = (sitting.opens_on - datetime.timedelta(days=rules.before_round_starts_days),
              sitting.opens_on - datetime.timedelta(days=rules.before_round_ends_days))
    after = (sitting.closes_on + datetime.timedelta(days=1),
             sitting.closes_on + datetime.timedelta(days=rules.after_round_days))
    return {RoundKind.BEFORE_SITTING: before, RoundKind.AFTER_SITTING: after}


def round_window_derived(rnd):
    """The window the council's rules give a before- or after-sitting round from its sitting's
    dates, or None (a thematic round, a round without a sitting)."""
    if rnd.sitting_id is None or rnd.kind not in (RoundKind.BEFORE_SITTING, RoundKind.AFTER_SITTING):
        return None
    return round_windows_propose(sitting=rnd.sitting)[rnd.kind]


def round_window_apply(*, rnd, typed):
    """Before a round is saved: the dates typed by hand are kept as typed (and marked so, unless
    they are what the rules give); without dates, the window is derived from the sitting."""
    derived = round_window_derived(rnd)
    if not typed:
        if derived is None:
            raise ValidationError(_("Give the dates of this round."))
        rnd.starts_on, rnd.ends_on = derived
        rnd.window_manual = False
    else:
        rnd.window_manual = derived is None or derived != (rnd.starts_on, rnd.ends_on)
    return rnd


@transaction.atomic
def sitting_save(*, sitting, before, user=None):
    """A sitting was saved (its page calls this in the same transaction): when its dates changed,
    the derived windows of the rounds tied to it follow, each round's history and each plan's
    timeline saying so; a window typed by hand stays as typed, and the note says when the sitting
    has moved past it (the plan's page flags it too). Returns {plan: [lines of its note]}."""
    if before is None or (before.opens_on, before.closes_on) == (sitting.opens_on, sitting.closes_on):
        return {}
    moved_text = _("Sitting %(number)s moved from %(old_opens)s–%(old_closes)s to %(opens)s–%(closes)s") % {
        "number": sitting.number, "old_opens": before.opens_on.strftime("%d/%m/%Y"),
        "old_closes": before.closes_on.strftime("%d/%m/%Y"), "opens": sitting.opens_on.strftime("%d/%m/%Y"),
        "closes": sitting.closes_on.strftime("%d/%m/%Y")}
    notes = {}
    rounds = (ContactRound.objects.select_for_update(of=("self",)).filter(sitting=sitting)
              .select_related("plan", "plan__council").order_by("plan_id", "starts_on", "pk"))
    for rnd in rounds:
        rnd.sitting = sitting
        lines = notes.setdefault(rnd.plan, [])
        if rnd.window_manual:
            problem = rnd.window_conflict()
            if problem:
                lines.append(_("%(round)s (typed by hand) is kept: %(problem)s") % {"round": rnd, "problem": problem})
            continue
        derived = round_window_derived(rnd)
        if derived is None or derived == (rnd.starts_on, rnd.ends_on):
            continue
        old = str(rnd)
        rnd.starts_on, rnd.ends_on = derived
        rnd._history_user = user
        rnd._change_reason = moved_text[:100]
        rnd.save(update_fields=["starts_on", "ends_on"])
        lines.append(_("%(old)s → %(new)s") % {"old": old, "new": f"{rnd.starts_on:%d/%m/%Y} – {rnd.ends_on:%d/%m/%Y}"})
    for plan, lines in notes.items():
        if not lines:
            continue
        PlanEvent.objects.create(plan=plan, by=user, from_status=plan.status, to_status=plan.status,
                                 note=f"{moved_text}: " + "; ".join(str(line) for line in lines))
        if plan.status == PlanStatus.DRAFT:
            plan_changed(plan=plan)
        else:
            plan_resolve_dues(plan=plan)  # an issued plan's document stays; its deadlines follow
    return {plan: lines for plan, lines in notes.items() if lines}


def plan_propose_rounds(*, plan):
    """Rounds before and after the plan's sitting, in the windows the council's rules give."""
    for kind, (start, end) in round_windows_propose(sitting=plan.sitting).items():
        ContactRound.objects.create(plan=plan, sitting=plan.sitting, kind=kind, starts_on=start, ends_on=end)
