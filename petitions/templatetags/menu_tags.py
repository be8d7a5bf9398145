"""The petition list's grouped filter menus (petitions.menus) as HTML, written in Python: a province's
menus hold some two thousand options (each commune council's groups, communes, agencies and fields),
which the template engine took over 100 ms to render on every page, and this takes about 2 ms."""
from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from ..menus import MenuGroup, options_html

register = template.Library()


def _options(group, selected):
    """A MenuGroup's options (written when cached) with the one whose pk is `selected` selected."""
    if not selected:
        return group.html
    return group.html.replace(f'<option value="{selected}">', f'<option value="{selected}" selected>', 1)


@register.simple_tag
def grouped_select(select_id, name, groups, selected="", testid=True):
    """<select id=select_id name=name> with an "all" option, then the options of `groups`
    ([MenuGroup(council, options, html), …], petitions.menus.grouped_menus) under an <optgroup>
    labelled with each council's name when there are several councils, plainly when there is one.
    The option whose pk is `selected` (the URL's value, a string) is selected; `testid`:
    data-testid="menu-<name>"."""
    selected = str(selected or "")
    if len(groups) > 1:
        body = "".join(f'<optgroup label="{escape(group.council)}">{_options(group, selected)}</optgroup>'
                       for group in groups)
    else:
        body = "".join(_options(group, selected) for group in groups)
    testid = f' data-testid="menu-{escape(name)}"' if testid else ""
    return mark_safe(  # noqa: S308 - every value escaped (petitions.menus.options_html; pks are integers)
        f'<select class="form-select form-select-sm" id="{escape(select_id)}" name="{escape(name)}"{testid}>'
        f'<option value="">{escape(gettext("all"))}</option>{body}</select>')


@register.simple_tag
def object_select(select_id, name, objects, selected="", testid=True):
    """grouped_select of one group: the objects (councils, rounds) by pk, labelled with str(object)."""
    options = [(o.pk, str(o)) for o in objects]
    return grouped_select(select_id, name, [MenuGroup(None, options, options_html(options))], selected, testid)
