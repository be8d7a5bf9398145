"""The one access helper every view uses: 404 for what the user's councils don't own,
403 for what their role may not do."""
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import COUNCIL_STAFF_ROLES, Membership, Role


def active_memberships(user):
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user=user, is_active=True).select_related("council", "group", "agency")


def has_role(user, *roles):
    if user.is_authenticated and user.is_superuser:
        return True
    return active_memberships(user).filter(role__in=roles).exists()


def require_role(user, *roles):
    if not has_role(user, *roles):
        raise PermissionDenied


def require_council_staff(user):
    """Organisation pages are for council staff; agencies see only what is forwarded to them."""
    require_role(user, *COUNCIL_STAFF_ROLES)


def require_office(user):
    require_role(user, Role.OFFICE)


def get_for_user(model, user, pk, *, manage=False):
    """The row `pk` of `model` if the user's councils own it (else 404); with manage=True, only if
    the user is office staff of its council (else 403)."""
    from .params import parse_id  # (params imports forms, which import this app's models)

    if parse_id(pk) is None:  # not an id, or beyond PostgreSQL's bigint
        raise Http404
    obj = get_object_or_404(model.objects.for_user(user), pk=pk)
    if manage and not model.objects.managed_by(user).filter(pk=obj.pk).exists():
        raise PermissionDenied
    return obj
