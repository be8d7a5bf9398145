"""A test a new view cannot dodge (issue 10): voters with a unique name, address and phone are planted
in a commune council's petition and in a province petition raised at a meeting of group A; then
EVERY URL pattern of the project, enumerated from the URL resolver, is requested as each role with
the planted objects' ids filled in (downloads read back: .xlsx through openpyxl, PDF through
pdfplumber, .docx through python-docx, iCal unfolded), and the planted strings must appear exactly
where the one rule (petitions.models.voter_data_rule) allows them: never elsewhere, and on the
petition page, the floor table and the export for those it allows.

A URL pattern this test does not know how to fill FAILS it: a new view must be added to FILL (or,
for a page without parameters, nothing is needed)."""
import datetime
import io
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import openpyxl
import pdfplumber
import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from docx import Document

from delegations.models import CalendarDay, CalendarDayKind, DeadlineChange, Notification, Role
from delegations.text import fold
from petitions import reports as petition_reports
from petitions import services
from petitions.models import (
    AnswerOutcome,
    PetitionField,
    ReportKind,
)
from plans.models import (
    Assignment,
    AssignmentDue,
    ContactPlan,
    ContactRound,
    PlanStatus,
    RoundKind,
    Sitting,
    SittingKind,
)
from sessions.models import ContactSession, MeetingStatus, Minutes
from tests.factories import (
    CommuneFactory,
    DelegateFactory,
    DelegateGroupFactory,
    ElectoralUnitFactory,
    MembershipFactory,
    TermFactory,
    UserFactory,
)
from tests.pdfs import PLAIN as PLAIN_PDF

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
# Unique strings: found nowhere else in the product or its data.
PROVINCE_VOTER = {"name": "Quách Thị Zephyrine", "address": "Số 71 ngõ Vọng Nguyệt Xyloph", "phone": "0977311504"}
COMMUNE_VOTER = {"name": "Lục Văn Quixotic", "address": "Xóm Bến Đò Ywzqk", "phone": "0966402719"}

# Who may see which planted voter (the issue's rule, written out, not computed by the code under test).
ROLES = ("office", "standing", "group_leader", "group_a_delegate", "delegate", "agency", "commune_office",
         "other_council", "anonymous")
ALLOWED = {
    "province": {"office", "standing", "group_leader", "group_a_delegate"},
    "commune": {"commune_office"},
}
# Excluded with the reason: the Django admin answers only is_staff accounts (asserted below: no role
# user is staff, and /admin/ sends every role to its login page); a superuser may see every voter.
EXCLUDED_NAMESPACES = {"admin"}


def walk(resolver, namespace=""):
    """Every URL pattern of the project: its namespace ("petitions:"), full name ("petitions:floor",
    None when unnamed) and pattern."""
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from walk(pattern, inner)
        elif isinstance(pattern, URLPattern):
            yield namespace, (f"{namespace}{pattern.name}" if pattern.name else None), pattern


def planted_world(world):
    """The planted voters and every object a URL needs: both councils' rounds, meetings, petitions
    (the province one forwarded, with an extension asked for and an answer with an attachment),
    reports rendered as PDF, Word and Excel, and the organisation's rows."""
    o = {}
    o["province"], o["commune"] = world.council, world.commune_council
    # The province: a plan, its round, a meeting of group A, a petition raised there.
    sitting = Sitting.objects.create(council=world.council, term=world.term, number=3, kind=SittingKind.REGULAR_YEAR_END,
                                     opens_on=datetime.date(2026, 12, 8), closes_on=datetime.date(2026, 12, 10))
    plan = ContactPlan.objects.create(council=world.council, year=2026, subject="Kế hoạch TXCT", sitting=sitting,
                                      status=PlanStatus.ISSUED, number=1, issued_on=datetime.date(2026, 10, 15))
    rnd = ContactRound.objects.create(plan=plan, kind=RoundKind.BEFORE_SITTING,
                                      starts_on=datetime.date(2026, 11, 2), ends_on=datetime.date(2026, 12, 1))
    commune_area = CommuneFactory(council=world.council, name="Kiêm Tân")
    world.group_a.communes.add(commune_area)
    meeting = ContactSession.objects.create(
        council=world.council, round=rnd, group=world.group_a, commune=commune_area, status=MeetingStatus.HELD,
        starts_at=datetime.datetime(2026, 11, 24, 8, tzinfo=HANOI), venue="Nhà văn hóa thôn Kiêm Tân")
    meeting.delegates.set([world.delegate])
    Minutes.objects.create(session=meeting, opening="Khai mạc", voters_speak="Cử tri phát biểu")
    field = PetitionField.objects.create(council=world.council, name="Giao thông")
    province = services.petitions_from_floor(session=meeting, user=world.users["group_leader"], rows=[
        {"text": "Đề nghị sửa cầu Kiêm Tân bị xuống cấp", "field": field, "voter_name": PROVINCE_VOTER["name"],
         "voter_address": PROVINCE_VOTER["address"], "voter_phone": PROVINCE_VOTER["phone"]}])[0]
    services.petitions_classify(petitions=[province], user=world.users["office"], fields=[field],
                                level="province", agency=world.agency)
    forwarding = services.petitions_forward(petitions=[province], user=world.users["office"])[0]
    province.refresh_from_db()
    extension = services.extension_request(petition=province, user=world.users["agency"], agency=world.agency,
                                           until=province.answer_due_on + datetime.timedelta(days=30),
                                           reason="Cần khảo sát thêm")
    answer = services.answer_record(petition=province, user=world.users["agency"], agency=world.agency,
                                    outcome=AnswerOutcome.RESOLVED, text="Đã sửa xong cầu.",
                                    attachment=SimpleUploadedFile("tra-loi.pdf", PLAIN_PDF))
    o.update(plan=plan, round=rnd, sitting=sitting, meeting=meeting, province_petition=province,
             forwarding=forwarding, extension=extension, answer=answer, field=field, commune_area=commune_area)
    o["assignment"] = Assignment.objects.create(plan=plan, text="Gửi báo cáo", responsible_kind="office")

    # The commune council: its own term, group, plan, round, meeting and petition.
    commune = world.commune_council
    commune_term = TermFactory(council=commune, name="Khóa I", is_current=True)
    commune_group = DelegateGroupFactory(council=commune, term=commune_term, name="Tổ đại biểu thôn Đông")
    commune_plan = ContactPlan.objects.create(council=commune, year=2026, subject="Kế hoạch TXCT xã",
                                              status=PlanStatus.ISSUED, number=1,
                                              issued_on=datetime.date(2026, 10, 16))
    commune_round = ContactRound.objects.create(plan=commune_plan, kind=RoundKind.BEFORE_SITTING,
                                                starts_on=datetime.date(2026, 11, 2),
                                                ends_on=datetime.date(2026, 12, 1))
    hamlet = CommuneFactory(council=commune, name="Thôn Đông")
    commune_meeting = ContactSession.objects.create(
        council=commune, round=commune_round, group=commune_group, commune=hamlet, status=MeetingStatus.HELD,
        starts_at=datetime.datetime(2026, 11, 25, 8, tzinfo=HANOI), venue="Hội trường xã")
    commune_petition = services.petitions_from_floor(session=commune_meeting, user=world.users["commune_office"],
                                                     rows=[{"text": "Đề nghị nạo vét kênh thủy lợi",
                                                            "voter_name": COMMUNE_VOTER["name"],
                                                            "voter_address": COMMUNE_VOTER["address"],
                                                            "voter_phone": COMMUNE_VOTER["phone"]}])[0]
    o.update(commune_plan=commune_plan, commune_round=commune_round, commune_meeting=commune_meeting,
             commune_petition=commune_petition, commune_group=commune_group)

    # Reports of both councils' rounds, rendered (PDF, Word, Excel) as the worker would.
    o["reports"] = []
    for council, round_, user in ((world.council, rnd, world.users["office"]),
                                  (commune, commune_round, world.users["commune_office"])):
        report = petition_reports.report_request(user=user, council=council, kind=ReportKind.ROUND, round=round_,
                                                 signer_name="Nguyễn Văn A")
        assert petition_reports.report_render(report_id=report.pk) is True
        o["reports"].append(report)

    # The organisation's rows, for the org pages.
    o["unit"] = ElectoralUnitFactory(council=world.council, name="Đơn vị bầu cử số 1")
    o["calendar_day"] = CalendarDay.objects.create(council=world.council, date=datetime.date(2026, 12, 31),
                                                   kind=CalendarDayKind.DAY_OFF, reason="Nghỉ bù")
    o["membership"] = world.users["office"].memberships.get()
    o["notification"] = Notification.objects.create(recipient=world.users["office"], subject="Nhắc hạn",
                                                    url=province.get_absolute_url())
    # Excel imports of both councils' offices (the page and the status of each), finished.
    from django.core.files.base import ContentFile

    from delegations.models import ImportJob, ImportKind, ImportState
    o["import_jobs"] = []
    for council, user, petition in ((world.council, world.users["office"], province),
                                    (commune, world.users["commune_office"], commune_petition)):
        job = ImportJob(kind=ImportKind.PETITIONS, council=council, user=user, state=ImportState.DONE,
                        rows_read=1, rows_checked=1, rows_written=1, rows_total=1,
                        report={"created": 0, "updated": 1, "unchanged": 0, "errors": [],
                                "changes": [[2, petition.public_code, ["tóm tắt"]]], "notes": []})
        job.file.save("import.xlsx", ContentFile(b"PK\x03\x04"), save=False)
        job.save()
        o["import_jobs"].append(job)
    o["delegate_import_jobs"] = [ImportJob.objects.create(
        kind=ImportKind.DELEGATES, council=council, user=user, state=ImportState.DONE,
        report={"created": 1, "updated": 0, "groups_created": 0, "errors": [], "notes": []})
        for council, user in ((world.council, world.users["office"]), (commune, world.users["commune_office"]))]
    return o


def _pks(*objects):
    return [{"pk": obj.pk} for obj in objects]


def org_fill(slug, o, world):
    return {
        "council": lambda: _pks(o["province"], o["commune"]),
        "term": lambda: _pks(world.term),
        "commune": lambda: _pks(o["commune_area"]),
        "electoral_unit": lambda: _pks(o["unit"]),
        "group": lambda: _pks(world.group_a, o["commune_group"]),
        "delegate": lambda: _pks(world.delegate),
        "agency": lambda: _pks(world.agency),
        "membership": lambda: _pks(o["membership"]),
        "calendar_day": lambda: _pks(o["calendar_day"]),
    }[slug]()


# How to fill each URL pattern that has parameters: its name → the kwargs to request it with.
FILL = {
    "delegations:notification_open": lambda o, w: _pks(o["notification"]),
    "plans:plan_detail": lambda o, w: _pks(o["plan"], o["commune_plan"]),
    "plans:plan_update": lambda o, w: _pks(o["plan"]),
    "plans:plan_files": lambda o, w: _pks(o["plan"]),
    "plans:plan_render_again": lambda o, w: _pks(o["plan"]),
    "plans:plan_outline": lambda o, w: _pks(o["plan"], o["commune_plan"]),
    "delegations:membership_unlock": lambda o, w: _pks(o["membership"]),
    "delegations:deadline_changes": lambda o, w: [
        {"batch": batch} for batch in DeadlineChange.objects.exclude(batch="").values_list("batch", flat=True)
        .distinct()[:3]] or [{"batch": "0" * 32}],
    "plans:plan_step": lambda o, w: [{"pk": o["plan"].pk, "step": "publish"}],
    "plans:plan_download": lambda o, w: [{"pk": o["plan"].pk, "kind": k} for k in ("pdf", "docx", "signed")],
    "plans:plan_signed_upload": lambda o, w: _pks(o["plan"]),
    "plans:assignment_toggle": lambda o, w: _pks(o["assignment"]),
    "plans:round_add": lambda o, w: _pks(o["plan"], o["commune_plan"]),
    "plans:rounds_bulk": lambda o, w: _pks(o["plan"], o["commune_plan"]),
    "plans:round_remove": lambda o, w: _pks(o["round"], o["commune_round"]),
    "plans:assignment_add": lambda o, w: _pks(o["plan"], o["commune_plan"]),
    "plans:assignments_bulk": lambda o, w: _pks(o["plan"], o["commune_plan"]),
    "plans:assignment_remove": lambda o, w: _pks(o["assignment"]),
    "plans:assignment_move": lambda o, w: _pks(o["assignment"]),
    "plans:assignment_due_add": lambda o, w: _pks(o["assignment"]),
    "plans:assignment_due_remove": lambda o, w: _pks(AssignmentDue.objects.get_or_create(
        assignment=o["assignment"], kind="date", date=datetime.date(2026, 3, 15))[0]),
    "plans:public_plan_download": lambda o, w: [{"pk": o["plan"].pk, "kind": k} for k in ("pdf", "signed")],
    "plans:sitting_update": lambda o, w: _pks(o["sitting"]),
    "plans:sitting_delete": lambda o, w: _pks(o["sitting"]),
    **{f"contact_sessions:{name}": (lambda o, w: _pks(o["meeting"], o["commune_meeting"])) for name in (
        "session_detail", "session_update", "session_outcome", "session_invitation", "invitation_download",
        "minutes_edit", "minutes_scan_upload", "session_files", "minutes_render_again")},
    "contact_sessions:minutes_download": lambda o, w: [{"pk": o["meeting"].pk, "kind": k} for k in ("pdf", "signed")],
    "contact_sessions:minutes_reopen": lambda o, w: _pks(o["meeting"], o["commune_meeting"]),
    "contact_sessions:session_document": lambda o, w: [
        {"pk": m.pk, "document": d, "fmt": f} for m in (o["meeting"], o["commune_meeting"])
        for d in ("invitation", "minutes") for f in ("pdf", "docx")],
    "contact_sessions:ical_feed": lambda o, w: [{"council_id": o["province"].pk}, {"council_id": o["commune"].pk}],
    "petitions:forwarding_detail": lambda o, w: _pks(o["forwarding"]),
    **{f"petitions:{name}": (lambda o, w: _pks(o["province_petition"], o["commune_petition"])) for name in (
        "petition_detail", "classify", "merge", "unmerge", "send_back", "close", "raise_again", "agency_answer",
        "agency_extension", "petition_slip")},
    "petitions:extension_decide": lambda o, w: _pks(o["extension"]),
    "petitions:floor": lambda o, w: [{"session_pk": o["meeting"].pk}, {"session_pk": o["commune_meeting"].pk}],
    "petitions:floor_slips": lambda o, w: [{"session_pk": o["meeting"].pk}, {"session_pk": o["commune_meeting"].pk}],
    "petitions:answer_attachment": lambda o, w: _pks(o["answer"]),
    **{f"petitions:{name}": (lambda o, w: _pks(*o["reports"])) for name in (
        "report_detail", "report_files", "report_issue", "report_refresh")},
    "petitions:report_download": lambda o, w: [{"pk": r.pk, "fmt": f} for r in o["reports"]
                                               for f in ("pdf", "docx", "xlsx")],
    **{f"petitions:{name}": (lambda o, w: _pks(*o["import_jobs"])) for name in ("import_job", "import_job_status")},
    **{f"delegations:{name}": (lambda o, w: _pks(*o["delegate_import_jobs"]))
       for name in ("import_job", "import_job_status")},
}
# Pages asked again with a query that could pull a voter in: a search by the voter's name, the
# similar-petitions fragment fed the voter's name, a filtered export, an iCal feed by group.
QUERIES = {
    "petitions:petition_list": lambda o: [f"?q={PROVINCE_VOTER['name']}", f"?q={COMMUNE_VOTER['name']}",
                                          f"?q={PROVINCE_VOTER['phone']}"],
    "petitions:similar": lambda o: [f"?council={o['province'].pk}&round={o['round'].pk}&text="
                                    f"{PROVINCE_VOTER['name']} sửa cầu Kiêm Tân",
                                    f"?council={o['commune'].pk}&round={o['commune_round'].pk}&text="
                                    f"{COMMUNE_VOTER['name']} nạo vét kênh thủy lợi"],
    "petitions:export": lambda o: [f"?q={PROVINCE_VOTER['name']}", "?status=answered"],
    "petitions:agency_inbox": lambda o: [f"?q={PROVINCE_VOTER['name']}"],
    "contact_sessions:ical_feed": lambda o: [f"?group={o['meeting'].group_id}"],
    "petitions:lookup": lambda o: [f"?code={o['province_petition'].public_code}",
                                   f"?code={o['commune_petition'].public_code}"],
}


def body_text(response):
    """What a response shows, as text: HTML/JSON/iCal decoded (iCal lines unfolded), workbooks' cells,
    PDF text, Word paragraphs and table cells."""
    data = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if data.startswith(b"%PDF"):
        try:
            with pdfplumber.open(io.BytesIO(data)) as pdf:
                return "\n".join(page.extract_text() or "" for page in pdf.pages)
        except Exception:  # a stub attachment: its bytes are all there is  # noqa: BLE001
            return data.decode("latin-1")
    if data.startswith(b"PK"):
        if "spreadsheet" in kind or response.get("Content-Disposition", "").rstrip('"').endswith(".xlsx"):
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
            return "\n".join(str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                             for cell in row if cell is not None)
        document = Document(io.BytesIO(data))
        parts = [p.text for p in document.paragraphs]
        parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        return "\n".join(parts)
    text = data.decode("utf-8", errors="replace")
    if "calendar" in kind:
        text = text.replace("\r\n ", "").replace("\\,", ",")
    return text


def leaks(text, voter, asked=""):
    """The planted strings of `voter` found in `text` (as written, and accent-folded), but those the
    request itself carried (`asked`: a search box shows back what was typed in it)."""
    folded = fold(text)
    return [value for value in voter.values()
            if value not in asked and (value in text or fold(value) in folded)]


@pytest.fixture
def planted(world):
    world.users["group_a_delegate"] = MembershipFactory(
        user=UserFactory(username="daibieu_a"), council=world.council, role=Role.DELEGATE, group=world.group_a).user
    DelegateFactory(council=world.council, term=world.term, full_name="Đào Thị Mai", group=world.group_a,
                    user=world.users["group_a_delegate"])
    return planted_world(world)


def test_every_url_shows_planted_voters_only_where_the_rule_allows(world, planted, client_for):
    # The admin is excluded because only staff accounts reach it: no role user is one.
    assert not any(user.is_staff for user in world.users.values())
    for role in ROLES:
        response = client_for(world.users.get(role)).get(reverse("admin:index"))
        assert response.status_code == 302 and "/admin/login/" in response["Location"]

    unfilled, requests, shown = [], [], {(role, which): [] for role in ROLES for which in ALLOWED}
    for namespace, name, pattern in walk(get_resolver()):
        if namespace.split(":")[0] in EXCLUDED_NAMESPACES:
            continue
        params = pattern.pattern.regex.groupindex
        if name is None:
            unfilled.append(str(pattern.pattern))
            continue
        if params:
            if name in FILL:
                kwargs_list = FILL[name](planted, world)
            elif name.startswith("delegations:") and name.rsplit("_", 1)[-1] in ("update", "delete"):
                kwargs_list = org_fill(name.split(":")[1].rsplit("_", 1)[0], planted, world)
            else:
                unfilled.append(name)
                continue
            urls = [reverse(name, kwargs=kwargs) for kwargs in kwargs_list]
        else:
            urls = [reverse(name)]
        urls += [urls[0] + query for query in QUERIES.get(name, lambda o: [])(planted)]
        requests += [(name, url) for url in urls]
    assert not unfilled, f"URL patterns this test cannot fill (add them to FILL): {unfilled}"
    assert len(requests) > 100

    for role in ROLES:
        client = client_for(world.users.get(role))
        for name, url in requests:
            response = client.get(url)
            assert response.status_code < 500, (role, url, response.status_code)
            text = body_text(response)
            for which, voter in (("province", PROVINCE_VOTER), ("commune", COMMUNE_VOTER)):
                found = leaks(text, voter, asked=unquote(url))
                if role not in ALLOWED[which]:
                    assert not found, f"{role} sees the {which} voter's {found} at {url}"
                elif found:
                    shown[(role, which)].append(name)

    # Where the rule allows, the data is there: the petition page for every allowed role, the floor
    # table of the meeting, and the export for the office and the standing committee.
    for which, roles in ALLOWED.items():
        for role in roles:
            assert "petitions:petition_detail" in shown[(role, which)], (role, which)
            assert "petitions:floor" in shown[(role, which)], (role, which)
            assert "petitions:petition_slip" in shown[(role, which)], (role, which)  # the voter's receipt
            assert "petitions:floor_slips" in shown[(role, which)], (role, which)
    for role in ("office", "standing"):
        assert "petitions:export" in shown[(role, "province")]
    assert "petitions:export" in shown[("commune_office", "commune")]


def test_no_notification_or_email_carries_a_voter(world, planted):
    from delegations.sweep import deadlines_sweep
    deadlines_sweep(today=datetime.date(2027, 6, 1))
    assert Notification.objects.count() > 1  # the sweep did write reminders and escalations
    texts = [f"{n.subject}\n{n.body}" for n in Notification.objects.all()]
    texts += [f"{m.subject}\n{m.body}" for m in mail.outbox]
    for text in texts:
        assert not leaks(text, PROVINCE_VOTER) and not leaks(text, COMMUNE_VOTER)


def test_the_history_of_a_voter_is_shown_to_no_one_outside_the_admin(world, planted, client_for):
    """PetitionVoter's history (django-simple-history) is kept for the admin; the petition page's
    history panel is the petition's own and never names a voter, even after a voter is corrected."""
    voter = planted["province_petition"].voters.get()
    voter.address = "Số 72 ngõ Vọng Nguyệt Xyloph"
    voter.save()
    url = planted["province_petition"].get_absolute_url()
    for role in ("delegate", "agency", "commune_office"):
        response = client_for(world.users[role]).get(url)
        assert not leaks(body_text(response), {**PROVINCE_VOTER, "old": "Số 72 ngõ Vọng Nguyệt Xyloph"})
