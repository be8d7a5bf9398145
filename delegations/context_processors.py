from .access import active_memberships
from .models import Notification


def membership(request):
    """The user's first council and role for the header, and their unread inbox count."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    memberships = list(active_memberships(user))
    return {
        "memberships": memberships,
        "current_membership": memberships[0] if memberships else None,
        "unread_count": Notification.objects.for_user(user).unread().count(),
    }
