"""Confirmation before what cannot be undone (issue 12): taking a number from a council's register,
finalising minutes, approving or publishing a plan, forwarding petitions, closing a petition.

A form that does such a thing posts as before; without the `confirmed` field the view does nothing and
answers with a confirmation page saying exactly what will happen ("Số 03/KH-HĐND sẽ được cấp và không
thể thu hồi"), which posts the very same fields again (the form token of `delegations.once` included,
so a double click still acts once) with `confirmed=1`. No script is needed (the Content-Security-Policy
allows none inline); the service still re-checks the state under its lock when the confirmed form
arrives, so a confirmation opened before someone else acted is refused as today."""
from django.shortcuts import render

FIELD = "confirmed"
# Never echoed back: Django's own token is rendered afresh by the page.
_SKIPPED = {"csrfmiddlewaretoken", FIELD}


def is_confirmed(request):
    return request.method == "POST" and request.POST.get(FIELD) == "1"


def confirmation(request, *, title, consequences, button, cancel_url, subject="", danger=False):
    """The confirmation page of the POST being answered: `consequences` are the sentences saying
    what will happen (the first one in bold), `button` the label of the button that does it."""
    fields = [(name, value) for name in request.POST if name not in _SKIPPED
              for value in request.POST.getlist(name)]
    return render(request, "includes/confirm.html", {
        "title": title, "subject": subject, "consequences": [str(c) for c in consequences], "button": button,
        "cancel_url": cancel_url, "fields": fields, "action": request.get_full_path(), "danger": danger,
        "confirm_field": FIELD,
    })
