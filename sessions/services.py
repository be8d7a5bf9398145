"""Scheduling rules of contact meetings."""
import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from delegations.calendar import WorkingCalendar
from delegations.deadlines import deadline_close, deadline_open, due_compute
from delegations.models import DeadlineRules, DeadlineUnit, DelegateGroup, Membership, Role
from delegations.uploads import file_replace, validate_upload
from plans.services import Meeting, document_number_take, meeting_dues_sync

from .models import DEFAULT_DURATION, ContactSession, MeetingStatus, Minutes, MinutesStatus


def schedulable_groups(user):
    """Groups the user schedules for: every group of a council where they are office staff, and
    the group they lead."""
    if user.is_superuser:
        return DelegateGroup.objects.all()
    memberships = user.memberships.filter(is_active=True)
    office = memberships.filter(role=Role.OFFICE).values("council_id")
    led = memberships.filter(role=Role.GROUP_LEADER).values("group_id")
    return DelegateGroup.objects.filter(Q(council_id__in=office) | Q(pk__in=led))


def user_is_office(user, council):
    from plans.services import user_roles_in

    return Role.OFFICE in user_roles_in(user, council)


def session_conflicts(*, session, delegates, start, end):
    """The other meetings at which one of `delegates` is booked during [start, end)."""
    candidates = (ContactSession.objects.filter(delegates__in=delegates, starts_at__lt=end,
                                                starts_at__gte=start - datetime.timedelta(hours=12))
                  .exclude(status=MeetingStatus.CANCELLED).exclude(pk=session.pk)
                  .select_related("commune").prefetch_related("delegates").distinct())
    return [other for other in candidates if other.end > start]


def session_validate(*, session, delegates):
    """Refuse a meeting outside its round's window without a stated reason, and a delegate booked
    in two places at once; every problem is reported with the field it concerns."""
    errors = {}
    start = session.starts_at
    end = session.ends_at or start + DEFAULT_DURATION
    if session.ends_at and session.ends_at <= start:
        errors["ends_at"] = _("The meeting must end after it starts.")
    rnd = session.round
    local_day = timezone.localtime(start).date()
    if rnd and not (rnd.starts_on <= local_day <= rnd.ends_on) and not session.outside_window_reason.strip():
        errors["starts_at"] = _("%(day)s is outside the round (%(start)s – %(end)s): choose a date inside it or "
                                "state the reason.") % {"day": local_day.strftime("%d/%m/%Y"),
                                                        "start": rnd.starts_on.strftime("%d/%m/%Y"),
                                                        "end": rnd.ends_on.strftime("%d/%m/%Y")}
    if session.group_id and session.commune_id and not session.group.communes.filter(pk=session.commune_id).exists():
        errors["commune"] = _("This commune is not covered by the group.")
    clashes = session_conflicts(session=session, delegates=delegates, start=start, end=end)
    if clashes:
        booked = {d.pk for d in delegates}
        messages = []
        for other in clashes:
            names = ", ".join(d.full_name for d in other.delegates.all() if d.pk in booked)
            messages.append(_("%(names)s already attend the meeting at %(place)s at %(time)s.") % {
                "names": names, "place": other.commune, "time": timezone.localtime(other.starts_at).strftime("%H:%M %d/%m/%Y")})
        errors["delegates"] = messages
    if errors:
        raise ValidationError(errors)


def meetings_of_rounds(round_ids):
    """The meetings (not cancelled) of these rounds, for the plans' per-meeting due dates: one query."""
    rows = (ContactSession.objects.filter(round_id__in=round_ids).exclude(status=MeetingStatus.CANCELLED)
            .order_by("starts_at", "pk").values_list("pk", "round_id", "group_id", "starts_at"))
    return [Meeting(session_id=pk, round_id=round_id, group_id=group_id, day=timezone.localtime(starts_at).date())
            for pk, round_id, group_id, starts_at in rows]


@transaction.atomic
def session_save(*, session, delegates, user=None):
    """Schedule a meeting or change it; its group's delegates (and those invited) are told when it is
    new or its time moved."""
    session_validate(session=session, delegates=delegates)
    before = (ContactSession.objects.filter(pk=session.pk).values_list("starts_at", flat=True).first()
              if session.pk else None)
    session.council = session.round.plan.council
    session.save()
    session.delegates.set(delegates)
    if before is None:
        session_notify(session=session, event="scheduled", user=user)
    elif before != session.starts_at:
        session_notify(session=session, event="moved", user=user, before=before)
    # Due dates counted from each meeting (the plan's assignments) are made or moved with it.
    meeting_dues_sync(session_id=session.pk, round_id=session.round_id)
    return session


def session_notify(*, session, event, user=None, before=None):
    """Tell the group's delegates with accounts and the delegates invited that a meeting is scheduled,
    moved or cancelled (with the invitation when it is printed); tell the group's leader that the
    minutes of a held meeting are due (delegations/notify.py). Inside the caller's transaction."""
    from delegations.models import NotificationKind as Kind
    from delegations.notify import date_vn, group_leaders, group_members, notify, users_union

    when = timezone.localtime(session.starts_at)
    values = {"group": session.group, "place": f"{session.commune} · {session.venue}".strip(" ·"),
              "time": when.strftime("%H:%M"), "date": when.strftime("%d/%m/%Y"),
              "reason": session.cancel_reason, "due": date_vn(session.minutes_due_on)}
    if before is not None:
        before = timezone.localtime(before)
        values["old"] = before.strftime("%H:%M %d/%m/%Y")
    url = (reverse("contact_sessions:invitation_download", args=[session.pk]) if session.invitation_pdf
           else session.get_absolute_url())
    if event == "minutes_due":
        notify(kind=Kind.MINUTES_DUE, recipients=group_leaders(session.group), obj=session,
               subject=_("Minutes due by %(due)s: meeting of %(date)s at %(place)s") % values,
               body=_("The meeting of %(group)s on %(date)s at %(place)s is recorded as held; its minutes are "
                      "due by %(due)s.") % values)
        return
    invited = get_user_model().objects.filter(delegate__in=session.delegates.all(), is_active=True)
    recipients = users_union(group_members(session.group), invited)
    if event == "scheduled":
        kind, subject, body = (Kind.MEETING_SCHEDULED, _("Meeting on %(date)s at %(time)s: %(place)s"),
                               _("%(group)s meets voters on %(date)s at %(time)s at %(place)s."))
    elif event == "moved":
        kind, subject, body = (Kind.MEETING_MOVED, _("Meeting moved to %(date)s at %(time)s: %(place)s"),
                               _("The meeting of %(group)s at %(place)s planned at %(old)s is moved to %(time)s on "
                                 "%(date)s."))
    else:
        kind, subject, body = (Kind.MEETING_CANCELLED, _("Meeting cancelled: %(date)s at %(place)s"),
                               _("The meeting of %(group)s on %(date)s at %(place)s is cancelled. Reason: "
                                 "%(reason)s"))
    notify(kind=kind, recipients=recipients, url=url, exclude=user, subject=subject % values, body=body % values)


@transaction.atomic
def session_record_outcome(*, session, status, delegates_present=(), voters_present=None, chair="", secretary="",
                           postponed_to=None, cancel_reason="", user=None):
    """After the meeting: held (with attendance; the minutes fall due), postponed to a new date,
    or cancelled with a reason."""
    # The meeting's row first, then its minutes: the order minutes_finalise locks them in, so that an
    # outcome and a finalisation at once are taken one after the other.
    ContactSession.objects.select_for_update().filter(pk=session.pk).first()
    if Minutes.objects.filter(session=session, status=MinutesStatus.FINAL).exists():
        raise ValidationError({"status": _("The minutes are final: the outcome can no longer change.")})
    before_start = session.starts_at
    if status == MeetingStatus.HELD:
        if session.starts_at > timezone.now():
            raise ValidationError({"status": _("A meeting cannot be recorded as held before it starts.")})
        rules = DeadlineRules.for_council(session.council)
        # N days after the meeting, on the next working day when that one is not (art. 148(5)).
        session.minutes_due_on, _explanation = due_compute(
            start=timezone.localtime(session.starts_at).date(), amount=rules.minutes_due_days,
            unit=DeadlineUnit.DAYS, calendar=WorkingCalendar.for_council(session.council))
        session.voters_present, session.chair, session.secretary = voters_present, chair, secretary
        Minutes.objects.get_or_create(session=session)
    elif status == MeetingStatus.POSTPONED:
        if postponed_to is None:
            raise ValidationError({"postponed_to": _("Give the new date.")})
        session.postponed_to = session.starts_at = postponed_to
        session.ends_at = None
    elif status == MeetingStatus.CANCELLED:
        if not cancel_reason.strip():
            raise ValidationError({"cancel_reason": _("Give the reason for cancelling.")})
        session.cancel_reason = cancel_reason.strip()
    else:
        raise ValidationError({"status": _("Choose held, postponed or cancelled.")})
    session.status = status
    session.save()
    if status == MeetingStatus.HELD:
        session.delegates_present.set(delegates_present)
        deadline_open(subject=session, kind=MINUTES_DEADLINE, council=session.council,
                      start=timezone.localtime(session.starts_at).date(), amount=rules.minutes_due_days,
                      unit=DeadlineUnit.DAYS, title=f"{session.group} · {session}", url=session.get_absolute_url())
        session_notify(session=session, event="minutes_due", user=user)
    else:
        deadline_close(subject=session, kind=MINUTES_DEADLINE, cancelled=True)
        session_notify(session=session, event="moved" if status == MeetingStatus.POSTPONED else "cancelled",
                       user=user, before=before_start if status == MeetingStatus.POSTPONED else None)
    if status in (MeetingStatus.POSTPONED, MeetingStatus.CANCELLED):
        # Moved to its new date, or dropped: its due dates counted from it follow.
        meeting_dues_sync(session_id=session.pk, round_id=session.round_id)
    return session


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

    from .tasks import minutes_render

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

    from .tasks import minutes_render

    outbox_enqueue(minutes_render, minutes_id=minutes.pk)
    return minutes


GROUP_WORD = "Tổ đại biểu"
COMMUNE_KIND_WORD = {"xa": "xã", "phuong": "phường", "dac_khu": "đặc khu"}


def group_label(group):
    """The group's name as printed, once: "Tổ đại biểu số 1" (never "Tổ đại biểu Tổ đại biểu số 1");
    a bare name ("số 1", "Thuận Thành") takes the word in front."""
    name = str(group).strip()
    return name if name.lower().startswith(GROUP_WORD.lower()) else f"{GROUP_WORD} {name}"


def place_label(commune):
    """The commune with its kind: "phường Đông Hưng Thuận", "xã Kinh Bắc", "đặc khu Phú Quý" (a name
    that already starts with its kind is left as it is)."""
    word = COMMUNE_KIND_WORD.get(commune.kind, "xã")
    name = commune.name.strip()
    return name if name.lower().startswith(word) else f"{word} {name}"


def venue_label(session):
    """The venue, then the commune with its kind, unless the venue already names the commune."""
    venue = session.venue.strip().rstrip(",.")
    if session.commune.name.strip().lower() in venue.lower():
        return venue
    return f"{venue}, {place_label(session.commune)}"


def session_subject(session):
    """The subject line: the group (with its number), the council, the place with its kind."""
    council = session.council.name.strip()
    return [f"Hội nghị tiếp xúc cử tri của {group_label(session.group)} {council}",
            f"với cử tri {place_label(session.commune)}"]


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

    from .tasks import invitation_render

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
