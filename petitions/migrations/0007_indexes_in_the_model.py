"""The two indexes that 0003 (trigram search) and 0005 (the list's order) made in plain SQL are now
declared in Petition.Meta.indexes, so `makemigrations --check` sees any drift; the database already has
them (same names), so this migration changes the model state only. The unused `unaccent` extension
(search folds text in Python) is dropped on PostgreSQL."""
from django.db import migrations, models

import delegations.indexes


def drop_unaccent(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("DROP EXTENSION IF EXISTS unaccent")


class Migration(migrations.Migration):

    dependencies = [
        ("petitions", "0006_voter_data_access"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name="petition",
                    index=delegations.indexes.PostgresGinIndex(fields=["search_text"], name="petition_search_trgm",
                                                               opclasses=["gin_trgm_ops"]),
                ),
                migrations.AddIndex(
                    model_name="petition",
                    index=models.Index(models.OrderBy(models.F("created_at"), descending=True),
                                       models.OrderBy(models.F("id"), descending=True),
                                       condition=models.Q(("merged_into__isnull", True)), name="petition_main_created"),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(drop_unaccent, migrations.RunPython.noop),
    ]
