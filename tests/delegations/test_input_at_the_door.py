"""Found by a tester after issue 10's fuzz: a multi-select id beyond bigint, and a NUL posted in a
note read straight from the request. Each gives a clear refusal and changes nothing; never a 500."""
import pytest
from django.urls import reverse
from django.utils import translation

from petitions.models import Petition, PetitionStatus
from tests.petitions.builders import make

pytestmark = pytest.mark.django_db
BEYOND_BIGINT = ["9223372036854775808", "99999999999999999999999"]


@pytest.mark.parametrize("huge", BEYOND_BIGINT)
def test_a_field_id_beyond_bigint_is_an_invalid_choice(world, meeting, field, client_for, huge):
    petition = make(world, meeting, 1)[0]
    office = client_for(world.users["office"])
    response = office.post(reverse("petitions:classify", args=[petition.pk]),
                           {"fields_": [huge], "level": "province", "agency": world.agency.pk})
    assert response.status_code in (200, 302, 400)
    response = office.post(reverse("petitions:bulk"), {"ids": [petition.pk], "action": "classify",
                                                       "fields_": [huge], "agency": world.agency.pk})
    assert response.status_code in (200, 302, 400)
    assert Petition.objects.get().status == PetitionStatus.RECEIVED


def test_the_multi_select_refuses_a_huge_id_as_an_invalid_value(world, field):
    from petitions.forms import ClassifyForm

    form = ClassifyForm({"fields_": [BEYOND_BIGINT[0]], "level": "province", "agency": world.agency.pk},
                        councils=[world.council])
    assert not form.is_valid() and "fields_" in form.errors


def test_a_nul_in_a_posted_note_is_a_400_and_nothing_is_saved(world, meeting, client_for):
    petition = make(world, meeting, 1)[0]
    response = client_for(world.users["office"]).post(reverse("petitions:close", args=[petition.pk]),
                                                      {"note": "đã xong\x00"})
    assert response.status_code == 400
    with translation.override("vi"):
        assert translation.gettext("The system could not understand this request.") in response.content.decode()
    assert Petition.objects.get().status == PetitionStatus.RECEIVED


def test_a_huge_id_is_refused_before_any_query(world, django_assert_num_queries):
    """SQLite (the embedded default) fails on an integer beyond 64 bits in the query: the field
    refuses it without asking the database."""
    from django import forms

    from petitions.forms import ClassifyForm

    field_ = ClassifyForm(councils=[world.council]).fields["fields_"]
    with django_assert_num_queries(0), pytest.raises(forms.ValidationError):
        field_.clean([BEYOND_BIGINT[1]])
