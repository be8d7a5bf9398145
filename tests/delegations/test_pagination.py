"""The shared pagination helper: the plain paginator, and the capped one that counts at most a
limit (a province's lists at a million rows) and says "more than …"."""
import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from delegations.models import Council
from delegations.pagination import CappedPaginator, paginate, read_page_in_order, reading_in_order
from tests.factories import CouncilFactory


@pytest.fixture
def councils(db):
    return [CouncilFactory(name=f"HĐND tỉnh số {i:02d}", place_name=f"Tỉnh {i}") for i in range(12)]


def rows():
    return Council.objects.order_by("name")


def test_without_a_limit_the_count_is_exact(councils):
    page_obj, querystring = paginate(RequestFactory().get("/", {"page": "2", "q": "x"}), rows(), 5)
    assert page_obj.paginator.count == 12 and page_obj.paginator.num_pages == 3
    assert not getattr(page_obj.paginator, "count_capped", False)
    assert [c.name for c in page_obj] == [f"HĐND tỉnh số {i:02d}" for i in range(5, 10)]
    assert querystring == "q=x"


def test_under_the_limit_the_capped_count_is_exact(councils):
    paginator = CappedPaginator(rows(), 5, limit=20)
    assert paginator.count == 12 and not paginator.count_capped and paginator.num_pages == 3


def test_over_the_limit_the_count_stops_and_the_pages_end_at_the_limit(councils):
    paginator = CappedPaginator(rows(), 3, limit=7)
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count == 8  # the limit + 1: "more than 7"
    count_sql = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert len(count_sql) == 1 and "LIMIT 8" in count_sql[0].upper()
    assert "ORDER BY" not in count_sql[0].upper()  # any 8 rows will do: no sort of the whole result
    assert paginator.count_capped and paginator.num_pages == 3  # pages up to the limit: 3 + 3 + 1
    last = paginator.get_page(99)
    assert last.number == 3 and [c.name for c in last] == ["HĐND tỉnh số 06"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="planner settings exist on PostgreSQL only")
def test_a_capped_count_reads_from_the_start_of_the_table_every_time(councils):
    """With synchronized scans a count that stops at its limit starts where the last scan of the
    table stopped, and took 3 ms or 400 ms by turns at a million rows: it runs with them off, and
    without parallel workers, for its own statement only."""
    with CaptureQueriesContext(connection) as queries:
        assert CappedPaginator(rows(), 3, limit=7).count == 8
    settings = [q["sql"] for q in queries if "set_config" in q["sql"]]  # set, then (in the test's transaction) put back
    assert "'synchronize_seqscans', 'off'" in settings[0] and "'max_parallel_workers_per_gather', '0'" in settings[0]
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronize_seqscans")
        assert cursor.fetchone()[0] == "on"


def test_a_list_is_capped_too(councils):
    paginator = CappedPaginator(list(rows()), 5, limit=10)
    assert paginator.count == 11 and paginator.count_capped and paginator.num_pages == 2


def test_paginate_passes_the_limit(councils):
    page_obj, _ = paginate(RequestFactory().get("/"), rows(), 5, count_limit=10)
    assert page_obj.paginator.count_capped and page_obj.paginator.limit == 10


def test_the_page_links_say_more_than_when_capped(councils):
    request = RequestFactory().get("/")
    capped, _ = paginate(request, rows(), 5, count_limit=10)
    exact, _ = paginate(request, rows(), 5)
    with translation.override("en"):
        assert "Page 1 of more than 2" in render_to_string("includes/pagination.html", {"page_obj": capped})
        html = render_to_string("includes/pagination.html", {"page_obj": exact})
    assert "Page 1 of 3" in html and "more than" not in html


def test_reading_in_order_gives_the_same_rows_and_ends_with_its_block(councils):
    page_obj, _ = paginate(RequestFactory().get("/", {"page": "2"}), rows(), 5, count_limit=10)
    expected = [c.pk for c in rows()[5:10]]
    read_page_in_order(page_obj)
    assert isinstance(page_obj.object_list, list) and [c.pk for c in page_obj] == expected
    with reading_in_order():
        inside = [c.pk for c in rows()[5:10]]
    assert inside == expected
    if connection.vendor == "postgresql":  # the planner settings last only as long as the block
        with connection.cursor() as cursor:
            cursor.execute("SHOW enable_bitmapscan")
            assert cursor.fetchone()[0] == "on"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="planner settings exist on PostgreSQL only")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("enclosed", [False, True], ids=["own-transaction", "inside-a-transaction"])
def test_planner_settings_last_as_long_as_their_block(enclosed):
    """Outside a transaction the block's own COMMIT ends the settings (one statement sets them);
    inside one they are read first and put back at the end of the block (two more statements)."""
    from django.db import transaction

    from delegations.pagination import planner_settings

    def show():
        with connection.cursor() as cursor:
            cursor.execute("SHOW enable_bitmapscan")
            return cursor.fetchone()[0]

    def block():
        with CaptureQueriesContext(connection) as queries:
            with planner_settings("default", {"enable_bitmapscan": "off"}):
                inside = show()
        return inside, [q["sql"] for q in queries.captured_queries if "enable_bitmapscan" in q["sql"]]

    if enclosed:
        with transaction.atomic():
            inside, statements = block()
            after = show()
    else:
        inside, statements = block()
        after = show()
    assert inside == "off" and after == "on"
    assert len(statements) == (4 if enclosed else 2)  # (read,) set, SHOW inside, (put back)


def counts_run(paginator):
    with CaptureQueriesContext(connection) as queries:
        count = paginator.count
    return count, len([q for q in queries if "COUNT(" in q["sql"].upper()])


def test_a_remembered_more_than_spares_the_next_pages_their_count(councils):
    from django.core.cache import cache

    cache.clear()
    try:
        assert counts_run(CappedPaginator(rows(), 2, limit=6, remember=60, needed=2)) == (7, 1)
        # Page 2 of the same query: "more than 6" proves a page 3, so nothing is counted.
        again = CappedPaginator(rows(), 2, limit=8, remember=60, needed=4)
        assert counts_run(again) == (7, 0) and again.limit == 6 and again.num_pages == 3
        # Page 3 is the last the remembered count proved: it counts again, further.
        assert counts_run(CappedPaginator(rows(), 2, limit=10, remember=60, needed=6)) == (11, 1)
        # Another query (another filter) is its own.
        assert counts_run(CappedPaginator(rows().filter(name__contains="1"), 2, limit=2, remember=60,
                                          needed=2)) == (3, 1)
        # An exact count is never remembered: it is counted every time.
        exact = [counts_run(CappedPaginator(rows().filter(name__contains="0"), 5, limit=50, remember=60, needed=5))
                 for _ in range(2)]
        assert exact == [(11, 1), (11, 1)]
        # Without `remember`, nothing is read from the cache.
        assert counts_run(CappedPaginator(rows(), 2, limit=6, needed=2)) == (7, 1)
    finally:
        cache.clear()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="planner settings exist on PostgreSQL only")
def test_a_page_read_in_order_reads_its_prefetches_after_the_planner_settings(councils):
    """Without sorts (reading_in_order) PostgreSQL would walk whole tables for a page's few related
    rows: the page is read inside the block, its prefetch_related after it, and still used."""
    from tests.factories import TermFactory

    for council in councils:
        TermFactory(council=council, name=f"Khóa {council.pk}")
    page_obj, _ = paginate(RequestFactory().get("/"), rows().prefetch_related("terms"), 5, count_limit=10)
    with CaptureQueriesContext(connection) as queries:
        read_page_in_order(page_obj)
    sql = [q["sql"] for q in queries]
    put_back = max(i for i, s in enumerate(sql) if "set_config" in s)
    terms = [i for i, s in enumerate(sql) if "delegations_term" in s]
    assert len(terms) == 1 and terms[0] > put_back
    assert "'enable_sort', 'off'" in sql[put_back - 2]  # set before the page's read, put back after it
    with CaptureQueriesContext(connection) as more:
        names = [term.name for council in page_obj for term in council.terms.all()]
    assert len(more) == 0 and len(names) == 5
