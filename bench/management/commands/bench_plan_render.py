"""Benchmark: worker time to render the seed-000 plan (PDF and Word), as `make bench` runs it.

Builds the demo data inside a transaction that is rolled back, renders the plan N times and
prints the page count and the median and worst times. Not a test: run it on the machine whose
figures you report."""
import io
import platform
import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from bench.guard import bench_guard


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time the rendering of the seed-000 contact plan to PDF and Word."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=10)

    def handle(self, *args, runs, **options):
        bench_guard()
        import pdfplumber

        from delegations.demo import load_demo as load_organisation
        from documents import render_docx, render_pdf
        from plans.demo import PROVINCE
        from plans.demo import load_demo as load_plans
        from plans.models import ContactPlan
        from plans.services import plan_document

        try:
            with transaction.atomic():
                load_organisation()
                load_plans()
                # The demo province's (seed 000), not another council's plan of that year (the
                # province-scale data set holds plans of its own, without blocks).
                plan = ContactPlan.objects.get(council__name=PROVINCE, year=2025)
                document = plan_document(plan)
                render_pdf(document)  # warm up: fonts and CSS parsed once per worker process
                pdf_times, docx_times = [], []
                for _run in range(runs):
                    start = time.perf_counter()
                    pdf = render_pdf(plan_document(plan))
                    pdf_times.append(time.perf_counter() - start)
                    start = time.perf_counter()
                    render_docx(plan_document(plan))
                    docx_times.append(time.perf_counter() - start)
                with pdfplumber.open(io.BytesIO(pdf)) as parsed:
                    pages = len(parsed.pages)
                # The same plan lengthened to four pages (the yardstick).
                long_document, long_pages = plan_document(plan), pages
                repeated = long_document.blocks[4:14]
                if not repeated:
                    raise CommandError(f"{plan} has no blocks to lengthen it with")
                while long_pages < 4:
                    long_document.blocks += repeated
                    with pdfplumber.open(io.BytesIO(render_pdf(long_document))) as parsed:
                        long_pages = len(parsed.pages)
                long_times = []
                for _run in range(runs):
                    start = time.perf_counter()
                    render_pdf(long_document)
                    long_times.append(time.perf_counter() - start)
                raise Rollback
        except Rollback:
            pass
        self.stdout.write(f"Machine: {platform.node()} · {platform.processor() or platform.machine()} · "
                          f"Python {platform.python_version()}")
        self.stdout.write(f"Seed-000 plan: {pages} pages, {runs} runs")
        self.stdout.write(f"PDF  render: median {statistics.median(pdf_times) * 1000:.0f} ms, "
                          f"worst {max(pdf_times) * 1000:.0f} ms")
        self.stdout.write(f"PDF  render of a {long_pages}-page plan: median {statistics.median(long_times) * 1000:.0f} ms, "
                          f"worst {max(long_times) * 1000:.0f} ms")
        self.stdout.write(f"Word render: median {statistics.median(docx_times) * 1000:.0f} ms, "
                          f"worst {max(docx_times) * 1000:.0f} ms")
