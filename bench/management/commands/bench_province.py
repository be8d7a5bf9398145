"""Benchmark at a province's scale, as `make bench` runs it (issue 6, "Scale and speed").

On the PostgreSQL database BENCH_DATABASE_URL names (created when missing, then migrated) it builds
the province data set with 10,000 petitions, measures, builds it again with N (default 1,000,000)
and measures again; then times the deadline sweep over 1,000,000 open deadlines of which 1% are due
and the round report of 5,000 petitions (`manage.py bench_report`), and prints one table.

Measuring: gunicorn (config.wsgi, the bench settings: debug off, persistent connections) with one
worker per core on the loopback; a client of threads with keep-alive connections runs each page for
a fixed time at 1, 4 and 16 concurrent clients, logged in as the province office, a commune office
and an agency responder. Latencies are measured by the client, on the same machine (so they include
the client's own share of the two cores); the application's own time comes from a Server-Timing
header. Not a test: run it on the machine whose figures you report.

    DJANGO_SETTINGS_MODULE=config.settings.bench manage.py bench_province [--petitions N] [--reuse]
"""
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from bench.guard import bench_guard

TARGET_P95_MS = 150
TARGET_RATIO = 1.5
TARGET_SWEEP_S = 1.0  # issue 15 (5 s in issue 6)
TARGET_REPORT_S = 30.0
SEARCH = "duong giao thong"


def short(n):
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return f"{n:,}"


def ms(value):
    return "—" if value is None else (f"{value:.0f}" if value >= 10 else f"{value:.1f}")


class Command(BaseCommand):
    help = "Build the province-scale data set on PostgreSQL and measure the pages under HTTP load."
    requires_system_checks = []  # the database may not exist yet

    def add_arguments(self, parser):
        parser.add_argument("--petitions", type=int, default=1_000_000, help="the large size (default 1,000,000)")
        parser.add_argument("--baseline", type=int, default=10_000, help="the small size it is compared with")
        parser.add_argument("--deadlines", type=int, default=1_000_000, help="open deadlines for the sweep")
        parser.add_argument("--duration", type=float, default=8.0, help="seconds measured per page and load")
        parser.add_argument("--warmup", type=float, default=1.0, help="seconds run before measuring")
        parser.add_argument("--clients", default="1,4,16", help="concurrent clients, comma-separated")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--reuse", action="store_true",
                            help="keep the data set when the database already holds this size")
        parser.add_argument("--skip-report", action="store_true", help="do not time the 5,000-petition report")
        parser.add_argument("--out", default=None, help="where to write the Markdown table "
                                                        "(default var/bench/province.md)")

    # ------------------------------------------------------------------------------------ main

    def handle(self, *args, **opts):
        bench_guard()
        if connection.vendor != "postgresql":
            raise CommandError("bench_province runs on PostgreSQL: DJANGO_SETTINGS_MODULE=config.settings.bench "
                               "and BENCH_DATABASE_URL=postgres://…")
        if settings.DEBUG:
            raise CommandError("Run the bench with DEBUG off (config.settings.bench).")
        clients = [int(c) for c in opts["clients"].split(",") if c.strip()]
        sizes = sorted({opts["baseline"], opts["petitions"]})
        started = time.perf_counter()
        self.ensure_database()
        self.say("Migrating the bench database")
        call_command("migrate", interactive=False, verbosity=0)
        results, builds, sweep = {}, {}, None
        for size in sizes:
            large = size == opts["petitions"]
            builds[size] = self.ensure_data(size, reuse=opts["reuse"], deadlines=opts["deadlines"] if large else 0)
            results[size] = self.measure(size, clients, opts)
            if large:
                sweep = self.measure_sweep(opts["deadlines"])
        report = None if opts["skip_report"] else self.measure_report()
        machine = self.machine()
        text, markdown = self.render(sizes, clients, results, builds, sweep, report, machine,
                                     total=time.perf_counter() - started)
        self.stdout.write("\n" + text)
        out = Path(opts["out"] or settings.VAR_DIR / "bench" / "province.md")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(markdown, encoding="utf-8")
        (out.with_suffix(".json")).write_text(json.dumps(self.raw(results, builds, sweep, report, machine),
                                                         indent=1, default=str), encoding="utf-8")
        self.stdout.write(f"\nMarkdown table written to {out}")

    def say(self, message):
        self.stdout.write(f"[{time.strftime('%H:%M:%S')}] {message}")
        self.stdout.flush()

    # -------------------------------------------------------------------------------- database

    def ensure_database(self):
        """Create the bench database when it does not exist (connected to the server's `postgres`)."""
        import psycopg

        db = settings.DATABASES["default"]
        name = db["NAME"]
        params = {"dbname": "postgres", "user": db.get("USER") or None, "password": db.get("PASSWORD") or None,
                  "host": db.get("HOST") or None, "port": db.get("PORT") or None}
        with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                self.say(f"Creating the database {name}")
                conn.execute(f'CREATE DATABASE "{name}"')

    def built_size(self):
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE IF NOT EXISTS bench_info (size bigint, deadlines bigint, built_at timestamptz, "
                           "seconds float, today date)")
            cursor.execute("SELECT size, deadlines, seconds, today FROM bench_info ORDER BY built_at DESC LIMIT 1")
            return cursor.fetchone()

    def ensure_data(self, size, *, reuse, deadlines):
        from bench import data

        found = self.built_size()
        today = timezone.localdate()
        wanted_deadlines = deadlines if data.deadline_model() is not None else 0
        if reuse and found and found[0] == size and found[1] == wanted_deadlines and found[3] == today:
            self.say(f"Reusing the data set of {size:,} petitions (built in {found[2]:.0f} s)")
            return {"seconds": found[2], "reused": True}
        self.say(f"Building the data set with {size:,} petitions")
        started = time.perf_counter()
        data.build(size, deadlines=deadlines)
        seconds = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM bench_info")
            cursor.execute("INSERT INTO bench_info VALUES (%s, %s, now(), %s, %s)",
                           [size, wanted_deadlines, seconds, today])
        return {"seconds": seconds, "reused": False}

    # --------------------------------------------------------------------------------- the load

    def pages(self, targets):
        province_field = targets["fields"][targets["province"].pk].pk
        search = "/petitions/?q=" + SEARCH.replace(" ", "+")
        return [
            ("floor", "Bare Django view (floor)", "province", ["/bench/floor/"]),
            ("dashboard", "Dashboard", "province", ["/petitions/dashboard/"]),
            ("dashboard", "Dashboard", "commune", ["/petitions/dashboard/"]),
            ("list", "Petition list, filtered", "province",
             [f"/petitions/?status=forwarded&level=province&field={province_field}"]),
            # A commune council holds 60 petitions at 10,000: one filter, so that both sizes show a full page.
            ("list", "Petition list, filtered", "commune", ["/petitions/?level=commune"]),
            ("search", f'Search "{SEARCH}"', "province", [search]),
            ("search", f'Search "{SEARCH}"', "commune", [search]),
            ("detail", "Petition page (300 rotated)", "province",
             [f"/petitions/{pk}/" for pk in targets["sample"]["province"]]),
            ("detail", "Petition page (300 rotated)", "commune",
             [f"/petitions/{pk}/" for pk in targets["sample"]["commune"]]),
            ("inbox", "Agency inbox", "agency", ["/petitions/agency/"]),
        ]

    def measure(self, size, clients, opts):
        from bench import data, load

        targets = data.bench_targets()
        connection.close()  # gunicorn's workers get the database to themselves
        log_path = Path(settings.VAR_DIR) / "bench" / "gunicorn.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        results = {"_load": os.getloadavg()}
        self.say(f"Measuring at {size:,} petitions: gunicorn with {load.cores()} workers on port {opts['port']} "
                 f"(load average {results['_load'][0]:.2f})")
        with load.Server(opts["port"], log_path=log_path):
            cookies = {key: load.login(opts["port"], user.username, data.PASSWORD)
                       for key, user in targets["users"].items()}
            for key, label, user, paths in self.pages(targets):
                status, body, _response = load.get(opts["port"], paths[0], headers={"Cookie": cookies[user]})
                row = results.setdefault(f"{key}:{user}", {"label": label, "user": user, "cells": {}})
                if key in ("list", "search", "inbox"):  # petitions shown on the page measured
                    row["rows"] = len(set(re.findall(rb'href="/petitions/(?:agency/)?(\d+)/"', body)))
                if status != 200:
                    row["missing"] = "not built yet" if status == 404 else f"answers {status}"
                    self.say(f"  {label} as {user}: {row['missing']}")
                    continue
                for n in clients:
                    cell = load.run_cell(opts["port"], cookies[user], paths, n, duration=opts["duration"],
                                         warmup=opts["warmup"])
                    row["cells"][n] = cell
                    errors = f", {cell.errors} errors {cell.statuses}" if cell.errors else ""
                    self.say(f"  {label:32} {user:8} {n:>2} clients: p50 {ms(cell.p50):>5} ms  p95 {ms(cell.p95):>5} ms"
                             f"  server p95 {ms(cell.server_p95):>5} ms  {cell.rps:6.1f} req/s  "
                             f"({cell.count} requests{errors})")
        return results

    # ---------------------------------------------------------------------------- sweep, report

    def measure_sweep(self, count):
        from bench import data

        if data.deadline_model() is None:
            self.say("Deadline sweep: not measured (the deadline engine is not built)")
            return None
        from config.celery import worker_prepare
        from delegations.sweep import deadlines_sweep

        today = timezone.localdate()
        data.sweep_arm(today)
        worker_prepare()  # measured as the Celery worker runs it (config/celery.py)
        self.say(f"Deadline sweep over {count:,} open deadlines ({count // data.DUE_EVERY:,} due today)")
        started = time.perf_counter()
        counts = deadlines_sweep(today=today)
        first = time.perf_counter() - started
        started = time.perf_counter()
        again = deadlines_sweep(today=today)
        second = time.perf_counter() - started
        self.say(f"  first sweep {first:.2f} s {dict(counts)}; the same day again {second:.2f} s {dict(again)}")
        return {"deadlines": count, "due": count // data.DUE_EVERY, "seconds": first, "counts": dict(counts),
                "again_seconds": second, "again_counts": dict(again)}

    def measure_report(self):
        if "bench_report" not in get_commands():
            self.say("Round report: not measured (manage.py bench_report does not exist)")
            return None
        self.say("Round report of 5,000 petitions (manage.py bench_report --petitions 5000 --skip-results)")
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "manage.py", "bench_report", "--petitions", "5000", "--skip-results"],
                              cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=1800)
        wall = time.perf_counter() - started
        output = done.stdout + done.stderr
        line = next((x for x in output.splitlines() if x.strip().startswith("round")), "")
        found = re.search(r"PDF ([0-9.]+) s.*?data \+ PDF ([0-9.]+) s", line)
        if done.returncode != 0 or not found:
            self.say(f"  bench_report failed or printed no time:\n{output[-2000:]}")
            return {"error": (output.strip().splitlines() or ["no output"])[-1], "wall": wall}
        pages = re.search(r"(\d+) pages", line)
        result = {"pdf": float(found.group(1)), "data_pdf": float(found.group(2)), "line": line.strip(),
                  "pages": int(pages.group(1)) if pages else None, "wall": wall}
        self.say(f"  {line.strip()}")
        return result

    # ---------------------------------------------------------------------------------- output

    def machine(self):
        model = platform.processor() or platform.machine()
        try:
            lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
            model = re.search(r"Model name:\s*(.+)", lscpu).group(1).strip()
        except (OSError, AttributeError):
            pass
        memory = ""
        try:
            kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
            memory = f"{kb / 1024 / 1024:.0f} GB RAM"
        except (OSError, AttributeError):
            pass
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
            cursor.execute("SHOW shared_buffers")
            buffers = cursor.fetchone()[0]
        from bench.load import cores
        return {"cpu": model, "cores": cores(), "memory": memory, "postgresql": version.split()[0],
                "shared_buffers": buffers, "python": platform.python_version(),
                "date": timezone.localdate().strftime("%d/%m/%Y")}

    def raw(self, results, builds, sweep, report, machine):
        out = {"machine": machine, "builds": builds, "sweep": sweep, "report": report, "pages": {}}
        for size, rows in results.items():
            out.setdefault("load_average", {})[size] = rows.get("_load")
            for key, row in rows.items():
                if key.startswith("_"):
                    continue
                out["pages"].setdefault(key, {"label": row["label"], "user": row["user"]})
                out["pages"][key][size] = row.get("missing") or {
                    n: {"p50": c.p50, "p95": c.p95, "server_p50": c.server_p50, "server_p95": c.server_p95,
                        "rps": c.rps, "requests": c.count, "errors": c.errors} for n, c in row["cells"].items()}
        return out

    def render(self, sizes, clients, results, builds, sweep, report, machine, *, total):
        small, large = sizes[0], sizes[-1]
        s, b = short(small), short(large)
        head = ["page", "as", "clients", f"p50 {s}", f"p95 {s}", f"req/s {s}", f"p50 {b}", f"p95 {b}",
                f"server p95 {b}", f"req/s {b}", f"req/s {b} ÷ floor", f"p95 {b}/{s}", f"rows {s}/{b}"]
        rows, misses, met = [], [], []
        floor = results[large].get("floor:province", {}).get("cells", {})
        for key, row in results[large].items():
            if key.startswith("_"):
                continue
            base = results[small].get(key, {})
            what = f"{row['label']} as {row['user']}"
            if row.get("missing") or base.get("missing"):
                rows.append([row["label"], row["user"], "—", *(["—"] * 8), row.get("missing") or base["missing"], "—"])
                if key.startswith("dashboard"):
                    misses.append(f"{what}: not measured ({row.get('missing') or base['missing']}).")
                continue
            shown = f"{base['rows']}/{row['rows']}" if "rows" in row and "rows" in base else "—"
            slow, grows, failed = [], [], []
            for n in clients:
                cell, cell0 = row["cells"].get(n), base.get("cells", {}).get(n)
                if cell is None or cell0 is None:
                    continue
                ratio = cell.p95 / cell0.p95 if cell.p95 and cell0.p95 else None
                # Throughput beside the bare view's at the same number of clients.
                share = cell.rps / floor[n].rps if floor.get(n) and floor[n].rps else None
                errors = f" ({cell.errors} errors)" if cell.errors else ""
                rows.append([row["label"], row["user"], str(n), ms(cell0.p50), ms(cell0.p95), f"{cell0.rps:.1f}",
                             ms(cell.p50), ms(cell.p95) + errors, ms(cell.server_p95), f"{cell.rps:.1f}",
                             f"{share:.3f}" if share else "—", f"{ratio:.2f}×" if ratio else "—", shown])
                if n == 4 and cell.p95 and cell.p95 > TARGET_P95_MS:
                    slow.append(f"p95 {ms(cell.p95)} ms at 4 clients")
                if ratio and ratio > TARGET_RATIO:
                    grows.append(f"{ratio:.2f}× at {n}")
                if cell.errors or cell0.errors:
                    failed.append(f"{cell.errors + cell0.errors} failed requests at {n} clients")
            if key.startswith("floor"):
                continue
            p95_4 = row["cells"].get(4)
            if not slow and not grows and not failed and p95_4 is not None:
                met.append(f"{what}: p95 {ms(p95_4.p95)} ms at 4 clients at {b} petitions (≤ {TARGET_P95_MS} ms), "
                           f"{b}/{s} ≤ {TARGET_RATIO}× at every load.")
            if slow:
                misses.append(f"{what}: {slow[0]} at {b} petitions (target ≤ {TARGET_P95_MS} ms).")
            if grows:
                misses.append(f"{what}: p95 {b}/{s} {', '.join(grows)} clients (target ≤ {TARGET_RATIO}×).")
            misses += [f"{what}: {f}." for f in failed]
        if sweep:
            sweep_line = (f"Deadline sweep, {sweep['deadlines']:,} open deadlines, {sweep['due']:,} due today: "
                          f"{sweep['seconds']:.2f} s (target ≤ {TARGET_SWEEP_S:.0f} s; "
                          f"{sweep['counts'].get('looked_at', 0):,} rows read, "
                          f"{sweep['counts'].get('notifications', 0):,} notifications); the same day again "
                          f"{sweep['again_seconds']:.2f} s")
            if sweep["seconds"] > TARGET_SWEEP_S:
                misses.append(f"Deadline sweep: {sweep['seconds']:.2f} s (target ≤ {TARGET_SWEEP_S:.0f} s).")
            else:
                met.append(f"Deadline sweep: {sweep['seconds']:.2f} s (≤ {TARGET_SWEEP_S:.0f} s).")
        else:
            sweep_line = "Deadline sweep: not measured: engine not built"
            misses.append("Deadline sweep: not measured (the deadline engine is not built).")
        if report and "data_pdf" in report:
            report_line = (f"Round report of 5,000 petitions ({report['pages']} pages): data + PDF "
                           f"{report['data_pdf']:.1f} s (PDF alone {report['pdf']:.1f} s; target ≤ "
                           f"{TARGET_REPORT_S:.0f} s)")
            if report["data_pdf"] > TARGET_REPORT_S:
                misses.append(f"Round report PDF: {report['data_pdf']:.1f} s (target ≤ {TARGET_REPORT_S:.0f} s).")
            else:
                met.append(f"Round report PDF: {report['data_pdf']:.1f} s (≤ {TARGET_REPORT_S:.0f} s).")
        elif report:
            report_line = f"Round report of 5,000 petitions: failed ({report['error']})"
            misses.append("Round report PDF: the bench_report command failed.")
        else:
            report_line = "Round report of 5,000 petitions: not measured (bench_report missing or skipped)"
        built = " · ".join(f"{short(size)}: {v['seconds']:.0f} s{' (reused)' if v['reused'] else ''}"
                           for size, v in builds.items())
        machine_line = (f"{machine['date']} · {machine['cpu']}, {machine['cores']} cores, {machine['memory']} · "
                        f"PostgreSQL {machine['postgresql']} (shared_buffers {machine['shared_buffers']}) · "
                        f"Python {machine['python']} · gunicorn {machine['cores']} sync workers")

        widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, strict=True)]
        fmt = "  ".join(f"{{:{'<' if i < 2 else '>'}{w}}}" for i, w in enumerate(widths))
        lines = [f"Province-scale benchmark · {machine_line}", fmt.format(*head),
                 fmt.format(*["-" * w for w in widths])]
        lines += [fmt.format(*r) for r in rows]
        loads = " · ".join(f"{short(size)}: {results[size]['_load'][0]:.2f}" for size in sizes)
        lines += ["", sweep_line, report_line, f"Data sets built in {built}; whole run {total / 60:.1f} min; "
                  f"load average (1 min) when each measurement began: {loads}.",
                  "Latencies in ms, measured by the client on the loopback; server = the application's own time "
                  "(Server-Timing)."]
        lines += ["", "Targets met:"] + [f"- {m}" for m in met]
        lines += ["", "Targets missed:" if misses else "Every target met."] + [f"- {m}" for m in misses]
        text = "\n".join(lines)

        md = [f"Measured {machine_line}.", "",
              "| " + " | ".join(head) + " |", "|" + "|".join("---" if i < 2 else "---:" for i in range(len(head))) + "|"]
        md += ["| " + " | ".join(r) + " |" for r in rows]
        md += ["", f"- {sweep_line}.", f"- {report_line}.", f"- Data sets built in {built}; whole run "
               f"{total / 60:.1f} min; load average (1 min) when each measurement began: {loads}.",
               "", "Targets met:"]
        md += [f"- {m}" for m in met]
        md += ["", "Targets missed:" if misses else "Every target met."]
        md += [f"- {m}" for m in misses]
        return text, "\n".join(md) + "\n"
