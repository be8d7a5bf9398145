"""A petitions sheet of 2,000 rows uploaded in the browser (issue 14): the page answers at once,
its progress card polls the import's status while a real Celery worker (a thread of this test, on
the configured broker, on a queue of the test's own) reads, checks and writes the rows, and the page
ends on the report. SCREENSHOTS_DIR, when set, receives the page at 1280 and 390 px wide."""
import io
import os
import re
import time
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from openpyxl import Workbook

from config.celery import app as celery_app
from delegations.models import ImportJob, ImportState
from petitions.models import Petition, PetitionField
from petitions.spreadsheets import PETITION_COLUMNS
from petitions.tasks import petitions_import_task
from tests.brokers import own_queue

pytestmark = [pytest.mark.browser, pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]
ROWS = 2000
# Runs before any page script: every Content-Security-Policy violation the browser reports is kept.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""




@pytest.fixture
def import_worker(tmp_path, settings):
    """A real worker for petitions_import_task, on a queue (and filesystem folders) of this test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    with own_queue(petitions_import_task.name, tmp_path / "broker", "test-imports") as queue, \
            start_worker(celery_app, perform_ping_check=False, pool="solo", queues=[queue], shutdown_timeout=60):
        yield queue


def sheet_file(path, world):
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.append(list(PETITION_COLUMNS.values()))
    columns = list(PETITION_COLUMNS)
    for n in range(ROWS):
        values = {"received_on": "03/11/2026", "group": world.group_a.name, "text": f"Đề nghị sửa đường thôn {n}",
                  "fields": "Giao thông", "agency": world.agency.name, "status": "Đã phân loại",
                  "voters": f"Cử tri {n} – Thôn Đông"}
        sheet.append([values.get(key) for key in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def shoot(page, name, full_page=True):
    folder = os.environ.get("SCREENSHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=full_page, timeout=60_000, animations="disabled")


def test_a_2000_row_sheet_is_imported_in_the_background_with_a_progress_bar(live_server, page, login, world,
                                                                            import_worker, tmp_path):
    PetitionField.objects.create(council=world.council, name="Giao thông")
    path = sheet_file(tmp_path / "kien-nghi.xlsx", world)
    polls, console = [], []
    page.on("request", lambda request: polls.append(request.url) if "/status/" in request.url else None)
    page.on("console", lambda message: console.append(message.text) if "Content Security Policy" in message.text
            else None)
    page.add_init_script(RECORD_VIOLATIONS)

    login("vanphong")
    page.goto(f"{live_server.url}/petitions/import/")
    page.set_input_files("input[name=file]", str(path))
    page.click("form[enctype='multipart/form-data'] button[type=submit]")
    page.wait_for_url(re.compile(r"/petitions/import/\d+/$"), timeout=60_000)
    job = ImportJob.objects.get()
    progress = page.get_by_test_id("import-progress")
    assert progress.is_visible()

    # The card polls the status while the worker runs: counts are seen on the page before the report.
    seen, deadline = [], time.monotonic() + 120
    while time.monotonic() < deadline:
        card = page.get_by_test_id("import-progress")
        state, read = card.get_attribute("data-state"), page.get_by_test_id("count-read").inner_text()
        seen.append((state, read))
        if state == "running" and int(read.split("/")[0]) > 0:
            break
        assert state != "done", [s for i, s in enumerate(seen) if i == 0 or s != seen[i - 1]]  # (2,000 rows take longer than one poll)
        page.wait_for_timeout(100)
    assert seen[-1][0] == "running", seen
    shoot(page, "import-progress-desktop.png")
    page.set_viewport_size({"width": 390, "height": 844})
    shoot(page, "import-progress-390.png")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_test_id("import-summary").wait_for(timeout=180_000)
    assert f"{ROWS} " in page.get_by_test_id("import-summary").inner_text()
    assert len(polls) >= 2 and all(url.endswith(f"/petitions/import/{job.pk}/status/") for url in polls)
    assert page.get_by_test_id("import-progress").get_attribute("data-state") == "done"
    assert [page.get_by_test_id(f"count-{step}").inner_text() for step in ("read", "checked", "written")] == \
        [f"{ROWS} / {ROWS}"] * 3
    assert (page.evaluate("window.__csp"), console) == ([], [])  # strict CSP: htmx polling, bars by app.js
    job.refresh_from_db()
    assert job.state == ImportState.DONE
    assert Petition.objects.filter(council=world.council, group=world.group_a).count() == ROWS
    assert page.get_by_test_id("import-changes").locator("tbody tr").count() == 200  # the rest summed up
    assert "1800" in page.get_by_test_id("import-changes-more").inner_text()
    shoot(page, "import-report-desktop.png")
    page.set_viewport_size({"width": 390, "height": 844})
    shoot(page, "import-report-390.png", full_page=False)
