"""The voter's receipt of a petition (phiếu tiếp nhận kiến nghị, issue 12), described for the renderer
in `documents.slip`: what the slip says about a petition, and its voters only as the one rule allows."""
from urllib.parse import urlencode

from django.utils import timezone
from django.utils.translation import gettext as _

from documents import Slip

TEXT_LIMIT = 280


def lookup_address(request):
    """The public lookup page's absolute address, as this request reached the site."""
    from django.urls import reverse

    return request.build_absolute_uri(reverse("petitions:lookup"))


def petition_slip(petition, *, lookup_page, show_voters):
    """The slip of `petition` (its council and session loaded). `show_voters`: print the voters read
    through petitions.privacy.with_visible_voters (`petition.voters.all()` then holds only those the
    user may see); False prints none."""
    session = petition.session
    if session is not None:
        start = timezone.localtime(session.starts_at)
        received_at = _("the voter contact meeting of %(date)s at %(venue)s, %(commune)s") % {
            "date": start.strftime("%d/%m/%Y"), "venue": session.venue, "commune": session.commune}
    else:
        received_at = petition.get_source_display()
    text = " ".join((petition.summary or petition.text).split())
    if len(text) > TEXT_LIMIT:
        text = text[:TEXT_LIMIT].rsplit(" ", 1)[0] + " …"
    return Slip(
        council=str(petition.council), issuer_lines=petition.council.issuing_body, code=petition.public_code,
        received_on=timezone.localdate(petition.created_at), received_at=received_at, text=text,
        lookup_page=lookup_page, lookup_url=f"{lookup_page}?{urlencode({'code': petition.public_code})}",
        voters=[(v.name, v.address) for v in petition.voters.all()] if show_voters else [],
    )
