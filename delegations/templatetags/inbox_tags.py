"""The inbox's message text: each line that is a link within the site (a message listing several
items puts each item's path on its own line) becomes a link."""
from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def message_body(text):
    lines = []
    for line in (text or "").splitlines():
        stripped = line.strip()
        if stripped.startswith("/") and not stripped.startswith("//") and " " not in stripped:
            lines.append(format_html('<a href="{}">{}</a>', stripped, stripped))
        else:
            lines.append(escape(line))
    return mark_safe("<br>".join(lines))  # noqa: S308 - every part escaped above
