"""Where the tests find the team's shared/ folder (seeds, the Decree 30 checker)."""
import os
from pathlib import Path


def shared_dir():
    """The team's shared/ folder (seeds, the Decree 30 checker): $SHARED_DIR, else ../shared beside
    the project, else /work/shared where the workplace keeps it."""
    root = Path(__file__).resolve().parents[1]
    for candidate in (os.environ.get("SHARED_DIR"), root.parent / "shared", Path("/work/shared")):
        if candidate and (Path(candidate) / "tools" / "decree30_check.py").is_file():
            return Path(candidate)
    return root.parent / "shared"
