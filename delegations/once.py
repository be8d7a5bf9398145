"""Forms that act once (a double click, or the same page sent twice, makes one petition, one
report, one forwarding): each form carries a random token rendered with it (`{% form_token %}`
from `once_tags`), claimed in the same transaction as the work the form asks for.

    outcome = once(request, lambda: services.petition_create(...).get_absolute_url())
    if outcome.repeated:
        messages.info(request, outcome.message)
    return redirect(outcome.url)

A form sent without a token (an older page, a script) acts as before, unguarded; the services'
own row locks and re-checks still refuse a second identical state change."""
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import SubmittedForm

FIELD = "form_token"


def token_from(request):
    """The form's token from the POST, or None when absent or not a UUID."""
    try:
        return uuid.UUID(request.POST.get(FIELD, ""))
    except (TypeError, ValueError, AttributeError):
        return None


@dataclass
class Outcome:
    url: str
    repeated: bool = False
    message: str = ""


def once(request, action):
    """Run `action()` (which does the work and returns the URL to go to next) at most once per form
    token. A repeat returns the first run's URL with a message saying the form was already sent.
    Exceptions of `action` (a refused form) roll the claim back, so the corrected form can be sent
    again with the same token."""
    token = token_from(request)
    if token is None:
        return Outcome(action())
    user = request.user if request.user.is_authenticated else None
    with transaction.atomic():
        try:
            with transaction.atomic():
                # Waits for a concurrent first send of the same token to commit or roll back.
                claim = SubmittedForm.objects.create(token=token, user=user)
        except IntegrityError:
            first = SubmittedForm.objects.filter(token=token).first()
            return Outcome(first.url if first is not None and first.user == user else "", repeated=True,
                           message=repeated_message(first))
        claim.url = action() or ""
        claim.save(update_fields=["url"])
        return Outcome(claim.url)


def earlier(request):
    """The outcome of this form's earlier send, if one was recorded, else None: for a view whose
    form validation would refuse the repeat (e.g. "this delegate is already booked then" against
    the meeting the first send made) before `once` could say what happened."""
    token = token_from(request)
    first = SubmittedForm.objects.filter(token=token).first() if token is not None else None
    if first is None:
        return None
    user = request.user if request.user.is_authenticated else None
    return Outcome(first.url if first.user == user else "", repeated=True, message=repeated_message(first))


def repeated_message(first):
    if first is None:
        return _("This form was already sent.")
    return _("This form was already sent at %(time)s on %(date)s; it was not recorded a second time.") % {
        "time": timezone.localtime(first.submitted_at).strftime("%H:%M"),
        "date": timezone.localtime(first.submitted_at).strftime("%d/%m/%Y")}
