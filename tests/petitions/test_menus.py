"""The petition list's filter menus as a province reads them (petitions/menus.py): groups, communes,
agencies and fields under their council's name, the user's own council first, the same name never
twice without its council; only the chosen council's options when one is chosen; each council's
lists cached, and forgotten when a field, agency, group or commune of that council changes."""
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from delegations.menus import menu_cache_key
from petitions.menus import council_menus, grouped_menus
from petitions.models import PetitionField
from tests.factories import (
    AgencyFactory,
    CommuneCouncilFactory,
    CommuneFactory,
    DelegateGroupFactory,
    TermFactory,
)

URL = reverse("petitions:petition_list")


@pytest.fixture
def menus(world):
    cache.clear()  # the test settings' cache is the process' memory: start from nothing
    ward = CommuneCouncilFactory(name="HĐND phường An Bình", parent=world.council)
    out = {"ward": ward}
    for council in (world.council, world.commune_council, ward, world.other_council):
        PetitionField.objects.create(council=council, name="Giao thông")
        AgencyFactory(council=council, name=f"UBND {council.pk}", short_name="UBND")
        CommuneFactory(council=council, name="Kiêm Tân")
        term = TermFactory(council=council, name=f"Khóa {council.pk}")
        DelegateGroupFactory(council=council, term=term, name="Tổ đại biểu số 9")
    yield out
    cache.clear()


def labels(groups):
    return [(str(group.council), [label for _pk, label in group.options]) for group in groups]


def test_a_province_reads_each_councils_options_under_its_name_its_own_first(world, menus, client_for):
    response = client_for(world.users["office"]).get(URL)
    choices = response.context["choices"]
    order = ["HĐND tỉnh Bắc Ninh", "HĐND phường An Bình", "HĐND xã Tiên Du"]
    assert [str(c) for c in choices["councils"]] == order
    assert labels(choices["fields"]) == [(name, ["Giao thông"]) for name in order]
    assert [council for council, _labels in labels(choices["agencies"])] == order
    assert [council for council, _labels in labels(choices["groups"])] == order
    assert [council for council, _labels in labels(choices["communes"])][:3] == order
    html = response.content.decode()
    menu = html[html.index('data-testid="menu-field"'):]
    menu = menu[:menu.index("</select>")]
    # One "Giao thông" per council, each under an optgroup labelled with its council.
    assert menu.count("<optgroup") == 3 and menu.count("Giao thông") == 3
    for name in order:
        assert f'<optgroup label="{name}">' in menu
    assert "Lạng Sơn" not in html  # another province's options are never offered


def test_a_commune_office_reads_its_own_options_without_groups(world, menus, client_for):
    response = client_for(world.users["commune_office"]).get(URL)
    choices = response.context["choices"]
    assert labels(choices["fields"]) == [("HĐND xã Tiên Du", ["Giao thông"])]
    menu = response.content.decode().split('data-testid="menu-field"')[1].split("</select>")[0]
    assert "<optgroup" not in menu and menu.count("Giao thông") == 1


def test_with_a_council_chosen_the_menus_list_its_own_options(world, menus, client_for):
    ward = menus["ward"]
    response = client_for(world.users["office"]).get(URL, {"council": ward.pk})
    choices = response.context["choices"]
    for kind in ("fields", "agencies", "groups", "communes"):
        assert [group.council for group in choices[kind]] == [ward], kind
    assert all(r.plan.council_id == ward.pk for r in choices["rounds"])


def test_the_menus_are_cached_per_council_and_read_in_four_queries_when_not(world, menus, client_for):
    client = client_for(world.users["office"])
    with CaptureQueriesContext(connection) as first:
        client.get(URL)
    with CaptureQueriesContext(connection) as second:
        client.get(URL)
    assert len(first) - len(second) == 4  # groups, communes, agencies, fields: built once for the three councils
    for council in (world.council, world.commune_council, menus["ward"]):
        assert cache.get(menu_cache_key(council.pk)) is not None
    assert cache.get(menu_cache_key(world.other_council.pk)) is None


@pytest.mark.parametrize("change", ["field", "agency", "group", "commune", "field_deleted", "agency_moved"])
def test_a_change_of_a_councils_options_forgets_its_cached_menus(world, menus, change):
    ward, province = menus["ward"], world.council
    ids = [province.pk, ward.pk, world.commune_council.pk]
    council_menus(ids)
    assert all(cache.get(menu_cache_key(pk)) is not None for pk in ids)
    if change == "field":
        PetitionField.objects.create(council=ward, name="Môi trường")
        expected = ("fields", "Môi trường")
    elif change == "agency":
        agency = ward.agencies.get()
        agency.short_name = "UBND phường"
        agency.save()
        expected = ("agencies", "UBND phường")
    elif change == "group":
        DelegateGroupFactory(council=ward, term=ward.terms.get(), name="Tổ đại biểu số 10")
        expected = ("groups", "Tổ đại biểu số 10")
    elif change == "commune":
        CommuneFactory(council=ward, name="Phường Mới")
        expected = ("communes", "Phường Mới")
    elif change == "field_deleted":
        ward.petition_fields.get().delete()
        assert cache.get(menu_cache_key(ward.pk)) is None
        assert council_menus([ward.pk])[ward.pk]["fields"] == []
        return
    else:  # an agency moved from the ward to the province: both councils' menus change
        agency = ward.agencies.get()
        agency.council = province
        agency.save()
        assert cache.get(menu_cache_key(province.pk)) is None
        expected = ("agencies", None)
    assert cache.get(menu_cache_key(ward.pk)) is None  # forgotten: the next page builds it again
    assert cache.get(menu_cache_key(world.commune_council.pk)) is not None  # another council's stays
    kind, label = expected
    rebuilt = [name for _pk, name in council_menus([ward.pk])[ward.pk][kind]]
    assert (label in rebuilt) if label else rebuilt == []


def test_the_chosen_option_is_selected_in_its_menu(world, menus, client_for):
    field = PetitionField.objects.get(council=menus["ward"], name="Giao thông")
    html = client_for(world.users["office"]).get(URL, {"field": field.pk}).content.decode()
    menu = html[html.index('data-testid="menu-field"'):]
    menu = menu[:menu.index("</select>")]
    assert menu.count(" selected") == 1 and f'<option value="{field.pk}" selected>Giao thông</option>' in menu


def test_the_options_are_written_once_when_cached_escaped_and_selected_per_page(world, menus, client_for):
    """Each council's <option> elements are kept with its lists (written when cached, not on every
    page); a page marks its chosen one; a chosen value that is no option's marks nothing."""
    from petitions.templatetags.menu_tags import grouped_select

    ward = menus["ward"]
    field = PetitionField.objects.create(council=ward, name='Đất đai & "nhà ở" <đô thị>')
    cached = council_menus([ward.pk])[ward.pk]
    assert cached["html"]["fields"].count("<option") == 2
    assert '&amp; &quot;nhà ở&quot; &lt;đô thị&gt;' in cached["html"]["fields"]
    assert cache.get(menu_cache_key(ward.pk))["html"] == cached["html"]
    client = client_for(world.users["office"])
    html = client.get(URL, {"council": ward.pk, "field": field.pk}).content.decode()
    assert f'<option value="{field.pk}" selected>Đất đai &amp; &quot;nhà ở&quot; &lt;đô thị&gt;</option>' in html
    groups = grouped_menus(world.users["office"], [ward], selected=ward.pk)["fields"]
    for chosen in ("", '"><script>', "999999"):
        assert " selected" not in grouped_select("f-field", "field", groups, chosen)


def test_the_select_renderer_writes_the_html_django_writes(world, menus):
    """petitions.menus.SelectRenderer (the list's bulk-action form) against Django's own templates:
    unbound and bound, with option groups and text to escape."""
    from django import forms

    from delegations.models import Council
    from petitions.forms import ClassifyForm
    from petitions.menus import SelectRenderer

    councils = Council.objects.filter(pk__in=[world.council.pk, menus["ward"].pk])
    field = PetitionField.objects.filter(council=world.council).first()
    for data in (None, {"level": "province", "fields_": [str(field.pk)]}):
        plain = ClassifyForm(data, councils=councils)
        fast = ClassifyForm(data, councils=councils, renderer=SelectRenderer())
        for name in ("fields_", "level", "agency"):
            assert str(fast[name]) == str(plain[name]) and "<option" in str(fast[name])

    class Grouped(forms.Form):
        kind = forms.ChoiceField(choices=[("Xã & phường", [("1", 'An "Bình"'), ("2", "<b>")]), ("3", "Khác")],
                                 widget=forms.Select(attrs={"class": "form-select", "disabled": False}))

    for data in (None, {"kind": "2"}):
        assert str(Grouped(data, renderer=SelectRenderer())["kind"]) == str(Grouped(data)["kind"])


def test_the_bulk_forms_menus_from_the_cache_are_the_menus_of_its_querysets(world, menus):
    """The list's bulk form writes its field and agency menus from the cached lists
    (ClassifyForm.menus_from_cache): the same options, labels and order as its querysets give,
    an inactive agency left out, with no query; what is sent is still checked by the querysets."""
    from delegations.models import Council
    from petitions.forms import ClassifyForm

    councils = list(Council.objects.filter(pk__in=[menus["ward"].pk, world.council.pk, world.commune_council.pk]))
    AgencyFactory(council=world.council, name="Sở cũ", short_name="", is_active=False)
    PetitionField.objects.create(council=world.council, name='Đất đai & "nhà ở"', order=0)
    plain = ClassifyForm(councils=councils)
    expected = (str(plain["fields_"]), str(plain["agency"]))
    council_menus([c.pk for c in councils])  # cached, as the list's menus are
    with CaptureQueriesContext(connection) as queries:
        cached = ClassifyForm(councils=councils).menus_from_cache(councils)
        written = (str(cached["fields_"]), str(cached["agency"]))
    assert written == expected and len(queries) == 0
    assert "Sở cũ" not in written[1] and "&amp; &quot;nhà ở&quot;" in written[0]
    other = PetitionField.objects.get(council=world.other_council)
    sent = ClassifyForm({"fields_": [str(other.pk)]}, councils=councils).menus_from_cache(councils)
    assert not sent.is_valid() and "fields_" in sent.errors
