"""On PostgreSQL: pg_trgm (a trusted extension) and a GIN trigram index on the folded
search text, so "duong giao thong" is found through the index (LIKE '%…%') and similar petitions
are ranked by trigram similarity. SQLite has neither; the app scans there."""
from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS petition_search_trgm ON petitions_petition USING gin (search_text gin_trgm_ops)",
]
BACKWARD = ["DROP INDEX IF EXISTS petition_search_trgm"]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    return apply


class Migration(migrations.Migration):
    dependencies = [("petitions", "0002_workflow")]
    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
