"""A plan's body as an outline: sections at any depth, numbered by Decree 30 when printed (I., 1.,
1.1., a), -), each with sanitised rich text and, optionally, a block generated from the plan's data
(plans/blocks.py). Empty sections are not printed and take no number."""
import html
from html.parser import HTMLParser

import nh3

from documents import Block, Run

# The tags the renderer prints (documents/official/): anything else is dropped, its text kept;
# the content of <script> and <style> is dropped with them.
ALLOWED_TAGS = {"p", "strong", "b", "em", "i", "u", "ul", "ol", "li", "br"}


def sanitize_html(value):
    """The rich text as stored: only the tags the renderer prints, no attributes, no comments."""
    cleaned = nh3.clean(value or "", tags=ALLOWED_TAGS, attributes={}, strip_comments=True,
                        clean_content_tags={"script", "style"}, link_rel=None)
    cleaned = cleaned.replace("\u00a0", " ").replace("&nbsp;", " ")
    return "" if not html_to_blocks(cleaned) else cleaned


def text_to_html(text):
    """Plain text, one paragraph a line (the plan's fields before the outline), as rich text:
    "- …" lines become a bulleted list, printed exactly as before ("- …")."""
    parts, items = [], []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("- "):
            items.append(f"<li>{html.escape(line[2:].strip(), quote=False)}</li>")
            continue
        if items:
            parts.append("<ul>" + "".join(items) + "</ul>")
            items = []
        parts.append(f"<p>{html.escape(line, quote=False)}</p>")
    if items:
        parts.append("<ul>" + "".join(items) + "</ul>")
    return "".join(parts)


def _letter(number):
    """1 → a, 2 → b, … (Vietnamese documents skip no letter here; đ is not used for numbering)."""
    letters = "abcdefghiklmnopqrstuvxy"
    return letters[(number - 1) % len(letters)] * (1 + (number - 1) // len(letters))


class _BlockParser(HTMLParser):
    STYLE_TAGS = {"strong": "bold", "b": "bold", "em": "italic", "i": "italic", "u": "underline"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks, self.runs, self.kind = [], [], "paragraph"
        self.style = {"bold": 0, "italic": 0, "underline": 0}
        self.lists = []  # [tag, counter]

    def flush(self):
        text = "".join(run.text for run in self.runs)
        if text.strip():
            runs = _merge(self.runs)
            runs[0].text = runs[0].text.lstrip()
            runs[-1].text = runs[-1].text.rstrip()
            runs = [run for run in runs if run.text]
            self.blocks.append(Block(self.kind, "".join(run.text for run in runs), runs=runs))
        self.runs, self.kind = [], "paragraph"

    def handle_starttag(self, tag, attrs):
        if tag in self.STYLE_TAGS:
            self.style[self.STYLE_TAGS[tag]] += 1
        elif tag == "p":
            self.flush()
        elif tag in ("ul", "ol"):
            self.flush()
            self.lists.append([tag, 0])
        elif tag == "li":
            self.flush()
            depth = len(self.lists) - 1
            if self.lists:
                self.lists[-1][1] += 1
                tag_name, count = self.lists[-1]
            else:
                tag_name, count = "ul", 1
            if tag_name == "ul":
                marker = "- " if depth <= 0 else "+ "
            else:
                marker = f"{count}. " if depth <= 0 else f"{_letter(count)}) "
            self.kind = "item"
            self.runs.append(Run(marker))
        elif tag == "br":
            kind = self.kind
            self.flush()
            self.kind = kind if kind != "item" else "paragraph"

    def handle_endtag(self, tag):
        if tag in self.STYLE_TAGS:
            self.style[self.STYLE_TAGS[tag]] = max(0, self.style[self.STYLE_TAGS[tag]] - 1)
        elif tag in ("p", "li"):
            self.flush()
        elif tag in ("ul", "ol"):
            self.flush()
            if self.lists:
                self.lists.pop()

    def handle_data(self, data):
        data = " ".join(data.replace("\u00a0", " ").split("\n"))
        if data:
            self.runs.append(Run(data, bold=self.style["bold"] > 0, italic=self.style["italic"] > 0,
                                 underline=self.style["underline"] > 0))


def _merge(runs):
    merged = []
    for run in runs:
        if merged and (merged[-1].bold, merged[-1].italic, merged[-1].underline) == \
                (run.bold, run.italic, run.underline):
            merged[-1] = Run(merged[-1].text + run.text, run.bold, run.italic, run.underline)
        else:
            merged.append(Run(run.text, run.bold, run.italic, run.underline))
    return merged


def html_to_blocks(value):
    """Sanitised rich text as printed paragraphs: <p> an indented paragraph, a bulleted item "- …"
    ("+ …" one level down), a numbered item "1. …" ("a) …" one level down), with bold, italic and
    underlined runs."""
    parser = _BlockParser()
    parser.feed(value or "")
    parser.close()
    parser.flush()
    return parser.blocks


ROMAN = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
         (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]


def roman(number):
    out = ""
    for value, letters in ROMAN:
        while number >= value:
            out += letters
            number -= value
    return out


def heading(level, number, parent_number=None):
    """The printed number of a section: level 1 "I.", 2 "1.", 3 "1.1.", 4 "a)", 5 and deeper "-"."""
    if level == 1:
        return f"{roman(number)}.", "part"
    if level == 2:
        return f"{number}.", "section"
    if level == 3:
        return (f"{parent_number}.{number}." if parent_number else f"{number}."), "subsection"
    if level == 4:
        return f"{_letter(number)})", "point"
    return "-", "item"


def outline_tree(sections):
    """The sections (any order) as {parent_id: [children in order]}."""
    children = {}
    for section in sorted(sections, key=lambda s: (s.position, s.pk or 0)):
        children.setdefault(section.parent_id, []).append(section)
    return children


def outline_blocks(sections, generate, labels=None):
    """The printed body of an outline. `generate(section, label)` gives a section's generated block
    as (blocks, numbered): its paragraphs, and how many items it numbered with `label(i)` (the
    numbers of the section's children: assignments are numbered as sub-sections would be; the child
    sections continue after them). `labels`, if given, receives each printed section's number
    ("I.", "1.1.", "" when untitled); a section not printed gets none."""
    labels = {} if labels is None else labels
    children = outline_tree(sections)
    printable = {}

    def is_printable(section):
        if section.pk not in printable:
            has_text = bool(html_to_blocks(section.body_html))
            has_block = bool(section.block and generate(section, lambda i: "")[0])
            kids = [is_printable(child) for child in children.get(section.pk, [])]
            printable[section.pk] = has_text or has_block or any(kids)
        return printable[section.pk]

    def emit(parent_id, level, parent_number, start):
        blocks, number = [], start
        for section in children.get(parent_id, []):
            if not is_printable(section):
                continue
            own_number = None
            labels[section.pk] = ""
            if section.title.strip():
                number += 1
                own_number = number
                label, kind = heading(level, number, parent_number)
                labels[section.pk] = label
                blocks.append(Block(kind, f"{label} {section.title.strip()}"))
            blocks += html_to_blocks(section.body_html)
            child_parent = own_number if level == 2 else parent_number
            numbered = 0
            if section.block:
                generated, numbered = generate(section, lambda i, lv=level + 1, p=child_parent: heading(lv, i, p)[0])
                blocks += generated
            blocks += emit(section.pk, level + 1, child_parent, numbered)
        return blocks

    return emit(None, 1, None, 0)
