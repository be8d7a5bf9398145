from .access import active_memberships
from .models import COUNCIL_STAFF_ROLES, Notification, Role


def membership(request):
    """The user's first council and role for the header, and their unread inbox count."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    memberships = list(active_memberships(user))
    return {
        "memberships": memberships,
        "current_membership": memberships[0] if memberships else None,
        # Agency responders see their inbox of forwarded petitions, not the council's menus.
        "is_agency": any(m.role == Role.AGENCY for m in memberships),
        "agency_only": not user.is_superuser and bool(memberships)
        and all(m.role not in COUNCIL_STAFF_ROLES for m in memberships),
        # The log of who saw voters' data is read by office staff (petitions:voter_access_log).
        "reads_voter_access_log": user.is_superuser or any(m.role == Role.OFFICE for m in memberships),
        "unread_count": Notification.objects.for_user(user).unread().count(),
    }
