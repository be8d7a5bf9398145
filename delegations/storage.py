"""Where uploaded and generated files are kept: under random names, never served by URL.

Files (plans' and minutes' PDFs, signed scans, invitations, reports, answers' attachments) are read
only through views that check who asks (`delegations.downloads.file_download`); nothing maps
MEDIA_URL to MEDIA_ROOT, and a file's stored name tells nothing and cannot be guessed."""
import posixpath
import uuid

from django.core.files.storage import FileSystemStorage

# Extensions a stored file may keep; they come from what the code detected or generated (an upload is
# renamed after its content by delegations.uploads.validate_upload), never from a person.
SAFE_EXTENSIONS = {"pdf", "docx", "xlsx", "png", "jpg"}


class PrivateFileStorage(FileSystemStorage):
    """FileSystemStorage that stores each file under "<folder>/<32 random hex digits>.<extension>"."""

    def get_valid_name(self, name):
        """`name` is the file part only (Storage.generate_filename splits off the folder)."""
        extension = posixpath.splitext(name)[1].lower().lstrip(".")
        if extension == "jpeg":
            extension = "jpg"
        return f"{uuid.uuid4().hex}.{extension if extension in SAFE_EXTENSIONS else 'bin'}"
