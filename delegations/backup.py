"""Backup and restore of the whole installation: the database and the files (MEDIA_ROOT) in one archive.

An archive is a .tar.gz holding, in this order:

- ``manifest.json``: format and version, when and from what it was made, the database's vendor,
  its file's name, size and SHA-256, the number and size of the files, the last migration of each app;
- the database: ``database.dump``, a ``pg_dump --format=custom`` dump (PostgreSQL), or
  ``database.sqlite3``, a copy made through SQLite's online backup API (the embedded default);
- ``media/…``: every file under MEDIA_ROOT (uploads, generated PDFs and Word copies).

The database is dumped first (one consistent snapshot), then the files are read: a file written
meanwhile may be in the archive without its row, never a row without the file it had then.

``pg_dump`` must be at least as new as the server (it refuses an older server's dump otherwise),
and ``pg_restore`` at least as new as the ``pg_dump`` that made the archive: the tools are taken from
``PG_BIN_DIR`` if set, else from Debian's ``/usr/lib/postgresql/<server major>/bin``, else from PATH.
"""
import copy
import hashlib
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.db.backends.postgresql.client import DatabaseClient
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = "hdnd-backup"
VERSION = 1
MANIFEST = "manifest.json"
MEDIA = "media"
DATABASE_FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}


class BackupError(Exception):
    """A backup or a restore that cannot be made; the message says why and what to do."""


def default_output():
    """``BACKUP_DIR/hdnd-YYYYmmdd-HHMMSS.tar.gz`` (local time)."""
    return Path(settings.BACKUP_DIR) / f"hdnd-{timezone.localtime():%Y%m%d-%H%M%S}.tar.gz"


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------- PostgreSQL

def tool_major(path):
    """The major version of a PostgreSQL client tool (``pg_dump (PostgreSQL) 15.20`` → 15)."""
    output = subprocess.run([str(path), "--version"], capture_output=True, text=True, check=True).stdout
    found = re.search(r"(\d+)(?:\.\d+)?", output)
    if not found:
        raise BackupError(f"Cannot read the version of {path}: {output!r}")
    return int(found.group(1))


def pg_tool(name, at_least):
    """The path of ``pg_dump`` or ``pg_restore`` whose major version is ``at_least`` or newer."""
    if getattr(settings, "PG_BIN_DIR", ""):
        candidates = [Path(settings.PG_BIN_DIR) / name]
    else:
        candidates = [Path(f"/usr/lib/postgresql/{at_least}/bin/{name}"), shutil.which(name)]
    seen = []
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            major = tool_major(candidate)
            if major >= at_least:
                return str(candidate)
            seen.append(f"{candidate} is version {major}")
    found = "; ".join(seen) or f"{name} was not found"
    raise BackupError(
        f"{name} {at_least} or newer is needed ({found}). Install Debian's postgresql-client-{at_least} "
        f"(or PostgreSQL's own packages) or set PG_BIN_DIR to the folder that holds it.")


def pg_command(tool, settings_dict, parameters):
    """argv and environment to run a PostgreSQL tool against the database of ``settings_dict``
    (host, port, user, password, service, SSL options: as Django's ``dbshell`` passes them).
    The database name comes last, so ``parameters`` may end with the option that takes it."""
    args, env = DatabaseClient.settings_to_cmd_args_env(settings_dict, parameters)
    return [tool, *args[1:]], {**os.environ, **(env or {})}


def run_pg(argv, env, what):
    result = subprocess.run(argv, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{what} failed ({result.returncode}): {result.stderr.strip() or result.stdout.strip()}")
    return result


def server_major(connection):
    connection.ensure_connection()
    return connection.pg_version // 10000


def dump_postgresql(connection, path):
    """``pg_dump --format=custom`` of the connection's database into ``path``; returns the tool's version line."""
    tool = pg_tool("pg_dump", server_major(connection))
    argv, env = pg_command(tool, connection.settings_dict, ["--format=custom", "--no-owner", "--no-privileges",
                                                             f"--file={path}"])
    run_pg(argv, env, "pg_dump")
    return subprocess.run([tool, "--version"], capture_output=True, text=True).stdout.strip()


def restore_postgresql(connection, path, *, dump_major, replace):
    """``pg_restore`` of ``path`` into the connection's database, in one transaction (all or nothing).
    ``replace``: first drop the ``public`` schema with everything in it, and recreate it empty."""
    tool = pg_tool("pg_restore", max(dump_major, 1))
    if replace:
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    connection.close()  # pg_restore works on its own connection; ours must hold no lock
    argv, env = pg_command(tool, connection.settings_dict, ["--no-owner", "--no-privileges", "--single-transaction",
                                                             "--exit-on-error", str(path), "--dbname"])
    run_pg(argv, env, "pg_restore")


# -------------------------------------------------------------------------------------------- SQLite

def dump_sqlite(connection, path):
    """A consistent copy of the SQLite database through the online backup API (a writer may run)."""
    source = sqlite3.connect(connection.settings_dict["NAME"])
    target = sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    return f"sqlite {sqlite3.sqlite_version}"


def restore_sqlite(connection, path):
    """The archived SQLite database copied over the configured one (page by page, through the API)."""
    connection.close()
    source = sqlite3.connect(path)
    target = sqlite3.connect(connection.settings_dict["NAME"])
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


# ------------------------------------------------------------------------------------------- backup

def media_files():
    """Every regular file under MEDIA_ROOT: ``[(path, path relative to MEDIA_ROOT as posix)]``, sorted."""
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return []
    return sorted((path, path.relative_to(root).as_posix()) for path in root.rglob("*")
                  if path.is_file() and not path.is_symlink())


def last_migrations(connection):
    """``{app label: name of its last applied migration}`` (names sort in order: 0001_, 0002_…)."""
    applied = MigrationRecorder(connection).applied_migrations()
    latest = {}
    for app, name in applied:
        latest[app] = max(latest.get(app, name), name)
    return dict(sorted(latest.items()))


def backup_create(*, output, using="default"):
    """Write the archive to ``output`` (a path; its folder is created) and return its manifest (a dict).

    The archive is written beside ``output`` under a temporary name and renamed when complete, so a
    failed backup leaves no half archive. Raises BackupError (unsupported database, missing or too old
    pg_dump, pg_dump's own error)."""
    connection = connections[using]
    vendor = connection.vendor
    if vendor not in DATABASE_FILES:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {vendor}.")
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hdnd-backup-", dir=output.parent) as workdir:
        database_file = Path(workdir) / DATABASE_FILES[vendor]
        tool = dump_postgresql(connection, database_file) if vendor == "postgresql" else dump_sqlite(connection,
                                                                                                     database_file)
        files = media_files()
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": timezone.localtime().isoformat(timespec="seconds"),
            "host": socket.gethostname(),
            "database": {
                "vendor": vendor,
                "file": database_file.name,
                "bytes": database_file.stat().st_size,
                "sha256": sha256_of(database_file),
                "tool": tool,
                "server_major": server_major(connection) if vendor == "postgresql" else None,
            },
            "media": {"files": len(files), "bytes": sum(path.stat().st_size for path, _ in files)},
            "migrations": last_migrations(connection),
        }
        manifest_file = Path(workdir) / MANIFEST
        manifest_file.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        partial = Path(workdir) / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(manifest_file, arcname=MANIFEST)
            tar.add(database_file, arcname=database_file.name)
            for path, relative in files:
                tar.add(path, arcname=f"{MEDIA}/{relative}", recursive=False)
        os.replace(partial, output)
    return manifest


# ------------------------------------------------------------------------------------------ restore

def read_manifest(tar):
    try:
        manifest = json.load(tar.extractfile(MANIFEST))
    except (KeyError, TypeError, ValueError) as error:
        raise BackupError(f"Not a backup of this application: no readable {MANIFEST} ({error}).") from None
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise BackupError(f"Unknown archive format {manifest.get('format')!r} version {manifest.get('version')!r}.")
    return manifest


def media_members(tar):
    """The archive's regular files under ``media/``, renamed relative to MEDIA_ROOT."""
    members = []
    for member in tar.getmembers():
        if member.name.startswith(f"{MEDIA}/") and member.isfile():
            renamed = copy.copy(member)
            renamed.name = member.name[len(MEDIA) + 1:]
            members.append(renamed)
    return members


def backup_restore(*, archive, force=False, using="default"):
    """Restore ``archive`` (a path) into the configured database and MEDIA_ROOT; returns its manifest.

    Refuses (BackupError), before changing anything: an archive that is not ours or is damaged
    (checksum), a database of another vendor than the archive's, and unless ``force`` a database
    that holds tables or a MEDIA_ROOT that holds files. With ``force`` the database is replaced
    (PostgreSQL: its ``public`` schema dropped and recreated; SQLite: overwritten) and the archive's
    files overwrite those of the same name. PostgreSQL restores in one transaction: all or nothing.
    Run ``manage.py migrate`` afterwards when the code is newer than the archive."""
    connection = connections[using]
    with tarfile.open(archive, "r:*") as tar:
        manifest = read_manifest(tar)
        vendor = manifest["database"]["vendor"]
        if vendor != connection.vendor:
            raise BackupError(f"The archive holds a {vendor} database; the configured one is {connection.vendor}.")
        tables = connection.introspection.table_names()
        media_root = Path(settings.MEDIA_ROOT)
        existing_files = [path for path in media_root.rglob("*") if path.is_file()] if media_root.is_dir() else []
        if not force and tables:
            raise BackupError(f"The database {connection.settings_dict['NAME']} already holds {len(tables)} tables: "
                              "restore into an empty database, or pass --force to replace it.")
        if not force and existing_files:
            raise BackupError(f"{media_root} already holds {len(existing_files)} files: restore into an empty "
                              "folder, or pass --force to overwrite the files of the same name.")
        with tempfile.TemporaryDirectory(prefix="hdnd-restore-") as workdir:
            name = manifest["database"]["file"]
            tar.extract(name, workdir, filter="data")
            database_file = Path(workdir) / name
            if sha256_of(database_file) != manifest["database"]["sha256"]:
                raise BackupError(f"The archive is damaged: {name} does not match its checksum.")
            if vendor == "postgresql":
                dump_major = int(re.search(r"(\d+)", manifest["database"]["tool"]).group(1))
                restore_postgresql(connection, database_file, dump_major=dump_major, replace=bool(tables))
            else:
                restore_sqlite(connection, database_file)
        media_root.mkdir(parents=True, exist_ok=True)
        members = media_members(tar)
        for member in members:
            tar.extract(member, media_root, filter="data")
    return manifest
