from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError

from delegations.backup import BackupError, backup_create, default_output


class Command(BaseCommand):
    help = ("Write one archive (.tar.gz) of the database (pg_dump custom format, or a copy of SQLite) and of "
            "every file under MEDIA_ROOT, with a manifest. Restore it with `manage.py restore ARCHIVE`.")

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="the archive to write (default: BACKUP_DIR/hdnd-YYYYmmdd-HHMMSS.tar.gz)")

    def handle(self, *args, output=None, **options):
        path = Path(output) if output else default_output()
        try:
            manifest = backup_create(output=path)
        except (BackupError, OperationalError) as error:
            raise CommandError(str(error)) from None
        database, media = manifest["database"], manifest["media"]
        self.stdout.write(self.style.SUCCESS(
            f"Backup written to {path}: {database['vendor']} database ({database['bytes']:,} bytes) "
            f"and {media['files']} files ({media['bytes']:,} bytes)."))
