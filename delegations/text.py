"""Text as offices really type it: one cleaning at every way in (`text_clean`), accent and
look-alike folding for search and duplicate detection (`fold`), invisible characters made visible
in messages (`text_visible`), and the old Vietnamese font encodings recognised (`legacy_detect`).

Stored text is NFC with no zero-width characters or byte-order marks and plain spaces; look-alike
letters (Cyrillic "а", Greek "ο", fullwidth "Ａ"…) are kept as typed but fold to the Latin letter,
so that search and the similar-petitions rule find them. The one look-alike corrected in storage
is "Ð" (U+00D0, Icelandic eth) and "Ɖ" (U+0189), which become the Vietnamese "Đ" (U+0110)."""
import re
import unicodedata

from django.utils.translation import gettext as _

# ------------------------------------------------------------------------------ the characters

# Characters that show nothing (or only a direction change): removed from stored text.
INVISIBLE = frozenset(
    "\u200b\u200c\u200d\u200e\u200f"  # zero-width space / non-joiner / joiner, LRM, RLM
    "\u202a\u202b\u202c\u202d\u202e"  # bidirectional embeddings and overrides
    "\u2060\u2061\u2062\u2063\u2064"  # word joiner, invisible operators
    "\u2066\u2067\u2068\u2069"  # bidirectional isolates
    "\ufeff\ufffe"  # byte-order mark (zero-width no-break space)
    "\u180e\u034f\u115f\u1160\u3164\uffa0"  # Mongolian vowel separator, grapheme joiner, Hangul fillers
)
SOFT_HYPHEN = "\u00ad"
# Space-like characters other than the plain space: each becomes a plain space.
ODD_SPACES = frozenset(
    "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u202f\u205f\u3000\t\x0b\x0c"
)
LINE_BREAKS = {"\u2028": "\n", "\u2029": "\n", "\x85": "\n"}
# Look-alikes of "Đ" corrected in storage (the Vietnamese letter is U+0110).
D_LOOKALIKES = {"\u00d0": "\u0110", "\u0189": "\u0110"}

# Look-alike letters folded to Latin for search and duplicate detection (never changed in storage).
# Cyrillic, Greek and a few Latin variants that render like a Latin letter; fullwidth and other
# compatibility forms are folded by NFKC first.
HOMOGLYPHS = str.maketrans({
    # Cyrillic
    "А": "a", "а": "a", "В": "b", "в": "b", "Е": "e", "е": "e", "Ё": "e", "ё": "e", "К": "k", "к": "k",
    "М": "m", "м": "m", "Н": "h", "н": "h", "О": "o", "о": "o", "Р": "p", "р": "p", "С": "c", "с": "c",
    "Т": "t", "т": "t", "У": "y", "у": "y", "Х": "x", "х": "x", "Ѕ": "s", "ѕ": "s", "І": "i", "і": "i",
    "Ї": "i", "ї": "i", "Ј": "j", "ј": "j", "Ԁ": "d", "ԁ": "d", "Һ": "h", "һ": "h", "Ԛ": "q", "ԛ": "q",
    "Ԝ": "w", "ԝ": "w", "Ӏ": "l", "ӏ": "l", "Ү": "y", "ү": "y", "Ԍ": "g", "ɡ": "g",
    # Greek
    "Α": "a", "α": "a", "Β": "b", "β": "b", "Ε": "e", "ε": "e", "Ζ": "z", "Η": "h", "Ι": "i", "ι": "i",
    "Κ": "k", "κ": "k", "Μ": "m", "Ν": "n", "ν": "v", "Ο": "o", "ο": "o", "Ρ": "p", "ρ": "p", "Τ": "t",
    "τ": "t", "Υ": "y", "υ": "u", "Χ": "x", "χ": "x",
    # Latin variants and the look-alikes of đ
    "ı": "i", "ɑ": "a", "ɩ": "i", "Ð": "d", "ð": "d", "Ɖ": "d", "ɖ": "d", "Đ": "d", "đ": "d",
})
# Letters of other scripts shown as code points when a refused value mixes them into Latin text.
_LOOKALIKE_LETTERS = frozenset(ch for ch in (chr(code) for code in range(0x370, 0x530))
                               if ch.isalpha()) | {"ı", "ɑ", "ɩ", "ɡ", "Ð", "ð", "Ɖ", "ɖ"}


def _is_mark(ch):
    return unicodedata.category(ch) in ("Mn", "Me")


# ------------------------------------------------------------------------------ cleaning

# What text_clean has to look at; text with none of it (nearly all text) takes the fast path.
_ATTENTION = re.compile("[" + re.escape("".join(sorted(INVISIBLE | ODD_SPACES | set(LINE_BREAKS) | set(D_LOOKALIKES)))) +
                        SOFT_HYPHEN + "\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_INVISIBLE_RE = re.compile("[" + re.escape("".join(sorted(INVISIBLE))) + SOFT_HYPHEN + "]")


def text_clean(value, *, single_line):
    """The one cleaning of text at every way in (forms, imports, the request itself).

    NFC; zero-width characters, byte-order marks, direction controls and soft hyphens removed;
    "Ð"/"Ɖ" stored as "Đ"; non-breaking and other odd spaces become plain spaces (a tab stays in a text
    of several lines: pasted spreadsheet lines separate their columns with it); a combining mark
    with no letter before it is dropped; `single_line` (names, codes, one-line inputs) also turns
    line breaks into spaces, collapses runs of spaces and strips the ends. Text that reads as an old
    font encoding keeps its characters (its soft hyphens and "Ð" are letters there): the form or
    import that receives it asks `legacy_detect` about it. Not a string: returned unchanged."""
    if not isinstance(value, str) or not value:
        return value
    text = value if unicodedata.is_normalized("NFC", value) else unicodedata.normalize("NFC", value)
    if _ATTENTION.search(text):
        # Only the soft hyphen and "Ð" are letters of an old encoding: ask only when they are there.
        legacy = ((SOFT_HYPHEN in text or "\u00d0" in text) and legacy_detect(text) is not None)
        out = []
        for ch in text:
            if ch in INVISIBLE or (ch == SOFT_HYPHEN and not legacy):
                continue
            if ch in ODD_SPACES:
                # A tab in a text of several lines is kept: lines pasted from a spreadsheet separate
                # their columns with it (the plan's bulk add); in a one-line field it is a space.
                ch = "\t" if ch == "\t" and not single_line else " "
            elif ch in LINE_BREAKS:
                ch = LINE_BREAKS[ch]
            elif ch in D_LOOKALIKES and not legacy:
                ch = D_LOOKALIKES[ch]
            elif _is_mark(ch) and (not out or out[-1] in " \n\r"):
                continue  # a bare combining mark: it would sit on a space or begin a line
            out.append(ch)
        text = unicodedata.normalize("NFC", "".join(out))
    if single_line:
        return " ".join(text.split())
    return text


def fold(text):
    """Lower-case text without Vietnamese diacritics, invisible characters or look-alike letters:
    "Đường Giao Thông" -> "duong giao thong"; "Sở Xây\u200b dựng" and "Ѕở Xâу dựng" (Cyrillic) ->
    "so xay dung". Old and new tone placement ("hoà"/"hòa") fold alike, the marks being removed."""
    if not text:
        return ""
    text = _INVISIBLE_RE.sub("", str(text))
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text.replace("đ", "d").replace("Đ", "D"))
        if _HOMOGLYPH_RE.search(text):
            text = text.translate(HOMOGLYPHS)
        text = unicodedata.normalize("NFD", text)
        if _BEYOND_MARKS.search(text):  # letters of other scripts (or rarer marks): character by character
            text = "".join(ch for ch in text if not _is_mark(ch)).translate(HOMOGLYPHS)
        else:  # Latin letters and combining marks only (nearly all text): the marks go at once
            text = text.encode("ascii", "ignore").decode("ascii")
    return " ".join(text.lower().split())


_HOMOGLYPH_RE = re.compile("[" + re.escape("".join(chr(code) for code in HOMOGLYPHS)) + "]")
_BEYOND_MARKS = re.compile("[^\x00-\x7f\u0300-\u036f]")


def text_visible(value):
    """The value with what cannot be seen shown as code points, for messages about a refused value:
    "Sở Xây\u200b dựng" -> "Sở Xây⟨U+200B⟩ dựng". Shown: invisible and format characters, spaces
    other than the plain space, control characters, a combining mark with no letter before it, and
    letters of another script (Cyrillic, Greek) among Latin ones."""
    if value is None:
        return ""
    text = str(value)
    latin = any("a" <= ch.lower() <= "z" for ch in text)
    out = []
    for index, ch in enumerate(text):
        category = unicodedata.category(ch)
        hidden = (ch in INVISIBLE or ch == SOFT_HYPHEN or ch in ODD_SPACES or ch in LINE_BREAKS
                  or category in ("Cf", "Cc", "Co", "Cs", "Zl", "Zp") or (category == "Zs" and ch != " ")
                  or (_is_mark(ch) and (index == 0 or text[index - 1].isspace()))
                  or (latin and ch in _LOOKALIKE_LETTERS))
        out.append(f"⟨U+{ord(ch):04X}⟩" if hidden else ch)
    return "".join(out)


# ------------------------------------------------------------------------------ old font encodings
# Text typed with the pre-Unicode Vietnamese fonts (.VnTime for TCVN3/ABC, VNI-Times for VNI) and
# pasted or saved as Unicode shows those fonts' bytes as Windows-1252 characters. The tables are
# the fonts' byte mappings, written as the characters those bytes read as.

TCVN3 = {
    "¡": "Ă", "¢": "Â", "£": "Ê", "¤": "Ô", "¥": "Ơ", "¦": "Ư", "§": "Đ",
    "¨": "ă", "©": "â", "ª": "ê", "«": "ô", "¬": "ơ", "\u00ad": "ư", "®": "đ",
    "µ": "à", "¶": "ả", "·": "ã", "¸": "á", "¹": "ạ",
    "»": "ằ", "¼": "ẳ", "½": "ẵ", "¾": "ắ", "Æ": "ặ",
    "Ç": "ầ", "È": "ẩ", "É": "ẫ", "Ê": "ấ", "Ë": "ậ",
    "Ì": "è", "Î": "ẻ", "Ï": "ẽ", "Ð": "é", "Ñ": "ẹ",
    "Ò": "ề", "Ó": "ể", "Ô": "ễ", "Õ": "ế", "Ö": "ệ",
    "×": "ì", "Ø": "ỉ", "Ü": "ĩ", "Ý": "í", "Þ": "ị",
    "ß": "ò", "á": "ỏ", "â": "õ", "ã": "ó", "ä": "ọ",
    "å": "ồ", "æ": "ổ", "ç": "ỗ", "è": "ố", "é": "ộ",
    "ê": "ờ", "ë": "ở", "ì": "ỡ", "í": "ớ", "î": "ợ",
    "ï": "ù", "ñ": "ủ", "ò": "ũ", "ó": "ú", "ô": "ụ",
    "õ": "ừ", "ö": "ử", "÷": "ữ", "ø": "ứ", "ù": "ự",
    "ú": "ỳ", "û": "ỷ", "ü": "ỹ", "ý": "ý", "þ": "ỵ",
}
_TCVN3_TABLE = str.maketrans(TCVN3)

# VNI: a few letters are one byte; the other marks are bytes typed after the vowel they go on.
VNI_LETTERS = {
    "ô": "ơ", "Ô": "Ơ", "ö": "ư", "Ö": "Ư", "ñ": "đ", "Ñ": "Đ", "í": "í", "Í": "Í", "ì": "ì", "Ì": "Ì",
    "æ": "ỉ", "Æ": "Ỉ", "ó": "ĩ", "Ó": "Ĩ", "ò": "ị", "Ò": "Ị", "î": "ỵ", "Î": "Ỵ",
}
_ACUTE, _GRAVE, _HOOK, _TILDE, _DOT, _CIRC, _BREVE = "\u0301", "\u0300", "\u0309", "\u0303", "\u0323", "\u0302", "\u0306"
VNI_MARKS = {
    "ù": _ACUTE, "ø": _GRAVE, "û": _HOOK, "õ": _TILDE, "ï": _DOT,
    "â": _CIRC, "á": _CIRC + _ACUTE, "à": _CIRC + _GRAVE, "å": _CIRC + _HOOK, "ã": _CIRC + _TILDE, "ä": _CIRC + _DOT,
    "ê": _BREVE, "é": _BREVE + _ACUTE, "è": _BREVE + _GRAVE, "ú": _BREVE + _HOOK, "ü": _BREVE + _TILDE,
    "ë": _BREVE + _DOT,
}
VNI_MARKS.update({key.upper(): value for key, value in list(VNI_MARKS.items())})
_VOWELS = set("aeiouyAEIOUYơưƠƯ")


def tcvn3_to_unicode(text):
    return unicodedata.normalize("NFC", text.translate(_TCVN3_TABLE))


def vni_to_unicode(text):
    out = []
    for ch in text:
        base = out[-1] if out else ""
        if ch in VNI_MARKS and unicodedata.normalize("NFD", base)[:1] in _VOWELS:
            out[-1] = unicodedata.normalize("NFC", base + VNI_MARKS[ch])
        else:
            out.append(VNI_LETTERS.get(ch, ch))
    return unicodedata.normalize("NFC", "".join(out))


LEGACY_ENCODINGS = {"TCVN3": tcvn3_to_unicode, "VNI": vni_to_unicode}

# A Vietnamese syllable (tone marks removed): initial consonant, one to three vowels, final.
_NUCLEI = ("a ă â e ê i o ô ơ u ư y ai ao au ay âu ây eo êu ia iê iu oa oă oe oi ôi ơi ua uâ uê ui uô uơ uy "
           "ưa ưi ưu ươ yê iêu oai oao oay oeo uây uôi uyê uya uyu ươi ươu yêu").split()
_SYLLABLE = re.compile(r"(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?"
                       r"(" + "|".join(sorted(_NUCLEI, key=len, reverse=True)) + r")(ch|nh|ng|[cmnpt])?")
_TONES = {_ACUTE: "sac", _GRAVE: "huyen", _HOOK: "hoi", _TILDE: "nga", _DOT: "nang"}
_KEPT_MARKS = {_CIRC, _BREVE, "\u031b"}  # circumflex, breve, horn belong to the letters


def is_vietnamese_syllable(word):
    """A word that can be written in Vietnamese: its letters, at most one tone, and the stop
    finals (c, ch, p, t) only with the sắc or nặng tone."""
    decomposed = unicodedata.normalize("NFD", word.lower().replace("đ", "\x01"))
    tones = [ch for ch in decomposed if ch in _TONES]
    if len(tones) > 1:
        return False
    bare = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONES))
    bare = bare.replace("\x01", "đ")
    if any(_is_mark(ch) and ch not in _KEPT_MARKS for ch in bare):
        return False
    match = _SYLLABLE.fullmatch(bare)
    if not match:
        return False
    if match.group(3) in ("c", "ch", "p", "t") and tones and _TONES[tones[0]] not in ("sac", "nang"):
        return False
    return True


# A letter of Vietnamese that no old font encoding produces (outside Latin-1): the text is Unicode.
_UNICODE_VIETNAMESE = re.compile("[ĂăĐđĨĩŨũƠơƯư\u1ea0-\u1ef9]")
_EDGE_PUNCTUATION = "\"'()[]{}<>,.;:!?/-–—…“”‘’"


def legacy_score(text, encoding):
    """(evidence, valid after, valid before, candidates) over the words holding a non-ASCII
    character (the candidates): how many are Vietnamese syllables once converted, how many as they
    stand, and the evidence, those that are Vietnamese only once converted."""
    convert = LEGACY_ENCODINGS[encoding]
    evidence = after = before = candidates = 0
    for token in text.split():
        word = token.strip(_EDGE_PUNCTUATION)
        if not word or word.isascii():
            continue
        candidates += 1
        valid_before, valid_after = is_vietnamese_syllable(word), is_vietnamese_syllable(convert(word))
        before += valid_before
        after += valid_after
        # A lone character ("Ð", "©") is no evidence: it is more often a symbol than a word.
        evidence += len(word) > 1 and valid_after and not valid_before
    return evidence, after, before, candidates


def legacy_detect(value):
    """("TCVN3" or "VNI", the text converted to Unicode) when the text reads as an old Vietnamese
    font encoding, else None. Scored on the words holding a non-ASCII character: at least one must
    be Vietnamese only once converted, at least 75 % must be Vietnamese once converted, and more
    than as they stand. Text with any Vietnamese letter beyond Latin-1 (ư, ơ, đ, ạ…) is Unicode
    already; so is text with letters of another script."""
    if not isinstance(value, str) or value.isascii() or _UNICODE_VIETNAMESE.search(value):
        return None
    if any(ord(ch) > 0xFF and ch.isalpha() for ch in value):
        return None  # letters of other scripts: not a font's bytes
    best = None
    for encoding in LEGACY_ENCODINGS:
        evidence, after, before, candidates = legacy_score(value, encoding)
        if evidence and after >= 0.75 * candidates and after > before:
            if best is None or (evidence, after) > best[1:]:
                best = (encoding, evidence, after)
    if best is None:
        return None
    return best[0], LEGACY_ENCODINGS[best[0]](value)


def legacy_problems(row, columns):
    """The messages for an imported row's cells that read as an old font encoding (the import refuses
    such a row rather than storing garbage or guessing): `row` maps column keys to cell text,
    `columns` maps the keys to the column titles."""
    problems = []
    for key, value in row.items():
        found = legacy_detect(value)
        if found:
            encoding, converted = found
            problems.append(
                _('"%(column)s" reads as typed with the old %(encoding)s font encoding: "%(before)s" would be '
                  '"%(after)s"; convert the sheet to Unicode (e.g. with Unikey\'s converter) and import it again')
                % {"column": columns.get(key, key), "encoding": encoding, "before": value, "after": converted})
    return problems
