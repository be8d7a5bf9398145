"""Login throttling, idle sessions and password reuse: the account rules that sit around Django's auth.

Login throttling is django-axes (settings `AXES_*`, fed from `LOGIN_*` environment variables); this
module holds the few pieces axes leaves to the project: two failure limits (per account and per
address), the client address behind trusted proxies, the lockout page, and reading an account's lock
for the office's unlock button (the unlock itself is `services.login_unlock`).
"""
import datetime

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.db.models import Max, Sum
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

# ----------------------------------------------------------------------------------------- lockout


class AccountOrAddressHandler(AxesDatabaseHandler):
    """axes' database handler with one limit per lockout parameter.

    `AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]` gives two sets of recorded failures inside
    the cool-off window: those of the account (from any address) and those of the address (for any
    account). axes compares the larger with one limit; here the account's failures are compared with
    `LOGIN_FAILURE_LIMIT` and the address's with `LOGIN_ADDRESS_FAILURE_LIMIT`, so that an office
    behind one NAT address is not locked out by five colleagues' typos, while one account guessed
    from many addresses, or many accounts guessed from one address, both lock.

    Returns a count on axes' scale: reaching `AXES_FAILURE_LIMIT` (= the account limit) means locked.
    """

    def get_failures(self, request, credentials=None):
        by_account, by_address = (
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        if by_address >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(by_account, settings.AXES_FAILURE_LIMIT)
        return by_account


def client_address(request):
    """The client's IP address (a string): REMOTE_ADDR, or, behind `LOGIN_TRUSTED_PROXIES` reverse
    proxies that each append the address they saw to X-Forwarded-For, the address the outermost
    trusted proxy saw. Entries further left are the client's own claims and are ignored, so a forged
    X-Forwarded-For cannot dodge the per-address limit."""
    chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    chain.append(request.META.get("REMOTE_ADDR", ""))
    trusted = settings.LOGIN_TRUSTED_PROXIES
    return chain[max(len(chain) - 1 - trusted, 0)]


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked-out login gets (site and admin login alike), status 429: when to try again.

    axes (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT, its default) restarts the cool-off at each
    refused attempt, and this request is one, so the lock lasts until now + the cool-off at most."""
    cool_off = get_cool_off(request) or datetime.timedelta(0)
    until = timezone.localtime(timezone.now() + cool_off)
    context = {
        "minutes": max(1, round(cool_off.total_seconds() / 60)),
        "until": until,
        "username": get_client_username(request, credentials) or "",
    }
    return render(request, "registration/lockout.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)


def login_lock(username):
    """The recorded failed logins of one account inside the cool-off window:
    {"failures": int, "locked": bool, "until": aware datetime or None (when the lock ends)}.
    Address locks are not shown here: an address is not a person the office manages."""
    cool_off = get_cool_off()
    attempts = AccessAttempt.objects.filter(username=username)
    if cool_off:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    summary = attempts.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
    failures = summary["failures"] or 0
    locked = failures >= settings.AXES_FAILURE_LIMIT
    until = timezone.localtime(summary["last"] + cool_off) if locked and cool_off else None
    return {"failures": failures, "locked": locked, "until": until}


# ---------------------------------------------------------------------------------------- sessions


class SessionIdleMiddleware:
    """Sessions end after SESSION_IDLE_MINUTES without a request (settings: SESSION_COOKIE_AGE).

    Django computes a session's expiry from its last save; saving on every request
    (SESSION_SAVE_EVERY_REQUEST) would write the session row on every page. Instead the expiry is
    pushed forward at most once per SESSION_IDLE_REFRESH_SECONDS (60 by default, or a tenth of the idle
    time if shorter): the idle limit then holds to within that step, for one write a minute per active
    user. The login marks the first activity (`session_mark_active`), in the save it makes anyway."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.session_key and getattr(request, "user", None) is not None \
                and request.user.is_authenticated:
            step = min(settings.SESSION_IDLE_REFRESH_SECONDS, max(1, settings.SESSION_COOKIE_AGE // 10))
            if int(timezone.now().timestamp()) - session.get(ACTIVE_KEY, 0) >= step:
                session_mark_active(request=request)  # marks the session modified: saved, expiry moved on
        return self.get_response(request)


ACTIVE_KEY = "_active_at"


def session_mark_active(sender=None, *, request, **kwargs):
    """Record activity now (seconds since the epoch) in the request's session; also the receiver of
    user_logged_in."""
    if getattr(request, "session", None) is not None:
        request.session[ACTIVE_KEY] = int(timezone.now().timestamp())


# ---------------------------------------------------------------------------------------- passwords


class NotCurrentPasswordValidator:
    """Refuses a new password equal to the account's current one (issue 10, finding 11).

    Compares against the stored hash without the upgrade-on-check that `User.check_password` may do,
    so validating never writes."""

    def validate(self, password, user=None):
        if user is not None and user.pk and user.has_usable_password() and check_password(password, user.password):
            raise ValidationError(_("The new password must differ from the current one."),
                                  code="password_unchanged")

    def get_help_text(self):
        return _("Your new password must differ from your current one.")
