"""How a meeting's group, commune and venue are printed in its documents ("Tổ đại biểu số 1",
"phường Đông Hưng Thuận")."""


GROUP_WORD = "Tổ đại biểu"


COMMUNE_KIND_WORD = {"xa": "xã", "phuong": "phường", "dac_khu": "đặc khu"}


def group_label(group):
    """The group's name as printed, once: "Tổ đại biểu số 1" (never "Tổ đại biểu Tổ đại biểu số 1");
    a bare name ("số 1", "Thuận Thành") takes the word in front."""
    name = str(group).strip()
    return name if name.lower().startswith(GROUP_WORD.lower()) else f"{GROUP_WORD} {name}"


def place_label(commune):
    """The commune with its kind: "phường Đông Hưng Thuận", "xã Kinh Bắc", "đặc khu Phú Quý" (a name
    that already starts with its kind is left as it is)."""
    word = COMMUNE_KIND_WORD.get(commune.kind, "xã")
    name = commune.name.strip()
    return name if name.lower().startswith(word) else f"{word} {name}"


def venue_label(session):
    """The venue, then the commune with its kind, unless the venue already names the commune."""
    venue = session.venue.strip().rstrip(",.")
    if session.commune.name.strip().lower() in venue.lower():
        return venue
    return f"{venue}, {place_label(session.commune)}"


def session_subject(session):
    """The subject line: the group (with its number), the council, the place with its kind."""
    council = session.council.name.strip()
    return [f"Hội nghị tiếp xúc cử tri của {group_label(session.group)} {council}",
            f"với cử tri {place_label(session.commune)}"]
