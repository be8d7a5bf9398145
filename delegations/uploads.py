"""Uploads are checked by size and by content (their first bytes), never by name or declared type."""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

SIGNATURES = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpeg": (b"\xff\xd8\xff",),
    "xlsx": (b"PK\x03\x04",),  # a zip archive; the workbook part is checked by the reader
}
LABELS = {"pdf": "PDF", "png": "PNG", "jpeg": "JPEG", "xlsx": "Excel (.xlsx)"}


def validate_upload(upload, kinds):
    """The kind of an upload among `kinds`, or a ValidationError saying what is wrong."""
    if upload.size > settings.UPLOAD_MAX_BYTES:
        raise ValidationError(_("The file is larger than %(size)s.") % {"size": filesizeformat(settings.UPLOAD_MAX_BYTES)},
                              code="size")
    head = upload.read(16)
    upload.seek(0)
    for kind in kinds:
        if head.startswith(SIGNATURES[kind]):
            return kind
    raise ValidationError(_("The file's content is not of an accepted type (%(kinds)s).")
                          % {"kinds": ", ".join(LABELS[k] for k in kinds)}, code="type")


def file_replace(instance, field_name, name, content):
    """Store `content` in the instance's file field and, after commit, delete the file it replaces:
    files do not pile up, and a rolled-back change keeps the old one."""
    from django.db import transaction

    field = getattr(instance, field_name)
    old = field.name if field else None
    field.save(name, content, save=False)
    instance.save(update_fields=[field_name])
    if old and old != field.name:
        storage = field.storage
        transaction.on_commit(lambda: storage.delete(old))
    return instance
