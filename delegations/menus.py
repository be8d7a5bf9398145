"""The filter menus' option lists (delegate groups, communes, agencies, fields), cached per council.

A province office reads its own council and every commune council under it: the lists are built
per council and shown grouped by council (petitions.menus), each council's lists kept in the
Django cache under one key. Whatever changes a council's groups, communes, agencies or fields goes
through the models' save() and delete(), which call `menus_changed(council_id)` — at once and again
after the transaction commits, so that a page read meanwhile cannot put the old lists back.
(A QuerySet.update() or bulk_create() bypasses save(): call menus_changed yourself.)
With a per-process cache (no CACHE_URL), other processes see a change when their copy expires
(settings.MENU_CACHE_SECONDS)."""
from django.core.cache import cache
from django.db import transaction

MENU_CACHE_VERSION = 2  # 2: each list also as <option> HTML (petitions.menus)


def menu_cache_key(council_id):
    return f"filter-menus:v{MENU_CACHE_VERSION}:{council_id}"


def menus_changed(council_id):
    """Forget a council's cached menus (now, and after the current transaction commits)."""
    if not council_id:
        return
    key = menu_cache_key(council_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


class MenuSource:
    """A model mixin: saving or deleting a row forgets its council's menus (and, when the row moved
    to another council, the old council's too)."""

    def save(self, *args, **kwargs):
        old = getattr(self, "_menu_council_id", None)
        super().save(*args, **kwargs)
        menus_changed(self.council_id)
        if old and old != self.council_id:
            menus_changed(old)
        self._menu_council_id = self.council_id

    def delete(self, *args, **kwargs):
        council_id = self.council_id
        result = super().delete(*args, **kwargs)
        menus_changed(council_id)
        return result

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._menu_council_id = instance.__dict__.get("council_id")
        return instance
