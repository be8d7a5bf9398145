"""The Vietnamese interface is complete: every string translated, none fuzzy, the .mo in step with the .po.

The .po is read with a small parser of our own (no polib); the .mo through the standard library's gettext.
To update after changing strings, see locale/README.md.
"""
import ast
import gettext
import re
from pathlib import Path

from django.utils import translation

PO = Path(__file__).resolve().parents[1] / "locale" / "vi" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")$')
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]")


def parse_po(path=None):
    """Entries of the .po as dicts: ctxt, id, plural, strs (list), flags (set); the header comes first.

    Obsolete entries ("#~") are returned with obsolete=True so a test can refuse them.
    """
    path, entries = path or PO, []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        entry = {"ctxt": None, "id": None, "plural": None, "strs": {}, "flags": set(), "obsolete": False}
        current = None
        for raw in block.splitlines():
            line = raw.strip()
            if line.startswith("#~"):
                entry["obsolete"] = True
                line = line[2:].strip()
            elif line.startswith("#,"):
                entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
                continue
            elif line.startswith("#") or not line:
                continue
            match = KEYWORD.match(line)
            if match:
                current, text = match.group(1), ast.literal_eval(match.group(2))
            elif line.startswith('"') and current:
                text = ast.literal_eval(line)
            else:
                raise AssertionError(f"Cannot read this line of {path.name}: {raw!r}")
            if current == "msgctxt":
                entry["ctxt"] = (entry["ctxt"] or "") + text
            elif current == "msgid":
                entry["id"] = (entry["id"] or "") + text
            elif current == "msgid_plural":
                entry["plural"] = (entry["plural"] or "") + text
            else:
                index = int(current[7:-1]) if "[" in current else 0
                entry["strs"][index] = entry["strs"].get(index, "") + text
        if entry["id"] is not None:
            entry["strs"] = [entry["strs"][i] for i in sorted(entry["strs"])]
            entries.append(entry)
    return entries


def messages():
    """The translatable entries: header and obsolete entries left out."""
    return [e for e in parse_po() if e["id"] and not e["obsolete"]]


def label(entry):
    return f"{entry['ctxt']}|{entry['id']}" if entry["ctxt"] else entry["id"]


def test_header_is_vietnamese_utf8_with_one_plural_form():
    header = parse_po()[0]
    assert header["id"] == ""
    assert "fuzzy" not in header["flags"]
    fields = dict(line.split(": ", 1) for line in header["strs"][0].splitlines() if ": " in line)
    assert fields["Language"] == "vi"
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"
    assert fields["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"


def test_every_string_is_translated_and_none_is_fuzzy():
    entries = messages()
    assert len(entries) > 300
    untranslated = [label(e) for e in entries if not e["strs"] or not all(s.strip() for s in e["strs"])]
    fuzzy = [label(e) for e in entries if "fuzzy" in e["flags"]]
    obsolete = [label(e) for e in parse_po() if e["obsolete"]]
    wrong_plurals = [label(e) for e in entries if e["plural"] is not None and len(e["strs"]) != 1]
    assert untranslated == [], "untranslated entries"
    assert fuzzy == [], "fuzzy entries"
    assert obsolete == [], "obsolete entries: run makemessages with --no-obsolete"
    assert wrong_plurals == [], "Vietnamese has one plural form: msgstr[0] only"


def test_placeholders_are_kept():
    wrong = []
    for entry in messages():
        if "python-format" in entry["flags"] or "python-brace-format" in entry["flags"]:
            wanted = sorted(PLACEHOLDER.findall(entry["id"]) + re.findall(r"\{[^{}]*\}", entry["id"]))
            for text in entry["strs"]:
                found = sorted(PLACEHOLDER.findall(text) + re.findall(r"\{[^{}]*\}", text))
                if found != wanted:
                    wrong.append((label(entry), text))
        # blocktranslate variables ("%(name)s" in the msgid even without the flag) must all survive
        for name in set(re.findall(r"%\((\w+)\)s", entry["id"])):
            wrong += [(label(entry), text) for text in entry["strs"] if f"%({name})s" not in text]
    assert wrong == []


def test_compiled_catalogue_matches_the_po():
    """The .mo holds exactly the .po's translations: run compilemessages after every change."""
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog  # the stdlib's parsed table
    expected = {}
    for entry in messages():
        key = f"{entry['ctxt']}\x04{entry['id']}" if entry["ctxt"] is not None else entry["id"]
        if entry["plural"] is None:
            expected[key] = entry["strs"][0]
        else:
            expected.update({(key, i): text for i, text in enumerate(entry["strs"])})
    compiled = {key: value for key, value in compiled.items() if key != ""}  # the header
    missing = sorted(str(k) for k in expected.keys() - compiled.keys())
    extra = sorted(str(k) for k in compiled.keys() - expected.keys())
    different = sorted(str(k) for k in expected.keys() & compiled.keys() if expected[k] != compiled[k])
    assert (missing, extra, different) == ([], [], []), "django.mo is out of step: run compilemessages"


def test_interface_strings_follow_the_language():
    with translation.override("vi"):
        assert translation.gettext("Log in") == "Đăng nhập"
        assert translation.gettext("Delegates") == "Đại biểu"
        assert translation.gettext("Working days") == "Ngày làm việc"
        assert translation.gettext("Make-up working day") == "Ngày làm bù"
        assert translation.ngettext("%(counter)s record", "%(counter)s records", 5) % {"counter": 5} == "5 bản ghi"
    with translation.override("en"):
        assert translation.gettext("Log in") == "Log in"
        assert translation.gettext("Delegates") == "Delegates"
        assert translation.gettext("Working days") == "Working days"
        assert translation.ngettext("%(counter)s record", "%(counter)s records", 5) % {"counter": 5} == "5 records"
