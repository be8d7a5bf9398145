"""The voter's receipt (phiếu tiếp nhận kiến nghị, issue 12): one petition's slip, and a meeting's slips
for all its petitions, as PDF through the one renderer module (`documents`). Council staff who may
read the petition (or the meeting) print them; the voters' names and addresses are on the slip only
for those the one rule allows (petitions.models.voter_data_rule), and each such print is logged."""
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from delegations.access import get_for_user, require_council_staff
from delegations.downloads import file_download
from documents import render_slips_pdf
from sessions.models import ContactSession

from ..models import Petition, VoterDataSurface
from ..privacy import VotersShown, voter_access_record, with_visible_voters
from ..slips import lookup_address, petition_slip


def _slips_response(request, petitions, stem):
    voter_access_record(user=request.user, surface=VoterDataSurface.SLIP, shown=VotersShown.of_petitions(petitions),
                        path=request.get_full_path())
    page = lookup_address(request)
    pdf = render_slips_pdf([petition_slip(p, lookup_page=page, show_voters=True) for p in petitions])
    return file_download(io.BytesIO(pdf), stem)


def _with_slip_parts(petitions, user):
    return with_visible_voters(petitions.select_related("council", "session__commune"), user=user).order_by("pk")


@login_required
def petition_slip_pdf(request, pk):
    require_council_staff(request.user)
    petition = get_for_user(Petition, request.user, pk)
    petitions = list(_with_slip_parts(Petition.objects.filter(pk=petition.pk), request.user))
    return _slips_response(request, petitions, f"phieu-tiep-nhan-{petition.public_code}")


@login_required
def floor_slips_pdf(request, session_pk):
    """The slips of every petition recorded at a meeting, two to an A4 page."""
    require_council_staff(request.user)
    session = get_for_user(ContactSession, request.user, session_pk)
    petitions = list(_with_slip_parts(Petition.objects.for_user(request.user).filter(session=session),
                                      request.user))
    if not petitions:
        messages.info(request, _("No petition is recorded for this meeting yet."))
        return redirect("petitions:floor", session_pk=session.pk)
    return _slips_response(request, petitions, f"phieu-tiep-nhan-hoi-nghi-{session.pk}")
