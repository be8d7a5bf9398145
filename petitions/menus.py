"""The petition list's filter menus, as a province reads them: each council's delegate groups,
communes, agencies and fields under the council's name (one "Giao thông" per council, labelled),
the user's own council first; only the chosen council's when the list is narrowed to one. Each
council's lists come from the cache (delegations.menus), built in one query per kind for all the
councils missing from it."""
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.forms.renderers import get_default_renderer
from django.utils.html import conditional_escape, escape

from delegations.access import active_memberships
from delegations.menus import menu_cache_key
from delegations.models import Agency, Commune, Council, DelegateGroup

from .models import PetitionField

MENU_KINDS = ("groups", "communes", "agencies", "fields")


class MenuGroup(NamedTuple):
    """One council's options of one menu: `options` [(pk, label), …] and the same as <option>
    elements (`html`, none selected), written once when the lists are cached, not on every page."""
    council: object
    options: list
    html: str


def options_html(options):
    """[(pk, label), …] as <option value="pk">label</option> elements (labels escaped)."""
    return "".join(f'<option value="{pk}">{escape(label)}</option>' for pk, label in options)


def _build(council_ids):
    """{council_id: {kind: [(pk, label), …], "html": {kind: options_html}}}: four queries whatever
    the number of councils."""
    built = {pk: {kind: [] for kind in MENU_KINDS} for pk in council_ids}
    sources = {
        "groups": DelegateGroup.objects.filter(council_id__in=council_ids).order_by("name", "pk")
        .values_list("pk", "council_id", "name"),
        "communes": Commune.objects.filter(council_id__in=council_ids).order_by("name", "pk")
        .values_list("pk", "council_id", "name"),
        "agencies": Agency.objects.filter(council_id__in=council_ids, is_active=True).order_by("level", "name", "pk")
        .values_list("pk", "council_id", "short_name", "name"),
        "fields": PetitionField.objects.filter(council_id__in=council_ids).order_by("order", "name", "pk")
        .values_list("pk", "council_id", "name"),
    }
    for kind, rows in sources.items():
        for pk, council_id, *names in rows:
            built[council_id][kind].append((pk, next((n for n in names if n), "")))
    for menus in built.values():
        menus["html"] = {kind: options_html(menus[kind]) for kind in MENU_KINDS}
    return built


def council_menus(council_ids):
    """Each council's option lists, from the cache or built (and cached) for those missing."""
    keys = {pk: menu_cache_key(pk) for pk in council_ids}
    cached = cache.get_many(list(keys.values()))
    menus = {pk: cached[key] for pk, key in keys.items() if key in cached}
    missing = [pk for pk in council_ids if pk not in menus]
    if missing:
        built = _build(missing)
        cache.set_many({keys[pk]: value for pk, value in built.items()}, timeout=settings.MENU_CACHE_SECONDS)
        menus.update(built)
    return menus


def ordered_councils(user, councils):
    """The councils a user reads, their own first (then the others by name)."""
    own = {m.council_id for m in active_memberships(user)}
    return sorted(councils, key=lambda c: (c.pk not in own, c.level != "province", c.name, c.pk))


def grouped_menus(user, councils, selected=None, *, ordered=False):
    """{kind: [MenuGroup(council, [(pk, label), …], html), …]} for the councils given (only `selected` when it is
    one of them), the user's own council first (`ordered`: the councils come from ordered_councils
    already, which need not read the user's memberships again); councils with no option of a kind
    are left out of that menu."""
    if not ordered:
        councils = ordered_councils(user, councils)
    if selected is not None:
        councils = [c for c in councils if c.pk == selected] or councils
    menus = council_menus([c.pk for c in councils])
    return {kind: [MenuGroup(council, menus[council.pk][kind], menus[council.pk]["html"][kind])
                   for council in councils if menus[council.pk][kind]]
            for kind in MENU_KINDS}


def councils_for_menus(user):
    return list(Council.objects.for_user(user).only("pk", "name", "level"))


# ------------------------------------------------------------------------------- select widgets

SELECT_TEMPLATE = "django/forms/widgets/select.html"


def _attrs_html(attrs):
    """django/forms/widgets/attrs.html in Python."""
    return "".join(f" {name}" if value is True else f' {name}="{conditional_escape(str(value))}"'
                   for name, value in attrs.items() if value is not False)


def select_widget_html(widget):
    """django/forms/widgets/select.html (and select_option.html) in Python, from the widget's
    template context (Select.get_context()["widget"]): the same HTML, without a template include per
    option."""
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs_html(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        parts.extend(f'\n  <option value="{conditional_escape(str(option["value"]))}"{_attrs_html(option["attrs"])}>'
                     f'{conditional_escape(option["label"])}</option>\n' for option in options)  # the include's newline
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


class SelectRenderer:
    """A form renderer that writes <select> widgets in Python (select_widget_html) and hands every
    other template to the project's renderer: the template engine takes about 0.3 ms an option,
    which the petition list's bulk-action form paid on every page."""

    def __init__(self, fallback=None):
        self.fallback = fallback or get_default_renderer()

    def render(self, template_name, context, request=None):
        if template_name == SELECT_TEMPLATE:
            return select_widget_html(context["widget"])
        return self.fallback.render(template_name, context, request=request)

    def __getattr__(self, name):
        return getattr(self.fallback, name)
