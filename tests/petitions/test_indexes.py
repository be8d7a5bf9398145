"""The indexes the petition list and search rely on are declared in the model and exist in the database."""
import pytest
from django.db import connection

from petitions.models import Petition

pytestmark = pytest.mark.django_db


def database_indexes():
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, Petition._meta.db_table)


def test_every_index_the_model_declares_is_in_the_database():
    found = database_indexes()
    declared = {index.name for index in Petition._meta.indexes}
    assert {"petition_search_trgm", "petition_main_created"} <= declared
    expected = declared if connection.vendor == "postgresql" else declared - {"petition_search_trgm"}
    assert expected <= set(found)


def test_the_search_index_is_a_trigram_gin_on_postgresql_and_absent_elsewhere():
    found = database_indexes()
    if connection.vendor != "postgresql":
        assert "petition_search_trgm" not in found
        return
    assert found["petition_search_trgm"]["type"] == "gin"
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", ["petition_main_created"])
        (main_created,) = cursor.fetchone()
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", ["petition_search_trgm"])
        (search,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM pg_extension WHERE extname = 'unaccent'")
        (unaccent,) = cursor.fetchone()
    assert "gin_trgm_ops" in search
    assert "WHERE (merged_into_id IS NULL)" in main_created and "created_at DESC" in main_created
    assert unaccent == 0  # search folds text in Python; the extension was never used
