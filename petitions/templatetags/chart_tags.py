"""The dashboard's horizontal bar charts (petitions.dashboard.chart) as HTML, written in Python: a
province's page draws four charts and their tables (fifty delegate groups, agencies, fields), which
the template engine took some 10 ms of every view to render; this takes well under one."""
from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import ngettext

register = template.Library()


def _row(row, bar_height, color):
    bar = row["bar"]
    label, text = escape(bar.label), escape(row["text"])
    track = (f'<rect x="0" y="{row["bar_y"]}" width="{row["track_w"]}" height="{bar_height}" rx="2" '
             f'fill="#dee2e6"></rect>' if row["track_w"] else "")
    value = (f'<rect x="0" y="{row["bar_y"]}" width="{row["value_w"]}" height="{bar_height}" rx="2" '
             f'fill="{escape(color)}"></rect>' if bar.value else "")
    return (f'<a href="{escape(bar.url)}" tabindex="-1"><g><title>{label}: {text}</title>'
            f'<text x="0" y="{row["label_y"]}" class="dash-chart-label">{label}</text>{track}{value}'
            f'<text x="100%" y="{row["text_y"]}" text-anchor="end" class="dash-chart-value">{text}</text></g></a>')


@register.simple_tag
def bar_chart(chart, bars, chart_id, title, color, label_header, value_header, total_header, empty):
    """A chart drawn in SVG and the same numbers in a table (the links for keyboard and screen-reader
    users). `chart` is petitions.dashboard.chart(bars); `total_header` (or "") adds the bars' totals
    as a column; `empty` is said when there is no bar."""
    if not chart["rows"]:
        return mark_safe(f'<div class="empty-state border rounded py-4">{escape(empty)}</div>')  # noqa: S308
    chart_id, title = escape(chart_id), escape(title)
    svg = (f'<svg class="dash-chart d-block w-100" width="100%" height="{chart["height"]}" role="img" '
           f'aria-labelledby="{chart_id}-title {chart_id}-desc" data-testid="{chart_id}">'
           f'<title id="{chart_id}-title">{title}</title><desc id="{chart_id}-desc">{escape(chart["summary"])}</desc>'
           + "".join(_row(row, chart["bar_height"], color) for row in chart["rows"]) + "</svg>")
    more = ""
    if chart["more"]:
        said = ngettext("%(n)s more row in the table.", "%(n)s more rows in the table.", chart["more"])
        more = f'<p class="small text-muted mb-1">{escape(said % {"n": chart["more"]})}</p>'
    total_th = f'<th scope="col" class="text-end">{escape(total_header)}</th>' if total_header else ""
    rows = "".join(
        f'<tr><th scope="row" class="fw-normal">{escape(bar.label)}</th><td class="text-end">'
        f'<a href="{escape(bar.url)}">{bar.value}</a></td>'
        + (f'<td class="text-end">{"" if bar.total is None else bar.total}</td>' if total_header else "") + "</tr>"
        for bar in bars)
    table = (f'<div class="dash-table table-responsive"><table class="table table-sm small mb-0" '
             f'data-testid="{chart_id}-table"><caption class="visually-hidden">{title}</caption>'
             f'<thead><tr><th scope="col">{escape(label_header)}</th><th scope="col" class="text-end">'
             f'{escape(value_header)}</th>{total_th}</tr></thead><tbody>{rows}</tbody></table></div>')
    return mark_safe(svg + more + table)  # noqa: S308 - every value escaped above (numbers are numbers)
