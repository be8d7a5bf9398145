"""What the plan services share: the refusal error shown to the user, the roles a user holds in a
council, and what follows every change to a draft (due dates recomputed, its document rendered again
after commit)."""
from django.core.exceptions import ValidationError

from delegations.models import Role

from ..models import ContactPlan
from .dues import plan_resolve_dues


class PlanError(ValidationError):
    """A workflow step refused, with the reason shown to the user."""


def user_roles_in(user, council):
    if user.is_superuser:
        return set(Role.values)
    return set(user.memberships.filter(council=council, is_active=True).values_list("role", flat=True))


def plan_changed(*, plan):
    """A draft changed: recompute due dates and render its PDF again after commit."""
    plan_resolve_dues(plan=plan)
    ContactPlan.objects.filter(pk=plan.pk).update(revision=plan.revision + 1)
    plan.revision += 1
    _render_after_commit(plan)


def _render_after_commit(plan):
    """The wish to render this revision, written in the caller's transaction (delegations/outbox.py):
    handed to the worker after commit, and again by the outbox sweep if the broker was down."""
    from delegations.outbox import outbox_enqueue

    from ..tasks import plan_render

    outbox_enqueue(plan_render, plan_id=plan.pk, revision=plan.revision)
