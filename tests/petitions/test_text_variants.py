"""Finding 6 of the spreadsheets-and-text issue, as a kind: a petition typed in any of the ways
offices' text really comes (decomposed accents, old tone placement, odd spaces, invisible
characters, look-alike letters, fullwidth forms, and mixes of them) is stored in one form, and the
petition list's search and the similar-petitions rule find it."""
import unicodedata

import pytest
from django.urls import reverse

from petitions import services
from petitions.models import Petition

pytestmark = pytest.mark.django_db

CANONICAL = "Đường giao thông liên thôn Hòa Bình bị hỏng nặng, cần sửa cấp bách"
OLD_TONES = CANONICAL.replace("Hòa", "Hoà")
NFD = lambda text: unicodedata.normalize("NFD", text)  # noqa: E731
CYRILLIC = str.maketrans({"a": "а", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "i": "і"})

# (case, as typed, as stored; None: as typed, cleaned, its look-alike letters kept)
VARIANTS = [
    ("nfc", CANONICAL, CANONICAL),
    ("nfd", NFD(CANONICAL), CANONICAL),
    ("old tone placement", OLD_TONES, OLD_TONES),
    ("old tone placement, nfd", NFD(OLD_TONES), OLD_TONES),
    ("nbsp", CANONICAL.replace(" ", "\u00a0"), CANONICAL),
    ("narrow nbsp and ideographic space", CANONICAL.replace("giao ", "giao\u202f").replace("thôn ", "thôn\u3000"),
     CANONICAL),
    ("em and thin spaces", CANONICAL.replace(" liên", "\u2003liên").replace(" bị", "\u2009bị"), CANONICAL),
    ("zero-width space inside a word", CANONICAL.replace("Đường", "Đư\u200bờng"), CANONICAL),
    ("zero-width joiners and word joiner",
     CANONICAL.replace("giao", "gi\u200ca\u200do").replace("thông", "th\u2060ông"), CANONICAL),
    ("bom at the start", "\ufeff" + CANONICAL, CANONICAL),
    ("bom inside", CANONICAL.replace(" bị", "\ufeff bị"), CANONICAL),
    ("soft hyphen", CANONICAL.replace("thông", "thô\u00adng"), CANONICAL),
    ("direction marks", "\u200e" + CANONICAL.replace("hỏng", "h\u200fỏng"), CANONICAL),
    ("icelandic eth for Đ", CANONICAL.replace("Đ", "Ð"), CANONICAL),
    ("bare combining mark first", "\u0300" + CANONICAL, CANONICAL),
    ("cyrillic а о", CANONICAL.replace("giao", "giао"), None),
    ("cyrillic і", CANONICAL.replace("liên", "lіên"), None),
    ("cyrillic с р", CANONICAL.replace("cần", "сần").replace("cấp", "сấр"), None),
    ("cyrillic everywhere it looks alike", CANONICAL.translate(CYRILLIC), None),
    ("greek ο", CANONICAL.replace("giao", "giaο"), None),
    ("greek capitals", CANONICAL.replace("Hòa Bình", "Ηòa Βình"), None),
    ("fullwidth", CANONICAL.replace("giao thông", "ｇｉａｏ ｔｈôｎｇ"), None),
    ("mixed: nfd, nbsp, zero-width, cyrillic", NFD(CANONICAL).replace(" ", "\u00a0").replace("giao", "g\u200biао"),
     None),
    ("mixed: old tones, fullwidth, bom, em space",
     "\ufeff" + OLD_TONES.replace(" ", "\u2003").replace("liên", "ｌｉên"), None),
    ("upper case, nfd", NFD(CANONICAL.upper()), CANONICAL.upper()),
]


def stored_form(typed, expected):
    """Look-alike and fullwidth letters are kept as typed (only folded for search)."""
    if expected is not None:
        return expected
    from delegations.text import text_clean

    return text_clean(typed, single_line=False)


@pytest.mark.parametrize(("case", "typed", "expected"), VARIANTS, ids=[v[0] for v in VARIANTS])
def test_each_variant_is_stored_in_one_form_and_found(world, client_for, case, typed, expected):
    office = client_for(world.users["office"])
    response = office.post(reverse("petitions:petition_new"), {"source": "letter", "text": typed})
    assert response.status_code == 302, response.content.decode()[:2000]
    petition = Petition.objects.get()
    stored = stored_form(typed, expected)
    assert petition.text == stored
    assert unicodedata.is_normalized("NFC", petition.text)
    assert not any(ch in petition.text for ch in "\u200b\u200c\u200d\u2060\ufeff\u00a0\u00ad\u200e\u200f\u3000")
    assert "Ð" not in petition.text

    listed = office.get(reverse("petitions:petition_list"), {"q": "duong giao thong lien thon"})
    assert [p.pk for p in listed.context["page_obj"]] == [petition.pk]
    listed = office.get(reverse("petitions:petition_list"), {"q": "Đường giao thông Hòa Bình"})
    assert [p.pk for p in listed.context["page_obj"]] == [petition.pk]

    similar = services.similar_petitions(council=world.council, text=CANONICAL)
    assert [p.pk for p in similar] == [petition.pk]
    assert similar[0].similarity >= 0.6
    # And the other way round: the variant, typed in the form, finds the petition stored plainly.
    plain = services.petition_create(council=world.council, user=world.users["office"], text=CANONICAL)
    similar = services.similar_petitions(council=world.council, text=typed, exclude=petition)
    assert [p.pk for p in similar] == [plain.pk]


def test_the_table_has_at_least_twenty_variants():
    assert len(VARIANTS) >= 20
    assert len({typed for _case, typed, _expected in VARIANTS}) == len(VARIANTS)
