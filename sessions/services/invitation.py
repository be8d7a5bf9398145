"""The invitation (GIẤY MỜI) of a meeting: the date it bears, its number in the council's register, and
its printed copy."""
import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from plans.services import document_number_take

from ..models import ContactSession
from .labels import group_label, place_label, session_subject, venue_label


def invitation_default_date(session, today=None):
    """The date an invitation is meant to bear: today, but never on or after the meeting's day (then the
    day before it)."""
    today = today or timezone.localdate()
    meeting_day = timezone.localtime(session.starts_at).date()
    return min(today, meeting_day - datetime.timedelta(days=1))


@transaction.atomic
def session_invitation_issue(*, session, dated=None, confirm_late=False, confirm_order=False, symbol=""):
    """Number the invitation (Giấy mời, "Số: 03/GM-HĐND") in the council's register, once, with the date
    it bears (default: `invitation_default_date`), and print it after commit; printing again after a
    change keeps the number. A date on or after the meeting's day is refused unless confirmed."""
    session = ContactSession.objects.select_for_update(of=("self",)).get(pk=session.pk)
    if session.invitation_number is None:
        dated = dated or invitation_default_date(session)
        meeting_day = timezone.localtime(session.starts_at).date()
        if dated >= meeting_day and not confirm_late:
            raise ValidationError({"dated": _("The invitation would be dated %(date)s, on or after the meeting of "
                                              "%(meeting)s. Choose an earlier date, or confirm this one.") % {
                "date": dated.strftime("%d/%m/%Y"), "meeting": meeting_day.strftime("%d/%m/%Y")}}, code="late")
        if symbol and symbol not in session.council.document_symbols:
            raise ValidationError({"symbol": _("Choose one of the council's symbols: %(symbols)s.")
                                   % {"symbols": ", ".join(session.council.document_symbols)}})
        session.invitation_symbol = symbol
        session.invitation_number = document_number_take(council=session.council, dated=dated, type_code="GM",
                                                         confirm_order=confirm_order)
        session.invitation_date = dated
    session.invitation_pdf = ""
    session.save(update_fields=["invitation_number", "invitation_date", "invitation_pdf", "invitation_symbol"])
    from delegations.outbox import outbox_enqueue

    from ..tasks import invitation_render

    outbox_enqueue(invitation_render, session_id=session.pk)  # printed after commit, whatever the broker does
    return session


def invitation_document(session, draft=False):
    """The invitation (GIẤY MỜI); unnumbered (a preview) until issued, or with `draft`: then dated in the
    month of its default date."""
    from documents import Block, OfficialDocument, Signature

    plan = session.round.plan
    start = timezone.localtime(session.starts_at)
    invited = [line.strip().rstrip(";.") for line in session.invited.splitlines() if line.strip()]
    group = group_label(session.group)
    blocks = [Block("paragraph", f"Thường trực {session.council} trân trọng kính mời:"),
              *[Block("plain", f"- {line};") for line in invited],
              Block("paragraph", f"Tới dự hội nghị tiếp xúc cử tri của {group} {session.council} với cử tri "
                                 f"{place_label(session.commune)}."),
              Block("plain", f"Thời gian: {start:%H} giờ {start:%M} phút, ngày {start:%d/%m/%Y}."),
              Block("plain", f"Địa điểm: {venue_label(session)}."
                                 + (f" Trực tuyến: {session.online_link}." if session.online_link else "")),
              Block("paragraph", f"Nội dung: {session.content or 'tiếp xúc cử tri theo kế hoạch.'}"),
              Block("paragraph", "Rất mong các vị đại biểu, cử tri quan tâm, tham dự đầy đủ, đúng giờ./.")]
    numbered = not draft and session.invitation_number is not None
    intended = session.invitation_date or invitation_default_date(session)
    return OfficialDocument(
        issuer_lines=session.council.issuing_body, type_code="GM",
        symbol=session.council.symbol_for(session.invitation_symbol),
        title="GIẤY MỜI", subject_lines=session_subject(session), place=session.council.place_name,
        number=session.invitation_number if numbered else None,
        date=session.invitation_date if numbered else None,
        draft_month=intended.month, draft_year=intended.year, blocks=blocks,
        recipients=[*(f"{line};" for line in invited), "Lưu: VT."],
        signature=Signature([line for line in (plan.signing_authority, plan.signing_on_behalf, plan.signer_position)
                             if line], plan.signer_name),
    )


def invitation_file_stem(session):
    from documents import file_stem

    return file_stem("GM", session.invitation_number, session.invitation_date, draft_key=session.pk,
                     intended_on=invitation_default_date(session))


def invitation_render(*, session_id):
    from django.core.files.base import ContentFile

    from documents import render_pdf

    with transaction.atomic():
        session = (ContactSession.objects.select_for_update(of=("self",))
                   .select_related("council", "round__plan", "group", "commune").get(pk=session_id))
        if session.invitation_number is None or session.invitation_pdf:
            return False
        old = session.invitation_pdf.name
        session.invitation_pdf.save(f"{invitation_file_stem(session)}.pdf",
                                    ContentFile(render_pdf(invitation_document(session))), save=False)
        session.skip_history_when_saving = True
        session.save(update_fields=["invitation_pdf"])
        if old:
            transaction.on_commit(lambda: session.invitation_pdf.storage.delete(old))
    return True
