"""Petition imports as a background task (issue 14, finding 8): the upload page answers at once with
the import's page, the task is handed over through the outbox after commit (a broker outage loses
nothing: the sweep hands it again), the page polls the counts and ends on the report, all or
nothing; only the uploader (office staff of the council) sees an import."""
import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from delegations.models import ImportJob, ImportState, OutboxTask, Role
from delegations.outbox import outbox_redispatch
from petitions.models import Petition, PetitionEvent, PetitionField
from petitions.spreadsheets import PETITION_COLUMNS
from petitions.tasks import petitions_import_task
from tests.factories import MembershipFactory, UserFactory

HEADERS = list(PETITION_COLUMNS.values())
COL = {key: index for index, key in enumerate(PETITION_COLUMNS, start=1)}


def sheet_bytes(count, bad_row=None):
    workbook = Workbook()
    workbook.active.append(HEADERS)
    for index in range(count):
        row = {COL["text"]: f"Đề nghị sửa đường thôn {index}", COL["fields"]: "Giao thông",
               COL["agency"]: "Sở Xây dựng", COL["voters"]: f"Cử tri {index} – Thôn Đông – 0912345678"}
        if index + 2 == bad_row:
            row[COL["agency"]] = "Sở Không Có"
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def field(world):
    return PetitionField.objects.create(council=world.council, name="Giao thông")


def settings_media(job):
    from pathlib import Path

    from django.conf import settings
    return Path(settings.MEDIA_ROOT)


def upload(client, content):
    return client.post(reverse("petitions:import"), {"file": SimpleUploadedFile("a.xlsx", content)})


def test_the_upload_is_answered_at_once_and_the_task_imports_after_commit(world, field, client_for, flaky_broker,
                                                                          django_capture_on_commit_callbacks):
    broker = flaky_broker(petitions_import_task)
    broker.down = True  # first the broker is down: nothing is lost
    client = client_for(world.users["office"])
    content = sheet_bytes(300)
    started = time.perf_counter()
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, content)
    assert time.perf_counter() - started < 1.5
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("petitions:import_job", args=[job.pk])
    assert (job.state, job.rows_total, job.user, job.council) == (ImportState.QUEUED, 300, world.users["office"],
                                                                 world.council)
    assert job.file.name.startswith(f"imports/{world.council.pk}/") and job.file.name.endswith(".xlsx")
    stored = job.file.name
    assert (settings_media(job) / stored).exists()
    assert not Petition.objects.exists()
    row = OutboxTask.objects.for_call(petitions_import_task, job_id=job.pk).get()
    assert row.last_error and row.done_at is None

    page = client.get(response["Location"])
    assert page.status_code == 200 and 'data-testid="import-progress"' in page.content.decode()
    assert f'hx-get="{reverse("petitions:import_job_status", args=[job.pk])}"' in page.content.decode()

    broker.down = False  # back: the sweep hands the wish again, and the task runs (eagerly here)
    assert outbox_redispatch() == 1
    job.refresh_from_db()
    assert (job.state, job.rows_read, job.rows_checked, job.rows_written) == (ImportState.DONE, 300, 300, 300)
    assert Petition.objects.count() == 300
    assert OutboxTask.objects.get(pk=row.pk).done_at is not None
    assert job.file.name == "" and not (settings_media(job) / stored).exists()  # voters' data not kept

    status = client.get(reverse("petitions:import_job_status", args=[job.pk]))
    assert status.json() == {"state": "done", "finished": True, "read": 300, "checked": 300, "written": 300,
                             "total": 300, "url": reverse("petitions:import_job", args=[job.pk])}
    fragment = client.get(reverse("petitions:import_job_status", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert fragment["HX-Redirect"] == reverse("petitions:import_job", args=[job.pk])
    page = client.get(reverse("petitions:import_job", args=[job.pk]))
    assert page.context["report"].created == 300
    assert "hx-get" not in page.content.decode()  # finished: no more polling


def test_running_the_task_twice_imports_once(world, field):
    from delegations.imports import import_job_start
    job = import_job_start(kind="petitions", council=world.council, user=world.users["office"],
                           upload=SimpleUploadedFile("a.xlsx", sheet_bytes(5)), task=petitions_import_task)
    assert petitions_import_task(job_id=job.pk) == ImportState.DONE
    assert petitions_import_task(job_id=job.pk) is None
    assert Petition.objects.count() == 5
    assert PetitionEvent.objects.filter(kind="imported").count() == 5


def test_one_bad_row_imports_nothing_and_the_report_names_it(world, field, client_for):
    from delegations.imports import import_job_start
    job = import_job_start(kind="petitions", council=world.council, user=world.users["office"],
                           upload=SimpleUploadedFile("a.xlsx", sheet_bytes(50, bad_row=40)), task=petitions_import_task)
    assert petitions_import_task(job_id=job.pk) == ImportState.REFUSED
    job.refresh_from_db()
    assert (job.rows_read, job.rows_checked, job.rows_written) == (50, 50, 0)
    assert job.file.name == "" and job.report["errors"]  # the report is kept, the sheet is not
    assert not Petition.objects.exists()
    page = client_for(world.users["office"]).get(reverse("petitions:import_job", args=[job.pk]))
    assert [number for number, _problems in page.context["report"].errors] == [40]
    assert "Sở Không Có" in page.content.decode().split('data-testid="import-errors"')[1]


def test_a_crafted_or_wrong_file_is_refused_by_the_upload_page_itself(world, client_for):
    response = upload(client_for(world.users["office"]), b"PK\x03\x04 broken")
    assert response.status_code == 400
    assert not ImportJob.objects.exists()
    workbook = Workbook()
    workbook.active.append(["Mã", "Nội dung"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(client_for(world.users["office"]), buffer.getvalue())
    assert response.status_code == 400 and "Ngày nhận" in response.context["report"].errors[0][1][0]
    assert not ImportJob.objects.exists()


@pytest.fixture
def job(world, field):
    from delegations.imports import import_job_start
    return import_job_start(kind="petitions", council=world.council, user=world.users["office"],
                            upload=SimpleUploadedFile("a.xlsx", sheet_bytes(3)), task=petitions_import_task)


@pytest.mark.parametrize("role", ["standing", "group_leader", "delegate", "agency"])
def test_roles_other_than_office_are_refused(world, job, client_for, role):
    client = client_for(world.users[role])
    for name in ("petitions:import_job", "petitions:import_job_status"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 403


@pytest.mark.parametrize("who", ["commune_office", "other_council", "colleague"])
def test_another_office_never_sees_the_import(world, job, client_for, who):
    if who == "colleague":  # office staff of the same council: the import is its uploader's
        user = MembershipFactory(user=UserFactory(username="vanphong2"), council=world.council, role=Role.OFFICE).user
    else:
        user = world.users[who]
    client = client_for(user)
    for name in ("petitions:import_job", "petitions:import_job_status"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404


def test_an_uploader_who_is_no_longer_office_staff_sees_it_no_more(world, job, client_for):
    world.users["office"].memberships.update(role=Role.DELEGATE)
    assert client_for(world.users["office"]).get(reverse("petitions:import_job", args=[job.pk])).status_code == 403


def test_an_id_beyond_the_databases_range_is_not_found(world, job, client_for):
    client = client_for(world.users["office"])
    for path in ("/petitions/import/99999999999999999999/", "/petitions/import/99999999999999999999/status/",
                 "/org/import/99999999999999999999/", "/org/import/99999999999999999999/status/"):
        assert client.get(path).status_code == 404, path


def test_anonymous_is_sent_to_log_in(world, job, client_for):
    for name in ("petitions:import_job", "petitions:import_job_status"):
        response = client_for(None).get(reverse(name, args=[job.pk]))
        assert response.status_code == 302 and "login" in response["Location"]


def test_the_status_and_the_page_take_a_fixed_number_of_queries(world, job, client_for, django_assert_num_queries):
    client = client_for(world.users["office"])
    client.get(reverse("petitions:import_job_status", args=[job.pk]))  # session and user cached alike
    with django_assert_num_queries(4):  # session, user, the role check, the job
        client.get(reverse("petitions:import_job_status", args=[job.pk]))
    petitions_import_task(job_id=job.pk)
    with django_assert_num_queries(4):
        client.get(reverse("petitions:import_job_status", args=[job.pk]), HTTP_HX_REQUEST="true")


@pytest.mark.django_db(transaction=True)
def test_the_progress_counts_are_seen_while_the_rows_are_still_uncommitted(world, field, monkeypatch):
    """Inside the import's transaction the counts go through their own connection (PostgreSQL): a
    reader outside sees them grow before any petition is committed."""
    from django.db import connection, connections

    from delegations import imports
    outside = connections.create_connection("default")
    seen = []
    write = imports.ImportProgress.write

    def spy(self):
        write(self)
        with outside.cursor() as cursor:
            cursor.execute("SELECT rows_checked, rows_written, (SELECT count(*) FROM petitions_petition) "
                           "FROM delegations_importjob WHERE id = %s", [self.job_id])
            seen.append(cursor.fetchone())
    monkeypatch.setattr(imports.ImportProgress, "write", spy)
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 0)
    job = imports.import_job_start(kind="petitions", council=world.council, user=world.users["office"],
                                   upload=SimpleUploadedFile("a.xlsx", sheet_bytes(450)), task=petitions_import_task)
    try:
        petitions_import_task(job_id=job.pk)
    finally:
        outside.close()
    assert Petition.objects.count() == 450
    if connection.vendor == "postgresql":  # (SQLite's single writer: the counts come at the end there)
        checked = [row[0] for row in seen if row[0]]
        assert checked[:3] == [200, 400, 450]
        assert max(row[1] for row in seen) == 450
        assert all(row[2] == 0 for row in seen)  # seen while nothing was committed yet
