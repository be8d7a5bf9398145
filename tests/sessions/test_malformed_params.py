"""Malformed parameters on the meeting pages (issue 10, finding 8): parsed by a form, an invalid
value is ignored with a message — never a 500, public pages included."""
import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from tests.sessions.builders import make_session

pytestmark = pytest.mark.django_db
HUGE = "99999999999999999999"


def warned(response):
    return [str(m) for m in get_messages(response.wsgi_request) if "bỏ qua" in str(m)]


def test_the_public_schedule_ignores_a_council_id_beyond_bigint(world, setup, client):
    make_session(world, setup, day=28)
    response = client.get(reverse("contact_sessions:public_schedule"), {"council": HUGE})
    assert response.status_code == 200
    assert warned(response)
    assert client.get(reverse("contact_sessions:public_schedule"), {"council": "abc"}).status_code == 200


def test_the_calendar_ignores_a_date_out_of_range(world, client_for):
    office = client_for(world.users["office"])
    for value in ("9999-12-31", "0001-01-01", "2026-02-30", "abc"):
        response = office.get(reverse("contact_sessions:calendar"), {"date": value})
        assert response.status_code == 200, value
        assert response.context["anchor"] == datetime.date.today() or response.context["anchor"]
        assert warned(response), value
    ok = office.get(reverse("contact_sessions:calendar"), {"date": "2026-11-02"})
    assert ok.context["anchor"] == datetime.date(2026, 11, 2) and not warned(ok)


def test_the_ical_feed_and_the_list_ignore_bad_ids(world, setup, client, client_for):
    feed = client.get(reverse("contact_sessions:ical_feed", args=[world.council.pk]), {"group": HUGE, "commune": "x"})
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
    listing = client_for(world.users["office"]).get(reverse("contact_sessions:session_list"),
                                                     {"round": HUGE, "group": "-1"})
    assert listing.status_code == 200 and warned(listing)


def test_a_meeting_id_beyond_bigint_is_a_404(world, client_for):
    response = client_for(world.users["office"]).get(f"/meetings/{HUGE}/")
    assert response.status_code == 404


def test_a_meeting_scheduled_in_9999_is_refused(world, setup, client_for):
    from tests.sessions.builders import form_data

    response = client_for(world.users["office"]).post(
        reverse("contact_sessions:session_create"),
        form_data(world, setup, starts_at="9999-12-31T08:00", ends_at="9999-12-31T11:00"))
    assert response.status_code == 400
    assert response.context["form"].errors["starts_at"]
