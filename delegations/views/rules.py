"""The deadline rules of a council, a page for its office staff; and the list of the deadlines
one change of the calendar or of the rules moved."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..access import active_memberships, get_for_user, require_council_staff, require_office
from ..deadlines import deadline_rules_update
from ..forms import DeadlineRulesForm
from ..models import Council, Deadline, DeadlineChange, DeadlineChangeCause, DeadlineRules, Role
from .org import history_entries


def _managed_council(request):
    """The council whose rules are shown: `?council=` among those the user is office staff of
    (403 for another role, 404 outside the user's councils), else the user's own first one."""
    require_office(request.user)
    council_id = request.GET.get("council") or request.POST.get("council")
    if council_id:
        return get_for_user(Council, request.user, council_id, manage=True)
    own = active_memberships(request.user).filter(role=Role.OFFICE).order_by("pk").first()
    if own is None:  # a superuser without a membership
        council = Council.objects.managed_by(request.user).order_by("pk").first()
        if council is None:
            raise Http404
        return council
    return own.council


def recent_moves(councils, cause, limit=10):
    """The latest changes of `cause` that moved open deadlines of these councils, each with how
    many it moved and who made it (DeadlineChangeQuerySet.moves)."""
    rows = list(DeadlineChange.objects.filter(deadline__council__in=councils, cause=cause).moves()[:limit])
    for row in rows:
        full = f"{row['changed_by__first_name']} {row['changed_by__last_name']}".strip()
        row["who"] = full or row["changed_by__username"] or _("system")
        row["url"] = reverse("delegations:deadline_changes", args=[row["batch"]])
    return rows


@login_required
def deadline_rules(request):
    """GET: the council's rules with their history; POST: save them, apply the change to the open
    deadlines (delegations.deadlines.deadline_rules_update) and say how many moved."""
    council = _managed_council(request)
    rules = DeadlineRules.objects.filter(council=council).first() or DeadlineRules(council=council)
    form = DeadlineRulesForm(request.POST or None, instance=rules)
    if request.method == "POST":
        if form.is_valid():
            changed = list(form.changed_data)
            moved, batch = deadline_rules_update(rules=form.instance, user=request.user, changed_fields=changed)
            messages.success(request, _("The deadline rules are saved."))
            if moved:
                messages.info(request, ngettext(
                    "%(n)s open deadline moved with this change: see them below.",
                    "%(n)s open deadlines moved with this change: see them below.", len(moved)) % {"n": len(moved)})
            return redirect(f"{reverse('delegations:deadline_rules')}?council={council.pk}")
        messages.error(request, _("Please correct the errors below."))
    councils = Council.objects.managed_by(request.user).order_by("level", "name")
    return render(request, "delegations/deadline_rules.html", {
        "council": council, "councils": councils, "form": form,
        "history": history_entries(rules) if rules.pk else [],
        "moves": recent_moves([council], DeadlineChangeCause.RULES),
        "open_count": Deadline.objects.filter(council=council).open().count(),
    }, status=400 if request.method == "POST" else 200)


@login_required
def deadline_changes(request, batch):
    """The deadlines one change of the calendar or of the rules moved, among those of the user's
    councils: each with its old and new date, how the new one was computed, and a link to it."""
    require_council_staff(request.user)
    changes = list(DeadlineChange.objects.filter(batch=batch, deadline__in=Deadline.objects.for_user(request.user))
                   .select_related("deadline", "deadline__council", "changed_by").order_by("deadline__due_on", "pk"))
    if not changes:
        raise Http404
    return render(request, "delegations/deadline_changes.html", {"changes": changes, "first": changes[0]})
