"""Multi-step writes of the organisation app."""
import logging

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.forms import EmailField
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import (
    Delegate,
    DelegateGroup,
    DelegateKind,
    ElectoralUnit,
    Membership,
    Notification,
    NotificationKind,
)
from .spreadsheets import PHONE, ImportReport, SheetError, read_sheet, shown_value, template_workbook
from .text import fold, legacy_problems

log = logging.getLogger(__name__)


def set_vietnamese_name(account, full_name):
    """Family and middle names in first_name, the given name in last_name: get_full_name() then
    reads "Trịnh Thị Ngọc", and ordering by last_name sorts by given name, as Vietnamese lists do."""
    family, _sep, given = " ".join(full_name.split()).rpartition(" ")
    account.first_name, account.last_name = family, given


@transaction.atomic
def membership_save(*, membership, username, full_name, email, password=None):
    """Create or update a user account together with its membership of a council."""
    user_model = get_user_model()
    account = membership.user if membership.user_id else user_model(username=username)
    account.username = username
    set_vietnamese_name(account, full_name)
    account.email = email
    if password:
        account.set_password(password)
    account.save()
    membership.user = account
    membership.save()
    return membership


def notification_create(*, recipient, subject, body="", url="", email=True, kind=NotificationKind.ACCOUNT):
    """Put one message in a user's inbox and, after commit, email it at once (account notices;
    workflow messages go through delegations.notify.notify, which follows the user's preferences)."""
    notification = Notification.objects.create(recipient=recipient, subject=subject, body=body, url=url, kind=kind)
    if email and recipient.email:
        from .outbox import outbox_enqueue
        from .tasks import notification_email

        # Written with the message; emailed after commit, or later by the outbox sweep if the broker is down.
        outbox_enqueue(notification_email, notification_id=notification.pk)
    return notification


def notifications_mark_all_read(*, user):
    """Every unread message of the user becomes read now; returns how many (0 the second time)."""
    return Notification.objects.for_user(user).unread().update(read_at=timezone.now())


def notification_mark_read(*, notification):
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])


@transaction.atomic
def password_changed(*, user):
    """Tell a user their password changed, in the inbox and by email, so a change they did not make shows."""
    return notification_create(
        recipient=user,
        subject=_("Your password was changed"),
        body=_("The password of the account %(username)s was changed on %(when)s. "
               "If you did not do this, tell the council office at once.")
        % {"username": user.username, "when": timezone.localtime().strftime("%H:%M %d/%m/%Y")},
        url=reverse("password_change"),
    )


DELEGATE_COLUMNS = {
    "full_name": "Họ và tên",
    "kind": "Loại đại biểu",
    "position": "Chức vụ",
    "organisation": "Cơ quan công tác",
    "phone": "Điện thoại",
    "email": "Email",
    "group": "Tổ đại biểu",
    "group_role": "Vai trò trong tổ",
    "electoral_unit": "Đơn vị bầu cử số",
}
KIND_VALUES = {"chuyen trach": DelegateKind.FULL_TIME, "kiem nhiem": DelegateKind.PART_TIME, "": DelegateKind.PART_TIME}
GROUP_ROLE_VALUES = {"to truong": "leader", "to pho": "deputy", "thanh vien": "member", "": "member"}
DELEGATE_TEMPLATE_CHOICES = {"kind": ["Chuyên trách", "Kiêm nhiệm"], "group_role": ["Tổ trưởng", "Tổ phó", "Thành viên"]}
DELEGATE_TEMPLATE_EXAMPLES = [
    {"full_name": "Nguyễn Văn An", "kind": "Chuyên trách", "position": "Phó Trưởng Ban Pháp chế HĐND tỉnh",
     "organisation": "Văn phòng Đoàn ĐBQH và HĐND tỉnh", "phone": "0912345678", "email": "an.nv@example.vn",
     "group": "Tổ đại biểu số 1", "group_role": "Tổ trưởng", "electoral_unit": "1"},
    {"full_name": "Trần Thị Bình", "kind": "Kiêm nhiệm", "position": "Giám đốc",
     "organisation": "Sở Y tế", "phone": "0987654321", "email": "",
     "group": "Tổ đại biểu số 1", "group_role": "Thành viên", "electoral_unit": "1"},
]


def delegates_sheet_read(upload, progress=None):
    """The rows of a delegates sheet (a SheetRows), or the SheetError saying why it cannot be read."""
    tell = progress or (lambda **counts: None)
    try:
        sheet = read_sheet(upload, DELEGATE_COLUMNS, {"phone": PHONE}, progress=lambda n: tell(read=n))
    except SheetError as error:
        return error
    tell(read=len(sheet.rows))
    return sheet


def delegates_import(*, council, term, upload=None, sheet=None, progress=None):
    """Import delegates and their groups from the template sheet: every row is checked first;
    if any row is refused, nothing is written and each refused row is reported. `sheet`: the upload
    already read by `delegates_sheet_read`; `progress(checked=…, written=…)` is told the counts."""
    report = ImportReport()
    tell = progress or (lambda **counts: None)
    if sheet is None:
        sheet = delegates_sheet_read(upload, progress)
    if isinstance(sheet, SheetError):
        report.errors.append((None, [str(sheet)]))
        return report
    rows, report.notes = sheet.rows, sorted(sheet.notes.items())
    if not rows:
        report.errors.append((None, [_("The sheet has no data rows.")]))
        return report

    units = {str(u.number): u for u in ElectoralUnit.objects.filter(council=council, term=term)}
    groups = {fold(g.name): g for g in DelegateGroup.objects.filter(council=council, term=term)}
    existing = {(fold(d.full_name), d.phone): d for d in Delegate.objects.filter(council=council, term=term)}
    seen, leaders, deputies, planned = {}, {}, {}, []
    email_field = EmailField()
    for number, row in rows:
        problems = list(sheet.problems.get(number, ())) + legacy_problems(row, DELEGATE_COLUMNS)
        name = " ".join(row["full_name"].split())
        if not name:
            problems.append(_("the full name is empty"))
        elif len(name) > 200:
            problems.append(_("the full name is longer than 200 characters"))
        kind = KIND_VALUES.get(fold(row["kind"]))
        if kind is None:
            problems.append(_('the kind "%(value)s" is not "Chuyên trách" or "Kiêm nhiệm"') % {"value": shown_value(row["kind"])})
        phone = row["phone"].replace(" ", "").replace(".", "")
        if phone and not phone.lstrip("+").isdigit():
            problems.append(_('the phone "%(value)s" is not a phone number') % {"value": shown_value(row["phone"])})
        if row["email"]:
            try:
                email_field.clean(row["email"])
            except ValidationError:
                problems.append(_('the email "%(value)s" is not valid') % {"value": shown_value(row["email"])})
        group_role = GROUP_ROLE_VALUES.get(fold(row["group_role"]))
        group_key = fold(row["group"])
        if group_role is None:
            problems.append(_('the role in the group "%(value)s" is not "Tổ trưởng", "Tổ phó" or "Thành viên"')
                            % {"value": shown_value(row["group_role"])})
        elif group_role != "member" and not group_key:
            problems.append(_("a group leader or deputy needs a group"))
        for role, holders in (("leader", leaders), ("deputy", deputies)):
            if group_role == role and group_key:
                if group_key in holders:
                    problems.append(_("the group %(group)s already has this role in row %(row)s")
                                    % {"group": row["group"], "row": holders[group_key]})
                else:
                    holders[group_key] = number
        unit = None
        if row["electoral_unit"]:
            unit_number = row["electoral_unit"].removesuffix(".0")
            unit = units.get(unit_number)
            if unit is None:
                problems.append(_("there is no electoral unit number %(value)s in this council and term")
                                % {"value": shown_value(row["electoral_unit"])})
        key = (fold(name), phone)
        if name and key in seen:
            problems.append(_("the same delegate is already in row %(row)s") % {"row": seen[key]})
        seen[key] = number
        if problems:
            report.errors.append((number, problems))
            continue
        planned.append({
            "name": name, "kind": kind, "position": row["position"], "organisation": row["organisation"],
            "phone": phone, "email": row["email"], "group_name": " ".join(row["group"].split()),
            "group_key": group_key, "group_role": group_role, "unit": unit, "existing": existing.get(key),
        })
    tell(checked=len(rows))
    if report.errors:
        return report

    with transaction.atomic():
        for item in planned:
            group = None
            if item["group_key"]:
                group = groups.get(item["group_key"])
                if group is None:
                    group = DelegateGroup.objects.create(council=council, term=term, name=item["group_name"])
                    groups[item["group_key"]] = group
                    report.groups_created += 1
            delegate = item["existing"] or Delegate(council=council, term=term)
            delegate.full_name = item["name"]
            delegate.kind = item["kind"]
            delegate.position = item["position"]
            delegate.organisation = item["organisation"]
            delegate.phone = item["phone"]
            delegate.email = item["email"]
            delegate.electoral_unit = item["unit"]
            delegate.group = group
            if delegate.pk:
                report.updated += 1
            else:
                report.created += 1
            delegate.save()
            if group is not None and item["group_role"] in ("leader", "deputy"):
                setattr(group, item["group_role"], delegate)
                group.save(update_fields=[item["group_role"]])
    tell(written=len(planned))
    return report


def delegates_template():
    return template_workbook(DELEGATE_COLUMNS, DELEGATE_TEMPLATE_EXAMPLES, DELEGATE_TEMPLATE_CHOICES, {"phone": PHONE})


@transaction.atomic
def login_unlock(*, membership, by):
    """Lift the login lock of a membership's account: delete the failed logins django-axes recorded for
    its username (from every address), so that the user can log in at once; tell the user in the inbox.

    `by` must be office staff of the membership's council (or a superuser); a superuser's account is
    unlocked only by an administrator in the admin (Axes › Access attempts). An address's own lock (many
    accounts tried from one place) is not lifted here. Raises PermissionDenied. Returns the number of
    attempt records removed (0 when nothing was recorded).
    """
    from axes.utils import reset

    account = membership.user
    if not Membership.objects.managed_by(by).filter(pk=membership.pk).exists():
        raise PermissionDenied
    if account.is_superuser and not by.is_superuser:
        raise PermissionDenied(_("Only a system administrator can unlock an administrator's account."))
    removed = reset(username=account.get_username())
    if removed:
        log.info("Login of %s unlocked by %s (%d attempt records removed)", account.get_username(),
                 by.get_username(), removed)
        notification_create(
            recipient=account,
            subject=_("Your login was unlocked"),
            body=_("%(who)s unlocked the login of the account %(username)s on %(when)s after repeated failed "
                   "logins. If these attempts were not yours, change your password.")
            % {"who": by.get_full_name() or by.get_username(), "username": account.get_username(),
               "when": timezone.localtime().strftime("%H:%M %d/%m/%Y")},
            url=reverse("password_change"),
        )
    return removed


def records_purge(*, now=None):
    """Delete the traces kept only for a while, and say how many went: `{"form_tokens": n,
    "logins": n}`.

    - Form tokens (`SubmittedForm`) older than settings.FORM_TOKEN_KEEP_DAYS days: a double click comes
      within seconds, a resent page within days.
    - Logins recorded by django-axes (`AccessLog`: user name, address, browser of each successful
      login) older than settings.LOGIN_LOG_RETENTION_DAYS days: personal data kept no longer than its
      purpose needs (Decree 13/2023/NĐ-CP, art. 3). Failed attempts expire with the lockout itself."""
    import datetime

    from axes.models import AccessLog
    from django.conf import settings

    from .models import SubmittedForm

    now = now or timezone.now()
    tokens, _rows = SubmittedForm.objects.filter(
        submitted_at__lt=now - datetime.timedelta(days=settings.FORM_TOKEN_KEEP_DAYS)).delete()
    logins, _rows = AccessLog.objects.filter(
        attempt_time__lt=now - datetime.timedelta(days=settings.LOGIN_LOG_RETENTION_DAYS)).delete()
    return {"form_tokens": tokens, "logins": logins}
