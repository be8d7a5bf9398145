"""Scheduling rules of contact meetings."""
import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
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
def session_save(*, session, delegates):
    session_validate(session=session, delegates=delegates)
    session.council = session.round.plan.council
    session.save()
    session.delegates.set(delegates)
    # Due dates counted from each meeting (the plan's assignments) are made or moved with it.
    meeting_dues_sync(session_id=session.pk, round_id=session.round_id)
    return session


@transaction.atomic
def session_record_outcome(*, session, status, delegates_present=(), voters_present=None, chair="", secretary="",
                           postponed_to=None, cancel_reason=""):
    """After the meeting: held (with attendance; the minutes fall due), postponed to a new date,
    or cancelled with a reason."""
    # The meeting's row first, then its minutes: the order minutes_finalise locks them in, so that an
    # outcome and a finalisation at once are taken one after the other.
    ContactSession.objects.select_for_update().filter(pk=session.pk).first()
    if Minutes.objects.filter(session=session, status=MinutesStatus.FINAL).exists():
        raise ValidationError({"status": _("The minutes are final: the outcome can no longer change.")})
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
    else:
        deadline_close(subject=session, kind=MINUTES_DEADLINE, cancelled=True)
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


@transaction.atomic
def minutes_finalise(*, minutes, user=None):
    """Draft → final: the record is then closed and printed; refused while a part the law asks for is empty."""
    minutes = _minutes_lock(minutes)
    if minutes.status == MinutesStatus.FINAL:
        raise ValidationError(_minutes_final_message(minutes))
    minutes._history_user = user
    session = minutes.session
    if session.status != MeetingStatus.HELD:  # changed meanwhile (postponed, cancelled): no minutes to close
        raise ValidationError(_("The meeting is %(status)s: only the minutes of a held meeting are finalised.")
                              % {"status": session.get_status_display().lower()})
    missing = [str(Minutes._meta.get_field(name).verbose_name) for name in
               ("opening", "delegates_report", "voters_speak", "closing") if not getattr(minutes, name).strip()]
    if not session.chair or not session.secretary:
        missing.append(str(_("the chair and the secretary")))
    if missing:
        raise ValidationError(_("Fill in before finalising: %(parts)s.") % {"parts": ", ".join(missing)})
    minutes.status, minutes.finalised_at = MinutesStatus.FINAL, timezone.now()
    minutes.number = document_number_take(council=session.council, year=timezone.localdate().year, type_code="BB")
    minutes.save(update_fields=["status", "finalised_at", "number"])
    deadline_close(subject=session, kind=MINUTES_DEADLINE)
    from delegations.outbox import outbox_enqueue

    from .tasks import minutes_render

    outbox_enqueue(minutes_render, minutes_id=minutes.pk)  # printed after commit, whatever the broker does
    return minutes


def minutes_document(minutes):
    """The final minutes as "BIÊN BẢN" in the Decree 30 layout, with THƯ KÝ and CHỦ TỌA signing."""
    from documents import Block, OfficialDocument, Signature

    session = minutes.session
    start = timezone.localtime(session.starts_at)
    present = ", ".join(d.full_name for d in session.delegates_present.all())
    blocks = [
        Block("paragraph", f"Vào hồi {start:%H} giờ {start:%M} phút, ngày {start:%d/%m/%Y}, tại {session.venue}, "
                           f"{session.commune}, Tổ đại biểu {session.group} tổ chức hội nghị tiếp xúc cử tri."),
        Block("part", "I. THÀNH PHẦN THAM DỰ"),
        Block("paragraph", "; ".join(part for part in [
            f"Đại biểu: {present or '…'}",
            f"cử tri tham dự: {session.voters_present or '…'} người",
            *[line.strip() for line in session.invited.splitlines() if line.strip()],
        ]) + "."),
        Block("paragraph", f"Chủ tọa: {session.chair}; thư ký: {session.secretary}."),
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
    closed = minutes.closed_at
    if closed:
        blocks.append(Block("paragraph", f"Hội nghị kết thúc vào hồi {closed:%H} giờ {closed:%M} phút cùng ngày."))
    return OfficialDocument(
        issuer_lines=session.council.issuing_body,
        type_code="BB", symbol=session.council.document_symbol, title="BIÊN BẢN", number=minutes.number,
        subject_lines=["Hội nghị tiếp xúc cử tri của Tổ đại biểu", f"tại {session.commune}"],
        place=session.council.place_name, show_dateline=False,
        blocks=blocks,
        recipients=["Thường trực HĐND;", f"{session.group};", "Lưu: VT."],
        left_signature=Signature(["THƯ KÝ"], session.secretary.split(",")[0]),
        signature=Signature(["CHỦ TỌA"], session.chair.split(",")[0]),
    )


def minutes_render(*, minutes_id):
    """Render the final minutes once; idempotent."""
    from django.core.files.base import ContentFile

    from documents import render_pdf

    with transaction.atomic():
        minutes = Minutes.objects.select_for_update(of=("self",)).select_related("session").get(pk=minutes_id)
        if minutes.status != MinutesStatus.FINAL or minutes.pdf:
            return False
        minutes.pdf.save(f"BB-{minutes.session_id}.pdf", ContentFile(render_pdf(minutes_document(minutes))), save=False)
        minutes.save(update_fields=["pdf"])
    return True


def minutes_attach_scan(*, minutes, upload):
    extension = {"pdf": "pdf", "png": "png", "jpeg": "jpg"}[validate_upload(upload, ["pdf", "jpeg", "png"])]
    return file_replace(minutes, "signed_scan", f"BB-{minutes.session_id}-ban-ky.{extension}", upload)


@transaction.atomic
def session_invitation_issue(*, session):
    """Number the invitation (Giấy mời, "Số: 03/GM-HĐND") in the council's register, once, and
    print it after commit; printing again after a change keeps the number."""
    session = ContactSession.objects.select_for_update(of=("self",)).get(pk=session.pk)
    if session.invitation_number is None:
        today = timezone.localdate()
        session.invitation_number = document_number_take(council=session.council, year=today.year, type_code="GM")
        session.invitation_date = today
    session.invitation_pdf = ""
    session.save(update_fields=["invitation_number", "invitation_date", "invitation_pdf"])
    from delegations.outbox import outbox_enqueue

    from .tasks import invitation_render

    outbox_enqueue(invitation_render, session_id=session.pk)  # printed after commit, whatever the broker does
    return session


def invitation_document(session):
    from documents import Block, OfficialDocument, Signature

    plan = session.round.plan
    start = timezone.localtime(session.starts_at)
    invited = [line.strip() for line in session.invited.splitlines() if line.strip()]
    blocks = [Block("paragraph", f"Thường trực {session.council} trân trọng kính mời:"),
              *[Block("plain", f"- {line};") for line in invited],
              Block("paragraph", f"Tới dự hội nghị tiếp xúc cử tri của {session.group} với cử tri {session.commune}."),
              Block("plain", f"Thời gian: {start:%H} giờ {start:%M} phút, ngày {start:%d/%m/%Y}."),
              Block("plain", f"Địa điểm: {session.venue}, {session.commune}."
                                 + (f" Trực tuyến: {session.online_link}." if session.online_link else "")),
              Block("paragraph", f"Nội dung: {session.content or 'tiếp xúc cử tri theo kế hoạch.'}"),
              Block("paragraph", "Rất mong các vị đại biểu, cử tri quan tâm, tham dự đầy đủ, đúng giờ./.")]
    return OfficialDocument(
        issuer_lines=session.council.issuing_body, type_code="GM", symbol=session.council.document_symbol,
        title="GIẤY MỜI", subject_lines=[], place=session.council.place_name,
        number=session.invitation_number, date=session.invitation_date, blocks=blocks,
        recipients=[*(f"{line};" for line in invited), "Lưu: VT."],
        signature=Signature([line for line in (plan.signing_authority, plan.signing_on_behalf, plan.signer_position)
                             if line], plan.signer_name),
    )


def invitation_render(*, session_id):
    from django.core.files.base import ContentFile

    from documents import render_pdf

    with transaction.atomic():
        session = (ContactSession.objects.select_for_update(of=("self",))
                   .select_related("council", "round__plan", "group", "commune").get(pk=session_id))
        if session.invitation_number is None or session.invitation_pdf:
            return False
        old = session.invitation_pdf.name
        session.invitation_pdf.save(f"GM-{session.invitation_number:02d}-{session.invitation_date:%Y}.pdf",
                                    ContentFile(render_pdf(invitation_document(session))), save=False)
        session.skip_history_when_saving = True
        session.save(update_fields=["invitation_pdf"])
        if old:
            transaction.on_commit(lambda: session.invitation_pdf.storage.delete(old))
    return True
