"""Backup and restore (issue 11, finding 12): one command each, the database and the files together.

The round trip backs up the test database (the demo data: councils, plans, meetings, petitions,
deadlines, history) and a few files, restores the archive with `manage.py restore` in another process
into a database created for the test (on PostgreSQL in CI; an empty SQLite file otherwise), and
finds every row of every table and every file again."""
import copy
import io
import json
import os
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.utils import load_backend

from config.celery import app as celery_app
from delegations import backup

ROOT = Path(__file__).resolve().parents[2]
FILES = {
    "plans/2026/KH-03-2027.pdf": b"%PDF-1.7 not really a plan\n",
    "petitions/scans/bien-ban-tiep-xuc.docx": "Biên bản tiếp xúc cử tri — xã Tiên Du".encode(),
    "imports/đại biểu.xlsx": bytes(range(256)) * 40,
}


def write_files(root):
    for relative, content in FILES.items():
        path = Path(root) / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def database_url(settings_dict, name):
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{name}"
    user = quote(settings_dict["USER"] or "", safe="")
    password = f":{quote(settings_dict['PASSWORD'], safe='')}" if settings_dict["PASSWORD"] else ""
    return f"postgres://{user}{password}@{settings_dict['HOST'] or 'localhost'}:{settings_dict['PORT'] or 5432}/{name}"


@pytest.fixture
def fresh_database(tmp_path):
    """A new, empty database of the configured kind: ``(settings_dict, url)``. PostgreSQL: created on
    the test server beside the test database, dropped afterwards; SQLite: a new file."""
    source = connection.settings_dict
    target = copy.deepcopy(source)
    if connection.vendor == "postgresql":
        name = f"{source['NAME']}_restore_{uuid.uuid4().hex[:8]}"
        admin = dict(host=source["HOST"] or None, port=source["PORT"] or None, user=source["USER"] or None,
                     password=source["PASSWORD"] or None, dbname="postgres", autocommit=True)
        with psycopg.connect(**admin) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        target["NAME"] = name
        yield target, database_url(source, name)
        with psycopg.connect(**admin) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        name = str(tmp_path / "restored.sqlite3")
        target["NAME"] = name
        yield target, database_url(source, name)


def manage(*args, database_url, media_root):
    """``manage.py`` in another process under the production settings, as an operator runs it."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.production", DJANGO_SECRET_KEY="restore-test-only",
               DATABASE_URL=database_url, MEDIA_ROOT=str(media_root))
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


def all_rows(wrapper):
    """``{table: sorted rows}`` of every table of the database, read through Django's driver setup."""
    with wrapper.cursor() as cursor:
        tables = wrapper.introspection.table_names(cursor)
        rows = {}
        for table in tables:
            cursor.execute(f"SELECT * FROM {wrapper.ops.quote_name(table)}")
            rows[table] = sorted(cursor.fetchall(), key=repr)
    return rows


def open_database(settings_dict):
    return load_backend(settings_dict["ENGINE"]).DatabaseWrapper(copy.deepcopy(settings_dict), alias="restored")


@pytest.fixture
def no_dispatch(monkeypatch):
    """load_demo asks for documents to be rendered: here the rows are enough, and messages left on the
    shared broker's default queue would be taken by other tests' workers. Records the task names."""
    sent = []

    def record(name, *args, **kwargs):
        sent.append(name)
        return celery_app.AsyncResult(str(uuid.uuid4()))

    monkeypatch.setattr(celery_app, "send_task", record)
    return sent


def require_tools():
    """pg_dump and pg_restore are part of what is tested: missing in CI is a failure, not a skip."""
    if connection.vendor == "postgresql":
        backup.pg_tool("pg_dump", backup.server_major(connection))


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_into_a_fresh_database_finds_the_same_rows_and_files(
        tmp_path, settings, fresh_database, no_dispatch):
    require_tools()
    settings.MEDIA_ROOT = tmp_path / "media"
    write_files(settings.MEDIA_ROOT)
    call_command("load_demo", stdout=open(os.devnull, "w"))
    archive = tmp_path / "backups" / "hdnd.tar.gz"

    call_command("backup", output=str(archive), stdout=open(os.devnull, "w"))

    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    assert names[0] == "manifest.json"
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["database"]["file"] in names
    assert manifest["media"]["files"] == len(FILES)
    assert sorted(f"media/{name}" for name in FILES) == sorted(n for n in names if n.startswith("media/"))
    assert manifest["migrations"]["petitions"]

    target_settings, url = fresh_database
    restored_media = tmp_path / "restored-media"
    result = manage("restore", str(archive), database_url=url, media_root=restored_media)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Restored" in result.stdout

    source_rows = all_rows(connection)
    restored = open_database(target_settings)
    try:
        restored_rows = all_rows(restored)
    finally:
        restored.close()
    assert set(restored_rows) == set(source_rows)
    assert sum(len(rows) for rows in source_rows.values()) > 200  # the demo data, not an empty shell
    assert source_rows["petitions_petition"]
    for table, rows in source_rows.items():
        assert restored_rows[table] == rows, f"{table} differs after the restore"
    for relative, content in FILES.items():
        assert (restored_media / relative).read_bytes() == content
    # The restored database is complete for this code: nothing left to migrate.
    check = manage("migrate", "--check", database_url=url, media_root=restored_media)
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_is_not_empty(tmp_path, settings, world):
    require_tools()
    settings.MEDIA_ROOT = tmp_path / "media"
    archive = tmp_path / "hdnd.tar.gz"
    call_command("backup", output=str(archive), stdout=open(os.devnull, "w"))
    world.council.name = "HĐND tỉnh Bắc Ninh (đổi sau sao lưu)"
    world.council.save(update_fields=["name"])

    with pytest.raises(CommandError, match="--force"):
        call_command("restore", str(archive))

    world.council.refresh_from_db()
    assert world.council.name == "HĐND tỉnh Bắc Ninh (đổi sau sao lưu)"  # nothing was changed


@pytest.mark.django_db(transaction=True)
def test_restore_force_replaces_a_database_that_is_not_empty(tmp_path, settings, world, fresh_database):
    require_tools()
    settings.MEDIA_ROOT = tmp_path / "media"
    archive = tmp_path / "hdnd.tar.gz"
    call_command("backup", output=str(archive), stdout=open(os.devnull, "w"))
    target_settings, url = fresh_database
    media = tmp_path / "restored-media"
    assert manage("restore", str(archive), database_url=url, media_root=media).returncode == 0
    restored = open_database(target_settings)
    with restored.cursor() as cursor:
        cursor.execute("UPDATE delegations_council SET name = 'changed after the backup' WHERE id = %s",
                       [world.council.pk])
    restored.close()

    refused = manage("restore", str(archive), database_url=url, media_root=media)
    forced = manage("restore", "--force", str(archive), database_url=url, media_root=media)

    assert refused.returncode != 0 and "--force" in refused.stderr
    assert forced.returncode == 0, forced.stderr
    restored = open_database(target_settings)
    try:
        with restored.cursor() as cursor:
            cursor.execute("SELECT name FROM delegations_council ORDER BY name")
            names = [row[0] for row in cursor.fetchall()]
    finally:
        restored.close()
    assert "HĐND tỉnh Bắc Ninh" in names and "changed after the backup" not in names


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_damaged_archive_before_changing_anything(tmp_path, settings, world, fresh_database):
    require_tools()
    settings.MEDIA_ROOT = tmp_path / "media"
    write_files(settings.MEDIA_ROOT)
    archive = tmp_path / "hdnd.tar.gz"
    call_command("backup", output=str(archive), stdout=open(os.devnull, "w"))
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(damaged, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(data)
                manifest["database"]["sha256"] = "0" * 64
                data = json.dumps(manifest).encode()
                member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    target_settings, url = fresh_database
    media = tmp_path / "restored-media"

    result = manage("restore", str(damaged), database_url=url, media_root=media)

    assert result.returncode != 0
    assert "damaged" in result.stderr
    restored = open_database(target_settings)
    try:
        assert restored.introspection.table_names() == []
    finally:
        restored.close()
    assert not media.exists() or not any(media.rglob("*"))


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    other = tmp_path / "other.tar.gz"
    with tarfile.open(other, "w:gz") as tar:
        note = tmp_path / "note.txt"
        note.write_text("không phải bản sao lưu")
        tar.add(note, arcname="note.txt")

    with pytest.raises(CommandError, match="Not a backup"):
        call_command("restore", str(other))


def test_a_pg_dump_older_than_the_server_is_refused_with_what_to_install(tmp_path, settings):
    old = tmp_path / "pg_dump"
    old.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 13.16'\n")
    old.chmod(0o755)
    settings.PG_BIN_DIR = str(tmp_path)

    with pytest.raises(backup.BackupError, match="postgresql-client-15"):
        backup.pg_tool("pg_dump", 15)
    assert backup.pg_tool("pg_dump", 13) == str(old)


def test_make_has_one_target_each_for_backup_and_restore():
    dry = {target: subprocess.run(["make", "-n", target, *extra], cwd=ROOT, capture_output=True, text=True)
           for target, extra in {"backup": [], "restore": ["ARCHIVE=var/backups/x.tar.gz"]}.items()}

    assert "manage.py backup" in dry["backup"].stdout
    assert 'manage.py restore "var/backups/x.tar.gz"' in dry["restore"].stdout
