import tarfile

from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError

from delegations.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = ("Restore an archive written by `manage.py backup` into the configured database (DATABASE_URL) and "
            "MEDIA_ROOT. Refuses a database that holds tables, or a MEDIA_ROOT that holds files, unless --force.")

    def add_arguments(self, parser):
        parser.add_argument("archive", help="the .tar.gz written by `manage.py backup`")
        parser.add_argument("--force", action="store_true",
                            help="replace a database that is not empty, and overwrite files of the same name")

    def handle(self, *args, archive, force=False, **options):
        try:
            manifest = backup_restore(archive=archive, force=force)
        except (BackupError, FileNotFoundError, tarfile.ReadError, OperationalError) as error:
            raise CommandError(str(error)) from None
        database, media = manifest["database"], manifest["media"]
        self.stdout.write(self.style.SUCCESS(
            f"Restored {archive} (made {manifest['created_at']}): {database['vendor']} database and "
            f"{media['files']} files."))
        self.stdout.write("Run `manage.py migrate` if this version of the application is newer than the backup.")
