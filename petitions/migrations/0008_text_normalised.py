"""Existing rows' text cleaned as text is now cleaned at every way in (delegations.text.text_clean:
NFC, no zero-width characters or byte-order marks, plain spaces, "Ð" stored as "Đ"; one-line
fields with their spaces collapsed), and every folded search text refreshed with the new folding
(look-alike letters, fullwidth forms and invisible characters folded too).

The search text is refolded from itself: the old folding (accents removed, lower case) loses
nothing the new one keeps, so fold(old search text) equals fold(the row's parts) without calling
the models' search_parts (which a migration's historical models do not have). History tables are
left as they were. Text that reads as an old font encoding (TCVN3, VNI) is left unchanged: only a
person can confirm its conversion (the forms ask; notes list how to find such rows)."""
from django.db import migrations, models

from delegations.text import fold, text_clean

APPS = ("delegations", "petitions", "plans", "contact_sessions")
SKIPPED_NAMES = ("search_text", "password", "token", "key", "hash")
BATCH = 1000


def text_fields(model):
    return [field for field in model._meta.concrete_fields
            if isinstance(field, (models.CharField, models.TextField)) and not field.choices
            and not any(part in field.name for part in SKIPPED_NAMES)]


def cleaned(field, value):
    if not isinstance(value, str) or not value:
        return value
    single_line = isinstance(field, models.CharField) and "\n" not in value
    return text_clean(value, single_line=single_line)


def normalise(apps, schema_editor):
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            if model.__name__.startswith("Historical"):
                continue
            fields = text_fields(model)
            has_search = any(f.name == "search_text" for f in model._meta.concrete_fields)
            if not fields and not has_search:
                continue
            names = [f.name for f in fields] + (["search_text"] if has_search else [])
            changed, changed_names = [], set()
            for row in model._base_manager.only("pk", *names).iterator(chunk_size=BATCH):
                touched = False
                for field in fields:
                    old = getattr(row, field.attname)
                    new = cleaned(field, old)
                    if new != old:
                        setattr(row, field.attname, new)
                        changed_names.add(field.attname)
                        touched = True
                if has_search:
                    new = fold(row.search_text)
                    if new != row.search_text:
                        row.search_text = new
                        changed_names.add("search_text")
                        touched = True
                if touched:
                    changed.append(row)
                if len(changed) >= BATCH:
                    model._base_manager.bulk_update(changed, sorted(changed_names))
                    changed, changed_names = [], set()
            if changed:
                model._base_manager.bulk_update(changed, sorted(changed_names))


class Migration(migrations.Migration):
    dependencies = [
        ("contact_sessions", "0003_invitation"),
        ("delegations", "0007_council_publish_answers_on_receipt"),
        ("petitions", "0007_indexes_in_the_model"),
        ("plans", "0001_initial"),
    ]

    operations = [migrations.RunPython(normalise, migrations.RunPython.noop, elidable=True)]
