"""How long a petitions import takes (issue 14, finding 8), as `make bench` runs it:

    DJANGO_SETTINGS_MODULE=config.settings.bench BENCH_DATABASE_URL=postgres://… python -m bench.imports [N …]

On the database BENCH_DATABASE_URL names (PostgreSQL; created and migrated when missing) it builds a
council of its own (fields, agencies, groups, communes, a round), writes a sheet of N new petitions
as a group would fill in the template (text, round, group, commune, field, level, agency, status,
two voters, a date received), then times what the user waits for — the upload page's check of the
file — and what the worker does: the ImportJob task reading, checking and writing every row in one
transaction, as in production (the broker aside). Everything it wrote is rolled back at the end, so
the bench database is left as it was. Sizes default to 2,000 and 10,000; the target is 10,000
petitions in at most 20 s. Prints one line per size. Not a test: run it on the machine whose figures
you report."""
import datetime
import io
import os
import sys
import time

TARGET_SECONDS = {10_000: 20.0}


def _setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    import django

    django.setup()


def _ensure_database():
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        return
    params = {"dbname": "postgres", "user": db.get("USER") or None, "password": db.get("PASSWORD") or None,
              "host": db.get("HOST") or None, "port": db.get("PORT") or None}
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone():
            conn.execute(f'CREATE DATABASE "{db["NAME"]}"')


class _RollBack(Exception):
    pass


def _world(tag):
    """A council of the bench's own, with what the sheet names."""
    from django.contrib.auth import get_user_model

    from delegations.models import (
        Agency,
        AgencyLevel,
        Commune,
        Council,
        CouncilLevel,
        DelegateGroup,
        Membership,
        Role,
        Term,
    )
    from petitions.models import PetitionField
    from plans.models import ContactPlan, ContactRound, PlanStatus, RoundKind

    council = Council.objects.create(name=f"HĐND tỉnh Bench {tag}", level=CouncilLevel.PROVINCE, place_name="Bench")
    user = get_user_model().objects.create(username=f"bench-import-{tag}")
    Membership.objects.create(user=user, council=council, role=Role.OFFICE)
    term = Term.objects.create(council=council, name="Khóa XX", start_year=2021, end_year=2026, is_current=True)
    fields = [PetitionField.objects.create(council=council, name=name) for name in
              ("Giao thông", "Y tế", "Giáo dục", "Đất đai", "Môi trường", "Nông nghiệp")]
    agencies = [Agency.objects.create(council=council, name=name, level=AgencyLevel.PROVINCE) for name in
                ("Sở Xây dựng", "Sở Y tế", "Sở Giáo dục và Đào tạo", "Sở Nông nghiệp và Môi trường")]
    groups = [DelegateGroup.objects.create(council=council, term=term, name=f"Tổ đại biểu số {n}") for n in range(1, 9)]
    communes = [Commune.objects.create(council=council, name=f"Xã Bench {n}") for n in range(1, 21)]
    plan = ContactPlan.objects.create(council=council, year=2026, subject="Kế hoạch TXCT", status=PlanStatus.ISSUED,
                                      number=1, issued_on=datetime.date(2026, 10, 15))
    rnd = ContactRound.objects.create(plan=plan, kind=RoundKind.BEFORE_SITTING, starts_on=datetime.date(2026, 11, 2),
                                      ends_on=datetime.date(2026, 11, 20))
    return council, user, fields, agencies, groups, communes, rnd


def sheet_bytes(count, fields, agencies, groups, communes, rnd):
    from openpyxl import Workbook

    from petitions.spreadsheets import PETITION_COLUMNS

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Danh sách")
    sheet.append(list(PETITION_COLUMNS.values()))
    for n in range(count):
        values = {
            "received_on": datetime.date(2026, 11, 3 + n % 15), "round": rnd.pk, "group": groups[n % len(groups)].name,
            "commune": communes[n % len(communes)].name,
            "text": f"Cử tri đề nghị sửa chữa, nâng cấp tuyến đường liên thôn số {n}, mặt đường xuống cấp, "
                    "mùa mưa ngập úng, đi lại khó khăn",
            "summary": f"Sửa đường liên thôn số {n}", "fields": fields[n % len(fields)].name, "level": "Tỉnh",
            "agency": agencies[n % len(agencies)].name, "status": "Đã phân loại",
            "voters": f"Nguyễn Văn {n} – Thôn Đông – 0912{n % 1000000:06d}; Trần Thị {n} – Thôn Tây",
        }
        sheet.append([values.get(key, "") for key in PETITION_COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def measure(count):
    """{"check": s, "import": s, "rows": n, …} for one import of `count` new petitions (rolled back)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction

    from delegations.imports import import_job_start
    from delegations.models import ImportJob, ImportKind, ImportState
    from delegations.spreadsheets import check_sheet
    from petitions.models import Petition
    from petitions.spreadsheets import PETITION_COLUMNS
    from petitions.tasks import petitions_import_task

    result = {}
    try:
        with transaction.atomic():
            council, user, *lookups = _world(f"{count}-{time.time_ns()}")
            content = sheet_bytes(count, *lookups)
            result["size_kb"] = len(content) / 1024
            upload = SimpleUploadedFile("bench.xlsx", content)
            started = time.perf_counter()
            expected = check_sheet(upload, PETITION_COLUMNS)
            job = import_job_start(kind=ImportKind.PETITIONS, council=council, user=user, upload=upload,
                                   task=petitions_import_task, rows_expected=expected)
            result["upload"] = time.perf_counter() - started
            started, cpu = time.perf_counter(), time.process_time()
            state = petitions_import_task.run(job_id=job.pk)
            result["import"] = time.perf_counter() - started
            result["cpu"] = time.process_time() - cpu
            job = ImportJob.objects.get(pk=job.pk)
            assert state == ImportState.DONE, job.report.get("errors", [])[:3]
            result["rows"] = Petition.objects.filter(council=council).count()
            assert result["rows"] == count, result
            raise _RollBack
    except _RollBack:
        pass
    return result


def main(argv):
    sizes = [int(arg.replace("_", "").replace(",", "")) for arg in argv] or [2_000, 10_000]
    _setup_django()
    from bench.guard import bench_guard

    bench_guard()  # the bench settings and a database named *_bench, before anything is created
    _ensure_database()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    print(f"Petitions import (issue 14) on {connection.vendor} {connection.settings_dict['NAME']}: "
          "upload page (check + store + outbox) and the worker's task (read, check, write; one transaction)")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    print(f"  (machine: {os.cpu_count()} cores, load average {load:.1f} at the start)" if load is not None else "")
    failed = False
    for size in sizes:
        figures = measure(size)
        target = TARGET_SECONDS.get(size)
        verdict = "" if target is None else (f"  target ≤ {target:.0f} s: " + ("met" if figures["import"] <= target
                                                                              else "NOT MET"))
        failed |= bool(target and figures["import"] > target)
        print(f"  {size:>7,} petitions ({figures['size_kb']:,.0f} KB): upload answered in {figures['upload']:.2f} s, "
              f"imported in {figures['import']:.1f} s ({size / figures['import']:,.0f} rows/s; the worker's own CPU "
              f"{figures['cpu']:.1f} s){verdict}")
    if failed:
        print("  (the target was not met on this run: see the worker's CPU time and the machine's load above)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
