"""`<id field>__in_array=ids` (delegations.deadlines.InArray): the same rows as `__in`, sent on
PostgreSQL as `= ANY(one array parameter)`, on primary keys and on foreign keys alike."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from delegations.models import Membership

pytestmark = pytest.mark.django_db


def test_the_rows_are_those_of_in_for_a_primary_key_and_a_foreign_key(world):
    memberships = list(Membership.objects.order_by("pk"))
    wanted = [memberships[0].pk, memberships[3].pk, memberships[-1].pk, 10**12]
    assert (sorted(Membership.objects.filter(pk__in_array=wanted).values_list("pk", flat=True))
            == sorted(Membership.objects.filter(pk__in=wanted).values_list("pk", flat=True)) == wanted[:3])
    councils = [world.council.pk]
    assert (set(Membership.objects.filter(council_id__in_array=councils))
            == set(Membership.objects.filter(council__in=councils)) != set())
    assert set(Membership.objects.filter(council__in_array=councils)) == set(Membership.objects.filter(council__in=councils))


def test_an_empty_list_finds_nothing(world):
    assert list(Membership.objects.filter(pk__in_array=[])) == []


def test_on_postgresql_the_ids_are_one_array_parameter_compared_with_any(world):
    if connection.vendor != "postgresql":
        pytest.skip("the array form is PostgreSQL's; elsewhere the lookup is IN (…)")
    ids = list(Membership.objects.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as queries:
        list(Membership.objects.filter(pk__in_array=ids))
    (sql,) = [q["sql"] for q in queries.captured_queries]
    assert '"id" = ANY(' in sql and "::bigint[]" in sql and " IN (" not in sql
