"""The petition list's own order (newest first) on the rows it lists (not merged), found with the
province-scale benchmark (`make bench`, README "Measured performance at a province's scale"): a
province office's list, filtered or searched, reads the newest petitions of all its councils first
and stops after a page. At 1,000,000 petitions the filtered list (status, level, field) went from
190 ms (every petition of the field joined and sorted) to 2 ms, and a search for "duong giao thong"
from 436 ms to 4 ms (EXPLAIN ANALYZE). The index (council, -created_at) serves one council's list;
this one the province's, across its communes. Plain SQL (no model state), the same on SQLite."""
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
