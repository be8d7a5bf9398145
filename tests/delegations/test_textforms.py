"""Text is cleaned at every way in: every form of the project derives from the normalising base,
every posted value is cleaned before a view reads it, text in an old font encoding is shown
converted and saved only when the user confirms, and the iCal feed never begins a line with a
bare combining mark."""
import datetime
import types
import unicodedata

import pytest
from django import forms
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import get_resolver, reverse
from django.utils import timezone, translation

from delegations.textforms import LEGACY_CONFIRM, NormalisedFormMixin
from petitions.models import Petition

PROJECT_APPS = {"delegations", "petitions", "plans", "sessions", "documents", "config"}
NFD = lambda text: unicodedata.normalize("NFD", text)  # noqa: E731


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def project_form_classes():
    import delegations.forms  # noqa: F401 - imported for their subclasses
    import delegations.params  # noqa: F401
    import petitions.forms  # noqa: F401
    import plans.forms  # noqa: F401
    import sessions.forms  # noqa: F401

    get_resolver().url_patterns  # noqa: B018 - imports every view module (and the forms they define)
    return {cls for cls in _subclasses(forms.BaseForm) if cls.__module__.split(".")[0] in PROJECT_APPS
            and not cls.__module__.startswith("delegations.textforms")}


def test_every_form_of_the_project_cleans_its_text():
    found = project_form_classes()
    assert {"PetitionForm", "AgencyForm", "SessionForm", "PetitionFilterQuery", "FloorRowForm",
            "PetitionImportForm", "MembershipForm"} <= {cls.__name__ for cls in found}
    outside = sorted(cls.__qualname__ for cls in found if not issubclass(cls, NormalisedFormMixin))
    assert outside == [], f"derive these from NormalisedForm / NormalisedModelForm: {outside}"


@pytest.mark.django_db
def test_a_model_form_stores_one_form_and_collapses_one_line_fields(world):
    from delegations.forms import AgencyForm

    form = AgencyForm({"council": world.council.pk, "name": NFD("  Sở\u00a0Giao\u200b   thông\u2003vận tải "),
                       "short_name": "\ufeffSGTVT", "level": "province", "is_active": "on"}, user=world.users["office"])
    assert form.is_valid(), form.errors
    agency = form.save()
    agency.refresh_from_db()
    assert agency.name == "Sở Giao thông vận tải" and agency.short_name == "SGTVT"
    assert unicodedata.is_normalized("NFC", agency.name)


@pytest.mark.django_db
def test_a_textarea_keeps_its_lines_and_a_password_is_left_as_typed(world):
    from delegations.forms import MembershipForm
    from petitions.forms import PetitionForm

    form = PetitionForm({"source": "letter", "text": NFD("Dòng một\u200b\r\nDòng\u00a0hai"),
                         "voter_0_name": " Nguyễn\u00a0 Văn  An "}, council=world.council)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["text"] == "Dòng một\r\nDòng hai"
    assert form.voters()[0]["name"] == "Nguyễn Văn An"
    membership = MembershipForm({"username": "moi", "full_name": "Người Mới", "password": "Mật\u00a0khẩu\u200b-dài-12",
                                 "council": world.council.pk, "role": "office", "is_active": "on"},
                                user=world.users["office"])
    assert membership.is_valid(), membership.errors
    assert membership.cleaned_data["password"] == "Mật\u00a0khẩu\u200b-dài-12"


@pytest.mark.django_db
def test_look_alikes_are_kept_as_typed_but_search_finds_them(world):
    from delegations.forms import AgencyForm
    from delegations.models import Agency

    form = AgencyForm({"council": world.council.pk, "name": "Ѕở Tài chính",  # Cyrillic Ѕ
                       "level": "province", "is_active": "on"}, user=world.users["office"])
    assert form.is_valid(), form.errors
    agency = form.save()
    assert agency.name == "Ѕở Tài chính"
    assert list(Agency.objects.search("so tai chinh")) == [agency]
    assert list(Agency.objects.search("Sở Tài chính")) == [agency]


# ------------------------------------------------------------------------ an old font encoding

TCVN3_TEXT = "§\u00adêng giao th«ng liªn th«n hÑp"
CONVERTED = "Đường giao thông liên thôn hẹp"


@pytest.mark.django_db
def test_tcvn3_typed_into_the_petition_form_is_shown_converted_and_saved_only_once_confirmed(world, client_for):
    office = client_for(world.users["office"])
    url = reverse("petitions:petition_new")
    with translation.override("vi"):
        response = office.post(url, {"source": "letter", "text": TCVN3_TEXT})
        assert response.status_code == 400 and Petition.objects.count() == 0
        page = response.content.decode()
        assert "TCVN3" in page and CONVERTED in page
        assert f'name="{LEGACY_CONFIRM}"' in page and "Dùng bản đã chuyển mã" in page
        # Declined (sent again without ticking): refused again, naming the encoding; nothing stored.
        response = office.post(url, {"source": "letter", "text": TCVN3_TEXT})
        assert response.status_code == 400 and "TCVN3" in response.content.decode()
    assert Petition.objects.count() == 0
    response = office.post(url, {"source": "letter", "text": TCVN3_TEXT, LEGACY_CONFIRM: "on"})
    assert response.status_code == 302
    petition = Petition.objects.get()
    assert petition.text == CONVERTED
    found = office.get(reverse("petitions:petition_list"), {"q": "duong giao thong"}).context["page_obj"]
    assert [p.pk for p in found] == [petition.pk]


@pytest.mark.django_db
def test_vni_in_a_model_form_is_refused_naming_the_encoding_then_converted_on_confirmation(world):
    from delegations.forms import AgencyForm

    data = {"council": world.council.pk, "name": "Sôû Giao thoâng vaän taûi", "level": "province", "is_active": "on"}
    form = AgencyForm(data, user=world.users["office"])
    assert not form.is_valid()
    assert "VNI" in str(form.errors["name"]) and "Sở Giao thông vận tải" in str(form.errors["name"])
    assert LEGACY_CONFIRM in form.fields  # rendered by {{ form|crispy }}
    assert form.legacy_found == [("name", "VNI", "Sôû Giao thoâng vaän taûi", "Sở Giao thông vận tải")]
    form = AgencyForm({**data, LEGACY_CONFIRM: "on"}, user=world.users["office"])
    assert form.is_valid(), form.errors
    assert form.save().name == "Sở Giao thông vận tải"


def test_a_search_box_reads_old_encodings_as_typed():
    from delegations.params import SearchQuery

    assert SearchQuery({"q": "th«ng\u200b"}).get("q") == "th«ng"


# ------------------------------------------------------------------------ the request itself

def test_every_posted_value_is_cleaned_before_a_view_reads_it_except_passwords():
    from delegations.middleware import TextAtTheDoorMiddleware

    seen = {}

    def view(request):
        seen.update(note=request.POST.get("note"), password=request.POST.get("password"),
                    ids=request.POST.getlist("ids"))
        return HttpResponse()

    request = RequestFactory().post("/", {"note": NFD("Đã\u00a0xong\u200b\nrồi"), "password": "a\u200bb",
                                          "ids": ["1", "2"]})
    TextAtTheDoorMiddleware(view)(request)
    assert seen == {"note": "Đã xong\nrồi", "password": "a\u200bb", "ids": ["1", "2"]}


@pytest.mark.django_db
def test_a_note_read_straight_from_the_request_is_stored_clean(world, client_for, settings):
    from petitions import services
    from petitions.models import Forwarding, PetitionField

    assert "delegations.middleware.TextAtTheDoorMiddleware" in settings.MIDDLEWARE
    field = PetitionField.objects.create(council=world.council, name="Giao thông")
    petition = services.petition_create(council=world.council, user=world.users["office"], text="Đèn đường hỏng")
    services.petitions_classify(petitions=[petition], user=world.users["office"], fields=[field], level="province",
                                agency=world.agency)
    response = client_for(world.users["office"]).post(reverse("petitions:bulk"), {
        "ids": [petition.pk], "action": "forward", "note": NFD("Đề nghị trả lời​ sớm"), "confirmed": "1"})
    assert response.status_code == 302
    assert list(Forwarding.objects.values_list("note", flat=True)) == ["Đề nghị trả lời sớm"]


# ------------------------------------------------------------------------ the iCal feed

def test_ical_lines_never_begin_with_a_bare_combining_mark():
    from sessions.ical import calendar_feed
    from sessions.models import MeetingStatus

    start = timezone.make_aware(datetime.datetime(2026, 10, 15, 8, 0))
    content = NFD("Tiếp xúc cử tri về đường giao thông liên thôn, thủy lợi, y tế, giáo dục và đất đai. " * 6)
    session = types.SimpleNamespace(
        pk=1, starts_at=start, end=start + datetime.timedelta(hours=2), group=NFD("Tổ đại biểu số 1"),
        commune=NFD("Hạp Lĩnh"), venue="\u0301" + NFD("Nhà văn hoá thôn Đông " * 4), content=content,
        online_link="", status=MeetingStatus.SCHEDULED if hasattr(MeetingStatus, "SCHEDULED") else "")
    ical = calendar_feed("HĐND", [session], base_url="https://example.invalid", detail_path=lambda s: "/x")
    lines = ical.decode("utf-8").split("\r\n")
    continued = [line for line in lines if line.startswith(" ")]
    assert continued, "the long description is folded over several lines"
    for line in lines:
        body = line[1:] if line.startswith(" ") else line
        assert not body or unicodedata.category(body[0]) not in ("Mn", "Me"), line
    unfolded = ical.decode("utf-8").replace("\r\n ", "")
    assert unicodedata.is_normalized("NFC", unfolded)
    assert "Tiếp xúc cử tri về đường giao thông" in unfolded
