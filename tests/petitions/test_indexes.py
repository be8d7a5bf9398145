"""The indexes the petition list and search rely on are declared in the model and exist in the database."""
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from petitions.models import Petition
from petitions.services.deadlines import petition_agency_recipients, petition_forward_recipients
from tests.petitions.builders import forwarded

pytestmark = pytest.mark.django_db


def database_indexes():
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, Petition._meta.db_table)


def test_every_index_the_model_declares_is_in_the_database():
    found = database_indexes()
    declared = {index.name for index in Petition._meta.indexes}
    assert {"petition_search_trgm", "petition_main_created", "petition_recipients"} <= declared
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


@pytest.mark.parametrize("recipients", [petition_agency_recipients, petition_forward_recipients])
def test_the_sweeps_read_of_who_is_responsible_is_answered_by_the_covering_index(world, meeting, field, recipients):
    """petition_recipients holds (id) and includes the council and the agency, and the read of the
    deadline sweep's petitions touches only those columns, unordered, by `id = ANY(…)`: what lets
    PostgreSQL answer it with an index-only scan in key order, no page of the table read. (Whether
    the planner takes it depends on the visibility map, which a test database inside a transaction
    never has; on the bench's million rows it does, timed in the migration's docstring.)"""
    if connection.vendor != "postgresql":
        pytest.skip("index-only scans are PostgreSQL's")
    petitions = forwarded(world, meeting, field, n=3)
    with CaptureQueriesContext(connection) as queries:
        answer = recipients([p.pk for p in petitions])
    assert set(answer) == {p.pk for p in petitions}
    read = next(q["sql"] for q in queries.captured_queries if 'FROM "petitions_petition"' in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'petition_recipients'")
        (definition,) = cursor.fetchone()
    assert "(id) INCLUDE (council_id, agency_id)" in definition
    assert set(re.findall(r'"petitions_petition"\."(\w+)"', read)) <= {"id", "council_id", "agency_id"}, read
    assert '"petitions_petition"."id" = ANY(' in read and "ORDER BY" not in read and "JOIN" not in read, read
