"""Malformed parameters on the petition pages (issue 10, finding 8): the issue's cases and their
neighbours give a page, a 400 or a 404 — never a 500."""
import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from petitions.models import Submission
from tests.petitions.builders import make

pytestmark = pytest.mark.django_db
HUGE = "99999999999999999999"


def test_similar_with_a_council_that_is_not_an_id_finds_nothing(world, client_for):
    response = client_for(world.users["office"]).get(reverse("petitions:similar"),
                                                     {"council": "abc", "round": HUGE, "exclude": "-1", "text": "x"})
    assert response.status_code == 200 and response.context["similar"] == []


@pytest.mark.parametrize("rows", ["abc", HUGE, "-5", "1e3"])
def test_the_floor_table_ignores_a_bad_row_count(world, meeting, client_for, rows):
    response = client_for(world.users["group_leader"]).get(reverse("petitions:floor", args=[meeting.pk]),
                                                           {"rows": rows})
    assert response.status_code == 200
    assert 10 <= response.context["formset"].total_form_count() <= 200


def test_the_floor_table_still_grows_on_request(world, meeting, client_for):
    response = client_for(world.users["group_leader"]).get(reverse("petitions:floor", args=[meeting.pk]),
                                                           {"rows": "30"})
    assert response.context["formset"].total_form_count() == 30


@pytest.mark.parametrize("group", ["abc", HUGE, "-1", ""])
def test_submitting_with_a_bad_group_is_refused_with_a_message(world, meeting, client_for, group):
    make(world, meeting, 2)
    response = client_for(world.users["group_leader"]).post(reverse("petitions:submit"),
                                                            {"group": group, "round": meeting.round_id})
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)]
    assert not Submission.objects.exists()


def test_the_list_ignores_bad_filters_with_a_message(world, meeting, client_for):
    make(world, meeting, 2)
    response = client_for(world.users["office"]).get(reverse("petitions:petition_list"), {
        "round": HUGE, "group": "abc", "status": "nonsense", "q": "đường\x00"})
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 2  # the bad filters are left out
    assert any("bỏ qua" in str(m) for m in get_messages(response.wsgi_request))


def test_a_petition_id_beyond_bigint_is_a_404(world, client_for):
    assert client_for(world.users["office"]).get(f"/petitions/{HUGE}/").status_code == 404


@pytest.mark.parametrize(("data", "field"), [({"issued_on": "9999-12-31"}, "issued_on"),
                                             ({"number": HUGE}, "number"), ({"number": "abc"}, "number")])
def test_a_report_issued_in_9999_or_with_a_huge_number_is_refused_by_its_form(data, field):
    from petitions.forms import ReportIssueForm

    form = ReportIssueForm(data)
    assert not form.is_valid() and field in form.errors
