"""delegations.text: the one cleaning of text at the door, folding for search, invisible characters
shown in messages, and the old Vietnamese font encodings (TCVN3, VNI) recognised and converted."""
import unicodedata

import pytest

from delegations.text import (
    TCVN3,
    fold,
    is_vietnamese_syllable,
    legacy_detect,
    legacy_problems,
    tcvn3_to_unicode,
    text_clean,
    text_visible,
    vni_to_unicode,
)

NFD = lambda text: unicodedata.normalize("NFD", text)  # noqa: E731


# ------------------------------------------------------------------------------ text_clean

@pytest.mark.parametrize(("typed", "single", "multi"), [
    (NFD("Sở Xây dựng"), "Sở Xây dựng", "Sở Xây dựng"),
    ("Sở Xây\u200b dựng", "Sở Xây dựng", "Sở Xây dựng"),
    ("\ufeffSở Xây dựng", "Sở Xây dựng", "Sở Xây dựng"),
    ("Sở\u00a0Xây\u202fdựng", "Sở Xây dựng", "Sở Xây dựng"),
    ("  Sở   Xây\u3000\u2003dựng ", "Sở Xây dựng", "  Sở   Xây  dựng "),
    ("Sở\u2060Xây\u200c\u200d dựng\u200e\u202e", "SởXây dựng", "SởXây dựng"),
    ("Ðường", "Đường", "Đường"),
    ("\u0301Đường", "Đường", "Đường"),
    ("dòng 1\u2028dòng 2", "dòng 1 dòng 2", "dòng 1\ndòng 2"),
    ("dòng 1\ndòng\t2", "dòng 1 dòng 2", "dòng 1\ndòng\t2"),  # a tab separates pasted columns
    ("giao\u00adthông", "giaothông", "giaothông"),
    ("hoà bình", "hoà bình", "hoà bình"),  # old tone placement is kept as typed; search folds it
    ("Ѕở Xâу dựng", "Ѕở Xâу dựng", "Ѕở Xâу dựng"),  # look-alikes are kept; search folds them
    ("ＡＢＣ", "ＡＢＣ", "ＡＢＣ"),
])
def test_text_clean_stores_one_form(typed, single, multi):
    assert text_clean(typed, single_line=True) == single
    assert text_clean(typed, single_line=False) == multi
    assert unicodedata.is_normalized("NFC", text_clean(typed, single_line=False))


def test_text_clean_is_idempotent_and_leaves_non_text_alone():
    for value in ["Sở\u00a0Xây\u200b dựng", NFD("Đường giao thông"), "a  b"]:
        once = text_clean(value, single_line=True)
        assert text_clean(once, single_line=True) == once
    assert text_clean(None, single_line=True) is None
    assert text_clean(5, single_line=True) == 5
    assert text_clean("", single_line=True) == ""


def test_text_clean_keeps_the_letters_of_old_encodings_for_the_check_to_convert():
    """The soft hyphen is TCVN3's "ư" and "Ð" its "é": removing or correcting them would spoil it."""
    typed = "§\u00adêng giao th«ng"
    assert text_clean(typed, single_line=True) == typed
    assert legacy_detect(text_clean(typed, single_line=True)) == ("TCVN3", "Đường giao thông")


# ------------------------------------------------------------------------------ fold

@pytest.mark.parametrize("variant", [
    "Sở Xây dựng", NFD("Sở Xây dựng"), "SỞ XÂY DỰNG", "Sở Xây\u200b dựng", "Sở\u00a0Xây dựng", "\ufeffSở Xây dựng",
    "Ѕở Xâу dựng",  # Cyrillic Ѕ and у
    "Sở Xâү dựng",  # Cyrillic straight у
    "Ｓở Ｘâｙ ｄựｎｇ",  # fullwidth
    "Sở Xây Ԁựng",  # Cyrillic Komi De
    "Sở Xây ðựng", "Sở Xây Ðựng".lower(),
])
def test_fold_finds_look_alikes_and_invisible_characters(variant):
    assert fold(variant) == "so xay dung"


@pytest.mark.parametrize(("text", "folded"), [
    ("Hoà Bình", "hoa binh"), ("Hòa Bình", "hoa binh"), ("thuỷ lợi", "thuy loi"), ("thủy lợi", "thuy loi"),
    ("Đường Giao Thông", "duong giao thong"), ("Ðường", "duong"), ("Ɖường", "duong"),
    ("cоng trình", "cong trinh"),  # Cyrillic о
    ("cοng trình", "cong trinh"),  # Greek ο
    ("сấр nước", "cap nuoc"),  # Cyrillic с and р
    ("Trường ΤΗΡΤ", "truong thpt"),  # Greek capitals
])
def test_fold(text, folded):
    assert fold(text) == folded


# ------------------------------------------------------------------------------ text_visible

def test_the_invisible_character_of_finding_4_is_shown():
    assert text_visible("Sở Xây\u200b dựng") == "Sở Xây⟨U+200B⟩ dựng"


@pytest.mark.parametrize(("value", "shown"), [
    ("Sở\u00a0Xây", "Sở⟨U+00A0⟩Xây"),
    ("\ufeffSở", "⟨U+FEFF⟩Sở"),
    ("Sở\u00adXây", "Sở⟨U+00AD⟩Xây"),
    ("Sở Xâу dựng", "Sở Xâ⟨U+0443⟩ dựng"),  # a Cyrillic letter among Latin ones
    ("\u0301Sở", "⟨U+0301⟩Sở"),
    ("Sở Xây dựng", "Sở Xây dựng"),
    ("Москва", "Москва"),  # Cyrillic text alone is not a look-alike
    (None, ""),
])
def test_text_visible(value, shown):
    assert text_visible(value) == shown


# ------------------------------------------------------------------------------ old encodings

def test_the_tcvn3_case_of_finding_5_converts_and_is_then_found_by_search():
    found = legacy_detect("§­êng giao th«ng liªn th«n hÑp")
    assert found == ("TCVN3", "Đường giao thông liên thôn hẹp")
    assert "duong giao thong" in fold(found[1])


def test_the_issue_s_literal_converts_by_the_tcvn3_table():
    """The issue's example ends "hÈp": È is TCVN3's "ẩ" (hẹp is "hÑp"); the rest converts as written
    and the converted text is found by "duong giao thong"."""
    encoding, converted = legacy_detect("§­êng giao th«ng liªn th«n hÈp")
    assert encoding == "TCVN3"
    assert converted.startswith("Đường giao thông liên thôn ")
    assert "duong giao thong" in fold(converted)


@pytest.mark.parametrize(("legacy", "unicode"), [
    ("Céng hoµ x· héi chñ nghÜa ViÖt Nam", "Cộng hoà xã hội chủ nghĩa Việt Nam"),
    ("§éc lËp - Tù do - H¹nh phóc", "Độc lập - Tự do - Hạnh phúc"),
    ("Giao th«ng", "Giao thông"),
    ("§\u00adêng giao th«ng xuèng cÊp", "Đường giao thông xuống cấp"),
    ("Hµ Néi", "Hà Nội"),
    ("QuyÕt ®Þnh", "Quyết định"),
])
def test_tcvn3(legacy, unicode):
    assert legacy_detect(legacy) == ("TCVN3", unicode)


@pytest.mark.parametrize(("legacy", "unicode"), [
    ("Ñöôøng giao thoâng lieân thoân heïp", "Đường giao thông liên thôn hẹp"),
    ("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", "Cộng hòa xã hội chủ nghĩa Việt Nam"),
    ("Ñoäc laäp - Töï do - Haïnh phuùc", "Độc lập - Tự do - Hạnh phúc"),
    ("Thaønh phoá Hoà Chí Minh", "Thành phố Hồ Chí Minh"),
    ("naêm hoïc", "năm học"),
])
def test_vni(legacy, unicode):
    assert legacy_detect(legacy) == ("VNI", unicode)


def test_the_tables_cover_every_vietnamese_letter():
    letters = set("àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ")
    assert letters <= set(TCVN3.values())
    assert {"Ă", "Â", "Ê", "Ô", "Ơ", "Ư", "Đ"} <= set(TCVN3.values())
    vni = {vni_to_unicode(base + mark) for base in "aeiouyôö" for mark in "ùøûõïâáàåãäêéèúüë"}
    vni |= {vni_to_unicode(letter) for letter in "ôöñíìæóòî"}
    assert letters <= vni
    assert tcvn3_to_unicode("Nguyªn") == "Nguyên"


@pytest.mark.parametrize("text", [
    "Đường giao thông liên thôn hẹp",  # Unicode Vietnamese
    NFD("Đường giao thông liên thôn hẹp"),
    "Cộng hòa xã hội chủ nghĩa Việt Nam",
    "Bà Rá, Cà Mau",  # Vietnamese within Latin-1 only
    "Thôn Hà, xã Tân Phú",
    "The café is open; naïve résumé, façade, Zoë",  # English with a few odd characters
    "Le garçon a été très heureux à Noël",  # French
    "Müller ärgert öfter die Größe",  # German
    "Giá 100€ ©2024 ±5% ½ kg",  # symbols
    "Mass Ð and ©",  # a lone look-alike
    "Phòng họp số 3 – tầng 2",
    "Hello world",
    "",
    "Ngày 15/10 – §",
])
def test_the_detector_does_not_trigger_on_ordinary_text(text):
    assert legacy_detect(text) is None


def test_the_detector_scores_words():
    from delegations.text import legacy_score

    assert legacy_score("§­êng giao th«ng liªn th«n hÑp", "TCVN3") == (5, 5, 0, 5)
    assert legacy_score("The café is open", "TCVN3") == (0, 0, 0, 1)
    assert legacy_score("Thaønh phoá Hoà Chí Minh", "VNI") == (1, 4, 3, 4)


@pytest.mark.parametrize(("word", "valid"), [
    ("đường", True), ("nghiêng", True), ("khuyên", True), ("quốc", True), ("giữa", True), ("hẹp", True),
    ("hẩp", False), ("tòt", False), ("oâng", False), ("thoâng", False), ("café", False), ("street", False),
])
def test_vietnamese_syllables(word, valid):
    assert is_vietnamese_syllable(word) is valid


def test_import_rows_in_an_old_encoding_are_named():
    problems = legacy_problems({"fields": "Giao th«ng", "agency": "Sở Xây dựng"},
                               {"fields": "Lĩnh vực", "agency": "Cơ quan trả lời"})
    assert len(problems) == 1
    assert "Lĩnh vực" in problems[0] and "TCVN3" in problems[0] and "Giao thông" in problems[0]
