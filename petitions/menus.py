"""The petition list's filter menus, as a province reads them: each council's delegate groups,
communes, agencies and fields under the council's name (one "Giao thông" per council, labelled),
the user's own council first; only the chosen council's when the list is narrowed to one. Each
council's lists come from the cache (delegations.menus), built in one query per kind for all the
councils missing from it."""
from django.conf import settings
from django.core.cache import cache

from delegations.access import active_memberships
from delegations.menus import menu_cache_key
from delegations.models import Agency, Commune, Council, DelegateGroup

from .models import PetitionField

MENU_KINDS = ("groups", "communes", "agencies", "fields")


def _build(council_ids):
    """{council_id: {kind: [(pk, label), …]}}: four queries whatever the number of councils."""
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
    """{kind: [(council, [(pk, label), …]), …]} for the councils given (only `selected` when it is
    one of them), the user's own council first (`ordered`: the councils come from ordered_councils
    already, which need not read the user's memberships again); councils with no option of a kind
    are left out of that menu."""
    if not ordered:
        councils = ordered_councils(user, councils)
    if selected is not None:
        councils = [c for c in councils if c.pk == selected] or councils
    menus = council_menus([c.pk for c in councils])
    return {kind: [(council, menus[council.pk][kind]) for council in councils if menus[council.pk][kind]]
            for kind in MENU_KINDS}


def councils_for_menus(user):
    return list(Council.objects.for_user(user).only("pk", "name", "level"))
