"""The Vietnamese interface is complete: every string translated, none fuzzy, the .mo in step."""
import gettext
import re
from pathlib import Path

from django.utils import translation

PO = Path(__file__).resolve().parents[1] / "locale" / "vi" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def unquote(lines):
    return "".join(re.match(r'^(?:msgid|msgid_plural|msgstr(?:\[\d+\])?)?\s*"(.*)"$', line).group(1)
                   for line in lines).encode().decode("unicode_escape").encode("latin-1").decode("utf-8")


def po_entries():
    """(msgid, [msgstr...], flags) for each entry of the .po, header excluded."""
    entries, block = [], []
    for line in PO.read_text(encoding="utf-8").splitlines() + [""]:
        if line.strip():
            block.append(line)
            continue
        if block:
            flags = [line for line in block if line.startswith("#,")]
            fields, current = {}, None
            for line in block:
                if line.startswith("#"):
                    continue
                key = line.split(" ", 1)[0] if not line.startswith('"') else current
                if not line.startswith('"'):
                    current = key
                    fields[key] = [line]
                else:
                    fields[current].append(line)
            msgid = unquote(fields["msgid"])
            msgstrs = [unquote(v) for k, v in fields.items() if k.startswith("msgstr")]
            if msgid:
                entries.append((msgid, msgstrs, " ".join(flags)))
            block = []
    return entries


def test_every_string_is_translated_and_none_is_fuzzy():
    entries = po_entries()
    assert len(entries) > 300
    untranslated = [msgid for msgid, msgstrs, _flags in entries if not all(msgstrs)]
    fuzzy = [msgid for msgid, _msgstrs, flags in entries if "fuzzy" in flags]
    assert untranslated == []
    assert fuzzy == []
    assert "fuzzy" not in PO.read_text(encoding="utf-8").split("msgid", 2)[1]  # the header neither


def test_compiled_catalogue_matches_the_po():
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for msgid, msgstrs, _flags in po_entries():
        assert compiled.gettext(msgid) in msgstrs or compiled.ngettext(msgid, msgid, 1) in msgstrs, msgid


def test_interface_strings_follow_the_language():
    with translation.override("vi"):
        assert translation.gettext("Log in") == "Đăng nhập"
        assert translation.gettext("Delegates") == "Đại biểu"
        assert translation.gettext("Working days") == "Ngày làm việc"
    with translation.override("en"):
        assert translation.gettext("Log in") == "Log in"
        assert translation.gettext("Delegates") == "Delegates"
