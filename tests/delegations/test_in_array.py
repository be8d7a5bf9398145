"""`<id field>__in_array=ids` (delegations.deadlines.InArray): the same rows as `__in`, sent on
PostgreSQL as `= ANY(one array parameter)`, on primary keys and on foreign keys alike."""
import pytest
from django.contrib.auth import get_user_model
from django.db import connection, models
from django.test.utils import CaptureQueriesContext, isolate_apps

from delegations.models import Council, Membership

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


def pks(queryset):
    return sorted(queryset.values_list("pk", flat=True))


def test_none_and_ids_beyond_bigint_are_left_out_as_in_leaves_them(world):
    first = Membership.objects.order_by("pk").first().pk
    cases = [[first, None], [None]]
    if connection.vendor == "postgresql":  # SQLite's driver refuses such an int for `__in` itself
        cases.append([first, 2**63, -(2**63) - 1])
    for wanted in cases:
        assert pks(Membership.objects.filter(pk__in_array=wanted)) == pks(Membership.objects.filter(pk__in=wanted))
        assert pks(Membership.objects.exclude(pk__in_array=wanted)) == pks(Membership.objects.exclude(pk__in=wanted))
    assert pks(Membership.objects.filter(council__in_array=[world.council.pk, None])) == pks(
        Membership.objects.filter(council__in=[world.council.pk, None])) != []


def test_a_foreign_key_takes_model_instances_as_in_does(world):
    councils = [world.council, world.other_council]
    assert pks(Membership.objects.filter(council__in_array=councils)) == pks(
        Membership.objects.filter(council__in=councils)) != []


def test_a_subquery_is_compared_as_in_compares_it(world):
    mine = Membership.objects.filter(council=world.council).values("pk")
    assert pks(Membership.objects.filter(pk__in_array=mine)) == pks(Membership.objects.filter(pk__in=mine)) != []
    councils = Council.objects.filter(pk=world.council.pk)
    assert pks(Membership.objects.filter(council__in_array=councils)) == pks(
        Membership.objects.filter(council__in=councils)) != []


@isolate_apps("delegations")
def test_a_foreign_key_to_a_key_that_is_not_an_integer_is_compiled_as_in():
    class Note(models.Model):
        author = models.ForeignKey(get_user_model(), to_field="username", on_delete=models.CASCADE)

        class Meta:
            app_label = "delegations"

        def __str__(self):
            return self.author_id

    sql, params = Note.objects.filter(author__in_array=["vanphong", "xa"]).query.sql_with_params()
    assert " IN (" in sql and "ANY(" not in sql and params == ("vanphong", "xa")


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
