"""An index on the petition list's own order (newest first), found with the province-scale benchmark
(`make bench`, README "Measured performance"): a province office's list, searched or filtered, reads
the newest petitions of all its councils first and stops after a page; without this index PostgreSQL
sorted every match (a search for "duong giao thong" at 1,000,000 petitions: 436 ms → 4 ms, EXPLAIN
ANALYZE in the README). The index (council, -created_at) serves one council's list; this one the
province's, across its communes. Plain SQL (no model state), so it is the same on SQLite."""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("petitions", "0004_report")]
    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS petition_main_created ON petitions_petition (created_at DESC, id DESC) "
            "WHERE merged_into_id IS NULL",
            "DROP INDEX IF EXISTS petition_main_created",
        ),
    ]
