"""The minutes of a held meeting: their deadline (N days after it, art. 148(5) Civil Code 2015), a draft
saved, finalised with a number, reopened for a correction, and printed as BIÊN BẢN."""
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from delegations.deadlines import deadline_close
from delegations.models import Membership, Role
from delegations.uploads import file_replace, validate_upload
from plans.services import document_number_take

from ..models import ContactSession, MeetingStatus, Minutes, MinutesStatus
from .labels import group_label, session_subject, venue_label

MINUTES_DEADLINE = "minutes"


def minutes_deadlines_moved(deadlines):
    """A calendar or rules change moved some minutes' due dates: the meetings' copies follow, saved
    one by one with the reason for their history."""
    by_id = {d.object_id: d for d in deadlines}
    for session in ContactSession.objects.filter(pk__in=by_id).select_for_update():
        session.minutes_due_on = by_id[session.pk].due_on
        session._change_reason = (getattr(by_id[session.pk], "change_reason", "") or "")[:100] or None
        session.save(update_fields=["minutes_due_on"])


def minutes_deadline_recipients(object_ids):
    """The minutes of a meeting are the group's to write: its leader is reminded, with the office."""
    sessions = list(ContactSession.objects.filter(pk__in=object_ids).values_list("pk", "council_id", "group_id"))
    memberships = (Membership.objects.filter(council_id__in={s[1] for s in sessions}, is_active=True,
                                             user__is_active=True, role__in=[Role.GROUP_LEADER, Role.OFFICE])
                   .select_related("user").order_by("role", "pk"))
    leaders, office = {}, {}
    for membership in memberships:
        if membership.role == Role.GROUP_LEADER:
            leaders.setdefault(membership.group_id, []).append(membership.user)
        else:
            office.setdefault(membership.council_id, []).append(membership.user)
    return {pk: leaders.get(group_id, []) + office.get(council_id, []) for pk, council_id, group_id in sessions}


def _minutes_lock(minutes):
    """Lock the meeting's row, then its minutes' (always in this order), and re-read the minutes."""
    ContactSession.objects.select_for_update().filter(pk=minutes.session_id).first()
    return Minutes.objects.select_for_update(of=("self",)).select_related("session").get(pk=minutes.pk)


def _minutes_final_message(minutes):
    """"Already final", with when and by whom (from the minutes' history)."""
    record = minutes.history.filter(status=MinutesStatus.FINAL).select_related("history_user") \
        .order_by("history_date").first()
    if minutes.finalised_at is None:
        return _("The minutes are already final.")
    local = timezone.localtime(minutes.finalised_at)
    user = record.history_user if record is not None else None
    name = (user.get_full_name() or user.get_username()) if user is not None else "—"
    return _("The minutes were already finalised at %(time)s on %(date)s by %(name)s.") % {
        "time": local.strftime("%H:%M"), "date": local.strftime("%d/%m/%Y"), "name": name}


@transaction.atomic
def minutes_update(*, minutes, changes, user=None):
    """Save a draft's parts (`changes`: field name → value) on the locked row, refused once the
    minutes are final: a save arriving after someone finalised them never turns them back into a
    draft."""
    locked = _minutes_lock(minutes)
    if locked.status == MinutesStatus.FINAL:
        raise ValidationError(_minutes_final_message(locked))
    for name, value in changes.items():
        setattr(locked, name, value)
    locked._history_user = user
    locked.save(update_fields=list(changes))
    return locked


def minutes_unfinished(minutes):
    """Why the minutes cannot be finalised yet (a part the law asks for is empty), or "" when they can."""
    session = minutes.session
    missing = [str(Minutes._meta.get_field(name).verbose_name) for name in
               ("opening", "delegates_report", "voters_speak", "closing") if not getattr(minutes, name).strip()]
    if not session.chair or not session.secretary:
        missing.append(str(_("the chair and the secretary")))
    if missing:
        return _("Fill in before finalising: %(parts)s.") % {"parts": ", ".join(missing)}
    return ""


@transaction.atomic
def minutes_finalise(*, minutes, user=None, issued_on=None, confirm_order=False, symbol=""):
    """Draft → final: the record is then closed and printed; refused while a part the law asks for is empty."""
    minutes = _minutes_lock(minutes)
    if minutes.status == MinutesStatus.FINAL:
        raise ValidationError(_minutes_final_message(minutes))
    minutes._history_user = user
    session = minutes.session
    if session.status != MeetingStatus.HELD:  # changed meanwhile (postponed, cancelled): no minutes to close
        raise ValidationError(_("The meeting is %(status)s: only the minutes of a held meeting are finalised.")
                              % {"status": session.get_status_display().lower()})
    refusal = minutes_unfinished(minutes)
    if refusal:
        raise ValidationError(refusal)
    minutes.status, minutes.finalised_at = MinutesStatus.FINAL, timezone.now()
    if minutes.number is None:   # minutes reopened for a correction keep their number and date
        if symbol and symbol not in session.council.document_symbols:
            raise ValidationError(_("Choose one of the council's symbols: %(symbols)s.")
                                  % {"symbols": ", ".join(session.council.document_symbols)})
        minutes.document_symbol = symbol
        minutes.issued_on = issued_on or timezone.localdate()
        minutes.number = document_number_take(council=session.council, dated=minutes.issued_on, type_code="BB",
                                              confirm_order=confirm_order)
    minutes.pdf = ""
    minutes.save(update_fields=["status", "finalised_at", "number", "issued_on", "document_symbol", "pdf"])
    deadline_close(subject=session, kind=MINUTES_DEADLINE)
    from delegations.outbox import outbox_enqueue

    from ..tasks import minutes_render

    outbox_enqueue(minutes_render, minutes_id=minutes.pk)  # printed after commit, whatever the broker does
    return minutes


@transaction.atomic
def minutes_render_again(*, minutes):
    """"Prepare again" (Chuẩn bị lại) the final minutes' BIÊN BẢN when printing failed or waits too long
    (the broker was down, the worker lost it); refused once it is printed. Idempotent: the render task
    prints final minutes without a PDF only."""
    minutes = _minutes_lock(minutes)
    if minutes.status != MinutesStatus.FINAL:
        raise ValidationError(_("Only final minutes are printed."))
    if minutes.pdf:
        raise ValidationError(_("The document is already prepared."))
    from delegations.outbox import outbox_enqueue

    from ..tasks import minutes_render

    outbox_enqueue(minutes_render, minutes_id=minutes.pk)
    return minutes


def minutes_petitions(session):
    """The petitions recorded at the meeting, in the order entered, with their fields: what was said
    (the summary, or the text), never who said it (no voter's personal data in the minutes). Read
    through the meeting's reverse relation: sessions does not import petitions (apps are layered)."""
    return list(session.petitions.filter(merged_into__isnull=True).order_by("pk")
                .prefetch_related("fields").only("pk", "summary", "text"))


def minutes_document(minutes, draft=False):
    """The minutes as "BIÊN BẢN" in the Decree 30 layout, with THƯ KÝ and CHỦ TỌA signing; `draft`
    (or minutes not yet final) prints them unnumbered, as a preview."""
    from documents import Block, OfficialDocument, Signature

    session = minutes.session
    start = timezone.localtime(session.starts_at)
    present = [d.full_name for d in session.delegates_present.all()]
    group = group_label(session.group)
    blocks = [
        Block("paragraph", f"Vào hồi {start:%H} giờ {start:%M} phút, ngày {start:%d/%m/%Y}, tại {venue_label(session)}, "
                           f"{group} {session.council} tổ chức hội nghị tiếp xúc cử tri."),
        Block("part", "I. THÀNH PHẦN THAM DỰ"),
        Block("paragraph", f"Đại biểu dự hội nghị ({len(present)}): {', '.join(present) or '…'}."),
        Block("paragraph", f"Cử tri tham dự: {session.voters_present if session.voters_present is not None else '…'}"
                           " người."),
        *[Block("paragraph", line.strip().rstrip(";.") + ".") for line in session.invited.splitlines() if line.strip()],
        Block("paragraph", f"Chủ tọa: {session.chair or '…'}; thư ký: {session.secretary or '…'}."),
        Block("part", "II. NỘI DUNG HỘI NGHỊ"),
    ]
    parts = [("1. Chủ tọa khai mạc hội nghị", minutes.opening),
             ("2. Đại biểu báo cáo với cử tri", minutes.delegates_report),
             ("3. Ý kiến, kiến nghị của cử tri", minutes.voters_speak),
             ("4. Đại diện chính quyền địa phương trả lời, giải trình tại hội nghị", minutes.officials_answer),
             ("5. Đại biểu tiếp thu, giải trình", minutes.delegates_respond),
             ("6. Chủ tọa kết thúc hội nghị", minutes.closing)]
    for heading, text in parts:
        if text.strip():
            blocks.append(Block("subsection", heading))
            blocks += [Block("paragraph", line.strip()) for line in text.splitlines() if line.strip()]
    petitions = minutes_petitions(session)
    if petitions:
        blocks.append(Block("part", "III. KIẾN NGHỊ CỦA CỬ TRI ĐÃ GHI NHẬN TẠI HỘI NGHỊ"))
        for index, petition in enumerate(petitions, start=1):
            fields = ", ".join(f.name for f in petition.fields.all())
            what = (petition.summary or petition.text).strip()
            blocks.append(Block("paragraph", what + (f" (Lĩnh vực: {fields})." if fields else ""), lead=f"{index}."))
    closed = minutes.closed_at
    if closed:
        blocks.append(Block("paragraph", f"Hội nghị kết thúc vào hồi {closed:%H} giờ {closed:%M} phút cùng ngày."))
    numbered = not draft and minutes.status == MinutesStatus.FINAL and minutes.number is not None
    return OfficialDocument(
        issuer_lines=session.council.issuing_body,
        type_code="BB", symbol=session.council.symbol_for(minutes.document_symbol), title="BIÊN BẢN",
        number=minutes.number if numbered else None,
        subject_lines=session_subject(session),
        place=session.council.place_name, show_dateline=False,
        blocks=blocks,
        recipients=["Thường trực HĐND;", f"{group};", "Lưu: VT."],
        left_signature=Signature(["THƯ KÝ"], session.secretary.split(",")[0]),
        signature=Signature(["CHỦ TỌA"], session.chair.split(",")[0]),
    )


def minutes_file_stem(minutes):
    """ "BB-03-2026": the BB number and the year it was issued in; unnumbered, "BB-du-thao-…"."""
    from documents import file_stem

    final = minutes.status == MinutesStatus.FINAL and minutes.number is not None
    return file_stem("BB", minutes.number if final else None, minutes.issued_on if final else None,
                     draft_key=minutes.session_id, intended_on=timezone.localdate(minutes.session.starts_at))


def minutes_render(*, minutes_id):
    """Render the final minutes once; idempotent."""
    from django.core.files.base import ContentFile

    from documents import render_pdf

    with transaction.atomic():
        minutes = Minutes.objects.select_for_update(of=("self",)).select_related("session").get(pk=minutes_id)
        if minutes.status != MinutesStatus.FINAL or minutes.pdf:
            return False
        minutes.pdf.save(f"{minutes_file_stem(minutes)}.pdf", ContentFile(render_pdf(minutes_document(minutes))),
                         save=False)
        minutes.save(update_fields=["pdf"])
    return True


@transaction.atomic
def minutes_reopen(*, minutes, user, reason):
    """Final → draft for a correction, by the office of the meeting's council, with the reason (kept in the
    minutes' history); the number and its date are kept, and finalising again prints them anew."""
    from delegations.models import Role
    from plans.services import user_roles_in

    minutes = _minutes_lock(minutes)
    if Role.OFFICE not in user_roles_in(user, minutes.session.council):
        raise PermissionDenied(_("Only the office reopens final minutes."))
    if minutes.status != MinutesStatus.FINAL:
        raise ValidationError(_("The minutes are not final: they can be edited as they are."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say what is to be corrected.")})
    old = minutes.pdf.name if minutes.pdf else ""
    minutes.status, minutes.pdf = MinutesStatus.DRAFT, ""
    minutes._history_user = user
    minutes._change_reason = _("Reopened for correction: %(reason)s") % {"reason": reason[:60]}
    minutes.save(update_fields=["status", "pdf"])
    if old:
        storage = Minutes._meta.get_field("pdf").storage
        transaction.on_commit(lambda: storage.delete(old))
    return minutes


def minutes_attach_scan(*, minutes, upload):
    extension = {"pdf": "pdf", "png": "png", "jpeg": "jpg"}[validate_upload(upload, ["pdf", "jpeg", "png"])]
    return file_replace(minutes, "signed_scan", f"BB-{minutes.session_id}-ban-ky.{extension}", upload)
