"""The meetings as an RFC 5545 calendar, for the public announcement feed."""
from django.utils import timezone
from icalendar import Calendar, Event

from delegations.text import text_clean

from .models import MeetingStatus


def calendar_feed(council, sessions, *, base_url, detail_path):
    calendar = Calendar()
    calendar.add("prodid", "-//HDND//Tiep xuc cu tri//VI")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Lịch tiếp xúc cử tri · {council}")
    calendar.add("x-wr-timezone", "Asia/Ho_Chi_Minh")
    for session in sessions:
        event = Event()
        event.add("uid", f"contact-session-{session.pk}@hdnd")
        event.add("dtstamp", timezone.now())
        event.add("dtstart", timezone.localtime(session.starts_at))
        event.add("dtend", timezone.localtime(session.end))
        # NFC (rows stored before text was cleaned at the door too): a folded line never begins
        # with a bare combining mark.
        event.add("summary", text_clean(f"Tiếp xúc cử tri · {session.group} · {session.commune}", single_line=True))
        event.add("location", text_clean(f"{session.venue}, {session.commune}", single_line=True))
        description = [session.content]
        if session.online_link:
            description.append(session.online_link)
        event.add("description", text_clean("\n".join(line for line in description if line), single_line=False))
        event.add("url", session.online_link or base_url + detail_path(session))
        event.add("status", "CANCELLED" if session.status == MeetingStatus.CANCELLED else "CONFIRMED")
        calendar.add_component(event)
    calendar.add_missing_timezones()  # RFC 5545: every TZID used has its VTIMEZONE
    return calendar.to_ical()
