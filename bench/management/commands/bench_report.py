"""Benchmark: the time to build and render the round's consolidated report (and the results report)
for N petitions, as `make bench` runs it.

Creates a scratch council with a round of N main petitions (plus a tenth as many merged duplicates,
held meetings, fields, agencies, forwardings and answers) inside a transaction that is rolled back,
on the database DATABASE_URL names; then times reading the data, the PDF (WeasyPrint), the Word copy
and the Excel workbook, as the worker's task does them. Not a test: run it on the machine whose
figures you report. `--output DIR` keeps the files to look at."""
import datetime
import io
import platform
import random
import time
import uuid
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from bench.guard import bench_guard

WORDS = ("đề nghị UBND tỉnh quan tâm đầu tư nâng cấp tuyến đường giao thông liên xã đã xuống cấp nghiêm trọng "
         "nhiều ổ gà gây mất an toàn cho người dân khi đi lại nhất là vào mùa mưa bão; sớm hỗ trợ kinh phí xây "
         "dựng nhà văn hóa thôn, trạm y tế, trường mầm non; giải quyết dứt điểm tranh chấp đất đai, cấp giấy chứng "
         "nhận quyền sử dụng đất; kiểm tra ô nhiễm môi trường tại cụm công nghiệp; chế độ chính sách người có "
         "công, bảo hiểm y tế cho người cao tuổi").split()


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time the round report (PDF, Word, Excel) and the results report for N petitions."

    def add_arguments(self, parser):
        parser.add_argument("--petitions", type=int, default=5000)
        parser.add_argument("--output", help="a folder to write the rendered files into")
        parser.add_argument("--skip-results", action="store_true", help="time the round report only")

    def handle(self, *args, petitions, output, skip_results, **options):
        bench_guard()
        import pdfplumber

        from documents import render_docx, render_pdf
        from petitions import reports
        from petitions.models import Report, ReportKind

        timings = {}
        try:
            with transaction.atomic():
                start = time.perf_counter()
                world = self.make_world(petitions)
                timings["seed"] = time.perf_counter() - start
                kinds = [ReportKind.ROUND] + ([] if skip_results else [ReportKind.RESULTS])
                for kind in kinds:
                    report = Report.objects.create(
                        council=world["council"], kind=kind, round=world["round"], signer_name="Nguyễn Văn Bench",
                        recipients=reports.default_recipients(world["council"]))
                    report = reports.report_load(report.pk)
                    if kind == ReportKind.ROUND:
                        reports.render_files(reports.report_build(report))  # warm up: fonts, CSS, templates
                    connection.queries_log.clear()
                    start = time.perf_counter()
                    with CountQueries() as counter:
                        built = reports.report_build(report)
                    data = time.perf_counter() - start
                    start, cpu = time.perf_counter(), time.process_time()
                    pdf = render_pdf(built.document)
                    pdf_time, pdf_cpu = time.perf_counter() - start, time.process_time() - cpu
                    start = time.perf_counter()
                    docx = render_docx(built.document)
                    docx_time = time.perf_counter() - start
                    start = time.perf_counter()
                    xlsx = reports.workbook_bytes(built.sheets)
                    xlsx_time = time.perf_counter() - start
                    with pdfplumber.open(io.BytesIO(pdf)) as parsed:
                        pages = len(parsed.pages)
                    timings[kind] = {"data": data, "queries": counter.count, "pdf": pdf_time, "pdf_cpu": pdf_cpu, "docx": docx_time,
                                     "xlsx": xlsx_time, "pages": pages, "listed": built.petition_count}
                    if output:
                        folder = Path(output)
                        folder.mkdir(parents=True, exist_ok=True)
                        for extension, content in (("pdf", pdf), ("docx", docx), ("xlsx", xlsx)):
                            (folder / f"{kind}-{petitions}.{extension}").write_bytes(content)
                raise Rollback
        except Rollback:
            pass
        self.stdout.write(f"Machine: {platform.node()} · {platform.processor() or platform.machine()} · "
                          f"Python {platform.python_version()} · {connection.vendor}")
        self.stdout.write(f"Scratch data: {petitions} main petitions (+{petitions // 10} merged) seeded in "
                          f"{timings['seed']:.1f} s, rolled back")
        for kind, t in timings.items():
            if kind == "seed":
                continue
            self.stdout.write(
                f"{kind:8} report: {t['listed']} petitions, {t['pages']} pages · data {t['data']:.2f} s "
                f"({t['queries']} queries) · PDF {t['pdf']:.1f} s (CPU {t['pdf_cpu']:.1f} s) · data + PDF {t['data'] + t['pdf']:.1f} s · "
                f"Word {t['docx']:.1f} s · Excel {t['xlsx']:.1f} s · all {t['data'] + t['pdf'] + t['docx'] + t['xlsx']:.1f} s")

    def make_world(self, count):
        from delegations.models import (
            Agency,
            AgencyLevel,
            Commune,
            Council,
            CouncilLevel,
            DelegateGroup,
            Term,
        )
        from petitions.models import (
            Answer,
            AnswerOutcome,
            Forwarding,
            Petition,
            PetitionField,
            PetitionStatus,
        )
        from plans.models import ContactPlan, ContactRound, PlanStatus, RoundKind, Sitting, SittingKind
        from sessions.models import ContactSession, MeetingStatus

        rng = random.Random(2026)
        tag = uuid.uuid4().hex[:6]
        council = Council.objects.create(name=f"HĐND tỉnh Bench {tag}", level=CouncilLevel.PROVINCE,
                                         place_name="Bắc Ninh", issuing_body_lines="HỘI ĐỒNG NHÂN DÂN\nTỈNH BẮC NINH")
        term = Term.objects.create(council=council, name="Khóa XX", start_year=2026, end_year=2031, is_current=True)
        sitting = Sitting.objects.create(council=council, term=term, number=5, kind=SittingKind.REGULAR_YEAR_END,
                                         opens_on=datetime.date(2026, 12, 8), closes_on=datetime.date(2026, 12, 10))
        plan = ContactPlan.objects.create(council=council, sitting=sitting, year=2026, subject="Kế hoạch TXCT",
                                          status=PlanStatus.ISSUED, number=12, issued_on=datetime.date(2026, 10, 15))
        rnd = ContactRound.objects.create(plan=plan, sitting=sitting, kind=RoundKind.BEFORE_SITTING,
                                          starts_on=datetime.date(2026, 11, 2), ends_on=datetime.date(2026, 11, 20))
        groups = DelegateGroup.objects.bulk_create(
            [DelegateGroup(council=council, term=term, name=f"Tổ đại biểu số {i}") for i in range(1, 17)])
        communes = Commune.objects.bulk_create([Commune(council=council, name=f"Xã Bench {i}") for i in range(1, 31)])
        fields = PetitionField.objects.bulk_create(
            [PetitionField(council=council, name=name, order=i) for i, name in enumerate(
                ("Giao thông", "Nông nghiệp", "Y tế", "Giáo dục", "Đất đai", "Đô thị", "Đầu tư hạ tầng", "Môi trường",
                 "Chính sách xã hội", "An ninh trật tự", "Tài chính - ngân sách", "Văn hóa - thể thao"))])
        agencies = {
            AgencyLevel.CENTRAL: [Agency(council=council, name=f"Bộ Bench {i}", level=AgencyLevel.CENTRAL)
                                  for i in range(1, 6)],
            AgencyLevel.PROVINCE: [Agency(council=council, name=f"Sở Bench {i}", level=AgencyLevel.PROVINCE)
                                   for i in range(1, 16)],
            AgencyLevel.COMMUNE: [Agency(council=council, name=f"UBND xã Bench {i}", level=AgencyLevel.COMMUNE)
                                  for i in range(1, 31)],
        }
        for items in agencies.values():
            Agency.objects.bulk_create(items)
        start = timezone.make_aware(datetime.datetime(2026, 11, 3, 8))
        ContactSession.objects.bulk_create([
            ContactSession(council=council, round=rnd, group=groups[i % 16], commune=communes[i % 30],
                           starts_at=start + datetime.timedelta(hours=6 * i), venue=f"Nhà văn hóa {i}",
                           status=MeetingStatus.HELD if i % 10 else MeetingStatus.CANCELLED,
                           voters_present=rng.randint(60, 180))
            for i in range(200)])
        forwarded_at = timezone.make_aware(datetime.datetime(2026, 11, 25, 9))
        forwardings = {agency.pk: Forwarding.objects.create(
            council=council, agency=agency, forwarded_at=forwarded_at, answer_due_on=datetime.date(2027, 1, 24),
            answer_due_explanation="60 ngày") for items in agencies.values() for agency in items}
        levels = [AgencyLevel.CENTRAL] * 1 + [AgencyLevel.PROVINCE] * 5 + [AgencyLevel.COMMUNE] * 4
        rows = []
        for i in range(count):
            level = rng.choice(levels)
            agency = rng.choice(agencies[level])
            summary = " ".join(rng.choice(WORDS) for _ in range(rng.randint(30, 60))).capitalize() + "."
            status = rng.choice([PetitionStatus.CLASSIFIED, PetitionStatus.FORWARDED, PetitionStatus.ANSWERED,
                                 PetitionStatus.CLOSED])
            rows.append(Petition(
                council=council, round=rnd, group=groups[i % 16], commune=communes[i % 30], text=summary + " " + summary,
                summary=summary[:500], level=level, agency=agency, status=status,
                forwarding=forwardings[agency.pk] if status != PetitionStatus.CLASSIFIED else None,
                answer_due_on=rng.choice((datetime.date(2026, 10, 20), datetime.date(2027, 1, 24)))
                if status != PetitionStatus.CLASSIFIED else None,
                public_code=f"B{tag}-{i:06d}", voter_count=rng.randint(1, 30), meeting_count=rng.randint(1, 5)))
        mains = Petition.objects.bulk_create(rows, batch_size=1000)
        if mains[0].pk is None:  # a backend without RETURNING: read the ids back
            mains = list(Petition.objects.filter(council=council).order_by("pk"))
        Petition.objects.bulk_create([
            Petition(council=council, round=rnd, group=groups[i % 16], text="Trùng lặp", merged_into=rng.choice(mains),
                     public_code=f"B{tag}-D{i:05d}") for i in range(count // 10)], batch_size=1000)
        through = Petition.fields.through
        links = []
        for petition in mains:
            for item in rng.sample(fields, rng.choice((1, 1, 1, 2))):
                links.append(through(petition_id=petition.pk, petitionfield_id=item.pk))
        through.objects.bulk_create(links, batch_size=2000)
        outcomes = [AnswerOutcome.RESOLVED, AnswerOutcome.IN_PROGRESS, AnswerOutcome.EXPLAINED]
        Answer.objects.bulk_create([
            Answer(petition=petition, agency=petition.agency, outcome=(outcome := rng.choice(outcomes)),
                   text="Trả lời: đã bố trí kinh phí trong kế hoạch đầu tư công trung hạn.",
                   promised_on=rng.choice((datetime.date(2026, 9, 1), datetime.date(2027, 3, 1))) if outcome == AnswerOutcome.IN_PROGRESS else None)
            for petition in mains if petition.status in (PetitionStatus.ANSWERED, PetitionStatus.CLOSED)],
            batch_size=1000)
        return {"council": council, "round": rnd, "sitting": sitting}


class CountQueries:
    """Counts the queries run inside the block (without DEBUG's query log)."""

    def __enter__(self):
        self.count = 0
        self._wrapper = connection.execute_wrapper(self._count)
        self._wrapper.__enter__()
        return self

    def _count(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __exit__(self, *exc):
        return self._wrapper.__exit__(*exc)
