"""Index kinds the models declare that only PostgreSQL has (the embedded default, SQLite, scans instead)."""
from django.contrib.postgres.indexes import GinIndex
from django.db.backends.ddl_references import Statement


class PostgresGinIndex(GinIndex):
    """A GIN index (e.g. trigram, `opclasses=["gin_trgm_ops"]`) created on PostgreSQL and skipped elsewhere,
    declared in `Meta.indexes` so `makemigrations --check` sees any drift. On big tables add new indexes
    with `AddIndexConcurrently` in a non-atomic migration (PostgreSQL)."""

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor != "postgresql":
            return Statement("SELECT 1")
        return super().create_sql(model, schema_editor, using=using, **kwargs)

    def remove_sql(self, model, schema_editor, **kwargs):
        if schema_editor.connection.vendor != "postgresql":
            return Statement("SELECT 1")
        return super().remove_sql(model, schema_editor, **kwargs)
