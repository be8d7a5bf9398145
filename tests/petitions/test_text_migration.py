"""The data migration petitions 0007: existing rows' text is cleaned as the doors now clean it, and
every folded search text is refreshed with the new folding (look-alikes, fullwidth, invisible)."""
import importlib
import unicodedata

import pytest
from django.apps import apps

from delegations.models import Agency, DelegateGroup
from petitions.models import Petition, PetitionField

pytestmark = pytest.mark.django_db
migration = importlib.import_module("petitions.migrations.0008_text_normalised")
NFD = lambda text: unicodedata.normalize("NFD", text)  # noqa: E731


def old_fold(text):
    """The folding before this change (accents removed, lower case), as search texts were stored."""
    text = str(text).replace("đ", "d").replace("Đ", "D")
    return " ".join("".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
                    .lower().split())


def test_existing_rows_are_cleaned_and_their_search_text_refreshed(world):
    petition = Petition.objects.create(council=world.council, text="x", source="letter")
    dirty_text = NFD("Đường giao\u00a0thông\u200b liên thôn\r\nthôn Ðông ") + "\ufeff"
    Petition.objects.filter(pk=petition.pk).update(text=dirty_text, summary="  Sửa\u2003 đường ",
                                                   search_text=old_fold("Đường giаo thông"))  # Cyrillic а
    field = PetitionField.objects.create(council=world.council, name="x")
    PetitionField.objects.filter(pk=field.pk).update(name=NFD("Giao\u200b  thông"))
    Agency.objects.filter(pk=world.agency.pk).update(name="Sở\u00a0Xây dựng", search_text=old_fold("Ѕở Xây dựng"))
    DelegateGroup.objects.filter(pk=world.group_a.pk).update(name="\ufeffTổ đại biểu số 1",
                                                            search_text=old_fold("Ｔổ đại biểu số 1"))
    legacy = Petition.objects.create(council=world.council, text="§\u00adêng giao th«ng", source="letter")

    migration.normalise(apps, None)

    petition.refresh_from_db()
    assert petition.text == "Đường giao thông liên thôn\r\nthôn Đông "
    assert petition.summary == "Sửa đường"
    assert petition.search_text == "duong giao thong"
    assert PetitionField.objects.get(pk=field.pk).name == "Giao thông"
    agency = Agency.objects.get(pk=world.agency.pk)
    assert agency.name == "Sở Xây dựng" and agency.search_text == "so xay dung"
    assert DelegateGroup.objects.get(pk=world.group_a.pk).search_text == "to dai bieu so 1"
    assert list(Agency.objects.search("so xay dung")) == [agency]
    legacy.refresh_from_db()
    assert legacy.text == "§\u00adêng giao th«ng"  # only a person can confirm a conversion


def test_the_migration_is_idempotent(world):
    Agency.objects.filter(pk=world.agency.pk).update(name=NFD("Sở Xây\u200b dựng"))
    migration.normalise(apps, None)
    first = Agency.objects.values_list("name", "search_text").get(pk=world.agency.pk)
    migration.normalise(apps, None)
    assert Agency.objects.values_list("name", "search_text").get(pk=world.agency.pk) == first
