"""The province-scale benchmark's own parts that run without a million rows: the load client against
a local HTTP server, and the table with its targets (`manage.py bench_province`, `make bench`)."""
import http.server
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management.base import CommandError

from bench import load
from bench.data import insert_select
from bench.guard import bench_guard_check
from bench.management.commands.bench_province import Command


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as gunicorn answers

    def do_GET(self):  # noqa: N802 - the standard library's name
        body = b"ok" if self.path != "/missing" else b"no"
        self.send_response(200 if self.path != "/missing" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Server-Timing", "app;dur=1.25")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer((load.HOST, 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def test_the_client_counts_answers_latencies_and_the_servers_own_time(server):
    cell = load.run_cell(server, "sessionid=x", ["/a", "/b"], 3, duration=0.3, warmup=0.1, min_requests=10)
    assert cell.count >= 10 and cell.errors == 0 and cell.statuses == {200: cell.count}
    assert cell.server_ms and set(cell.server_ms) == {1.25} and cell.server_p95 == 1.25
    assert 0 < cell.p50 <= cell.p95 and cell.rps > 0 and cell.in_window <= cell.count


def test_the_client_counts_errors_apart(server):
    cell = load.run_cell(server, "", ["/missing"], 1, duration=0.2, warmup=0.05, min_requests=3)
    assert cell.count == 0 and cell.errors >= 3 and set(cell.statuses) == {404}


def cell(clients, latencies, errors=0):
    made = load.Cell(clients=clients, client_ms=list(latencies), server_ms=list(latencies), errors=errors,
                     elapsed=1.0, in_window=len(latencies))
    return made


def results(p95_small, p95_large):
    def page(p95):
        return {"_load": (1.0, 1.0, 1.0),
                "floor:province": {"label": "Floor", "user": "province",
                                   "cells": {n: cell(n, [1.0] * 20) for n in (1, 4)}},
                "list:province": {"label": "List", "user": "province", "rows": 25,
                                  "cells": {n: cell(n, [p95] * 20) for n in (1, 4)}},
                "dashboard:commune": {"label": "Dashboard", "user": "commune", "missing": "not built yet",
                                      "cells": {}}}
    return {10_000: page(p95_small), 1_000_000: page(p95_large)}


MACHINE = {"cpu": "Test CPU", "cores": 2, "memory": "1 GB RAM", "postgresql": "15", "shared_buffers": "128MB",
           "python": "3.11", "date": "01/01/2027"}
SWEEP = {"deadlines": 1_000_000, "due": 10_000, "seconds": 0.85, "counts": {"looked_at": 10_000, "notifications": 9},
         "again_seconds": 0.1, "again_counts": {}}
REPORT = {"pdf": 19.0, "data_pdf": 19.5, "pages": 600, "line": "round report", "wall": 40}


def render(small, large, sweep=SWEEP, report=REPORT):
    builds = {10_000: {"seconds": 6, "reused": False}, 1_000_000: {"seconds": 100, "reused": True}}
    return Command().render([10_000, 1_000_000], [1, 4], results(small, large), builds, sweep, report, MACHINE,
                            total=600)


def test_the_table_compares_the_two_sizes_and_names_each_missed_target():
    text, markdown = render(small=100, large=200)
    line = next(x for x in text.splitlines() if x.startswith("List") and "  4  " in x)
    assert "2.00×" in line and "25/25" in line
    assert "List as province: p95 200 ms at 4 clients at 1M petitions (target ≤ 150 ms)." in text
    assert "List as province: p95 1M/10k 2.00× at 1, 2.00× at 4 clients (target ≤ 1.5×)." in text
    assert "Dashboard as commune: not measured (not built yet)." in text
    assert "Floor as" not in text.split("Targets missed:")[1]  # the floor is a yardstick, not a target
    assert "0.85 s (target ≤ 1 s" in text and "data + PDF 19.5 s" in text
    assert "- Deadline sweep: 0.85 s (≤ 1 s)." in text.split("Targets met:")[1]
    # Throughput beside the bare view's, at the same load (here both answered 20 requests a second).
    assert line.split()[-3] == "1.000" and "req/s 1M ÷ floor" in markdown
    assert markdown.count("\n| List | province |") == 2 and "|---|---|---:" in markdown


def test_every_target_met_is_said_and_a_missing_sweep_or_report_is_a_miss():
    text, _ = render(small=100, large=120)
    missed = text.split("Targets missed:")[1]
    assert missed.strip() == "- Dashboard as commune: not measured (not built yet)."
    text, _ = render(small=100, large=120, sweep=SWEEP, report=REPORT)
    assert "1.20×" in text
    assert "- List as province: p95 120 ms at 4 clients at 1M petitions (≤ 150 ms), 1M/10k ≤ 1.5× at every load." in text
    text, _ = render(small=100, large=120, sweep={**SWEEP, "seconds": 4.52})
    assert "- Deadline sweep: 4.52 s (target ≤ 1 s)." in text.split("Targets missed:")[1]
    text, _ = render(small=100, large=120, sweep=None, report=None)
    assert "Deadline sweep: not measured: engine not built" in text
    assert "Round report of 5,000 petitions: not measured" in text


@pytest.mark.django_db
def test_insert_select_fills_every_column_it_is_not_given():
    from django.db import connection

    from delegations.models import Council
    from tests.factories import CouncilFactory

    parent = CouncilFactory(name="HĐND tỉnh Nguồn")
    with connection.cursor() as cursor:
        insert_select(cursor, Council, {"name": "'HĐND xã Đích ' || n", "level": "'commune'",
                                        "parent_id": str(parent.pk), "place_name": "'Đích'",
                                        "issuing_body_lines": "'HỘI ĐỒNG NHÂN DÂN'"},
                      "(SELECT 1 AS n UNION ALL SELECT 2) AS numbers")
    made = Council.objects.filter(parent=parent).order_by("name")
    assert [c.name for c in made] == ["HĐND xã Đích 1", "HĐND xã Đích 2"]
    assert {(c.document_symbol, c.email, c.search_text) for c in made} == {("HĐND", "", "")}  # defaults
    with pytest.raises(RuntimeError, match="has no column"), connection.cursor() as cursor:
        insert_select(cursor, Council, {"nonexistent": "1"}, "(SELECT 1) AS one")


@pytest.mark.parametrize(("settings_module", "database_name"), [
    ("config.settings.production", "hdnd_bench"),
    ("config.settings.local", "hdnd_bench"),
    ("config.settings.bench", "hdnd"),
    ("config.settings.bench", "hdnd_bench_copy"),
    ("config.settings.bench", None),
    ("", "hdnd_bench"),
])
def test_the_benchmark_refuses_any_other_settings_or_database(settings_module, database_name):
    with pytest.raises(CommandError):
        bench_guard_check(settings_module=settings_module, database_name=database_name)


def test_the_benchmark_runs_on_its_own_settings_and_database():
    assert bench_guard_check(settings_module="config.settings.bench", database_name="hdnd_bench") is None


def test_the_benchmark_commands_exist_only_under_the_bench_settings():
    from django.core.management import get_commands

    commands = get_commands()
    assert not {"bench_province", "bench_report", "bench_plan_render"} & set(commands)
    assert "bench" not in settings.INSTALLED_APPS


def test_the_benchmark_is_not_in_the_production_image():
    ignored = (Path(__file__).resolve().parents[2] / ".dockerignore").read_text().split()
    assert "bench/" in ignored and "tests/" in ignored
