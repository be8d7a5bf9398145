import hashlib
import math
from contextlib import contextmanager

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connections, transaction
from django.db.models import prefetch_related_objects
from django.utils.functional import cached_property

from .params import parse_id

# A read that stops after a page, or at a count's limit, gains nothing from parallel workers but
# their start-up, which costs more than the read on a web server's few cores. Nor should its
# sequential scan start where the previous scan of the table stopped (PostgreSQL's synchronized
# scans): a count that stops after 251 matches then walks on through the table request after
# request, and takes 3 ms or 400 ms depending on which part of the table it starts in.
NO_PARALLEL = {"max_parallel_workers_per_gather": "0", "synchronize_seqscans": "off"}
# ... and, to walk an index in the list's order, no bitmap scan and no sort either (see
# reading_in_order): a sort would read every row of the council before the first of the page.
IN_ORDER = {"enable_bitmapscan": "off", "enable_sort": "off", **NO_PARALLEL}


@contextmanager
def planner_settings(using, settings):
    """PostgreSQL planner settings for the queries of the block only (elsewhere: nothing). Local to a
    transaction: outside one, the block's own transaction ends them at its COMMIT (two statements
    around the block's queries: BEGIN and one SELECT set_config …; then COMMIT); inside an enclosing
    one, they are read first and put back at the end of the block for the rest of it. A rollback
    puts them back by itself."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    names = list(settings)
    nested = connection.in_atomic_block
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            if nested:
                cursor.execute("SELECT " + ", ".join(["current_setting(%s)"] * len(names)), names)
                before = cursor.fetchone()
            cursor.execute("SELECT " + ", ".join(["set_config(%s, %s, true)"] * len(names)),
                           [value for name in names for value in (name, settings[name])])
        yield
        if nested:
            with connection.cursor() as cursor:
                cursor.execute("SELECT " + ", ".join(["set_config(%s, %s, true)"] * len(names)),
                               [value for pair in zip(names, before, strict=True) for value in pair])


class CappedPaginator(Paginator):
    """A paginator that counts at most `limit` + 1 rows: past the limit the list says "more than
    <limit>" and offers the pages up to it, instead of counting a province's million rows on every
    page. The database stops reading at the limit (SELECT COUNT(*) FROM (… LIMIT n)), so the count
    costs about the same whether the filter matches two thousand rows or two hundred thousand.

    With `remember` (seconds), a count that found more rows than the limit is remembered that long
    for the same query (its SQL and parameters, without the limit): a later page that it proved to
    have a page after it — the next pages of a search, the same search by a colleague — says "more
    than <that limit>" without counting again (`needed`: the rows up to the end of the requested
    page; at the last page it proved, the count runs again to find the pages past it). Only
    "more than" is remembered, never an exact count, so what may be stale for those seconds is a
    figure the page already gives as approximate."""

    def __init__(self, object_list, per_page, *, limit, remember=0, needed=0, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.limit = limit
        self.remember = remember
        self.needed = needed

    @cached_property
    def count(self):
        rows = self.object_list
        if not (hasattr(rows, "query") and hasattr(rows, "order_by")):
            return min(len(rows), self.limit + 1)
        # Any `limit` + 1 rows will do: no ordering, so that no sort waits on the whole result.
        rows = rows.order_by()
        key = capped_count_key(rows) if self.remember else None
        known = cache.get(key) if key else None  # a limit this query was found to exceed
        if known and known >= self.needed + self.per_page:
            self.limit = known
            return known + 1
        with planner_settings(rows.db, NO_PARALLEL):
            count = rows[: self.limit + 1].count()
        if key and count > self.limit:
            cache.set(key, max(self.limit, known or 0), self.remember)
        return count

    @property
    def count_capped(self):
        """True when there are more rows than the limit (the count then shows limit + 1)."""
        return self.count > self.limit

    @cached_property
    def num_pages(self):
        if self.count_capped:
            return math.ceil(self.limit / self.per_page)
        return super().num_pages

    def page(self, number):
        if not self.count_capped:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(self.object_list[bottom:min(bottom + self.per_page, self.limit)], number, self)


def requested_page(request):
    """The page number the URL asks for (?page=), 1 when absent or not a number."""
    return parse_id(request.GET.get("page")) or 1


def capped_count_key(rows):
    """The cache key of a capped count: the unsliced query's database, SQL and parameters, hashed."""
    sql, params = rows.query.sql_with_params()
    return "capped-count:" + hashlib.sha256(repr((rows.db, sql, params)).encode()).hexdigest()


def paginate(request, rows, per_page, *, count_limit=None, remember=0):
    """The requested page of `rows`, and the request's other parameters (filters, search) to keep
    in the page links. With `count_limit`, at most that many rows are counted and paged through
    (see CappedPaginator, and its `remember`); the template shows "more than …" when
    `paginator.count_capped`."""
    if count_limit:
        needed = per_page * requested_page(request)
        paginator = CappedPaginator(rows, per_page, limit=count_limit, remember=remember, needed=needed)
    else:
        paginator = Paginator(rows, per_page)
    page_obj = paginator.get_page(request.GET.get("page"))
    querystring = request.GET.copy()
    querystring.pop("page", None)
    return page_obj, querystring.urlencode()


def reading_in_order(using="default"):
    """Inside the block PostgreSQL reads rows along btree indexes in the order asked for: no bitmap
    scans, no sorts (where an index gives the order), no parallel workers. For a search whose words are common ("duong giao thong") PostgreSQL multiplies the
    words' frequencies, expects a few hundred matches where there are fifty thousand, and fetches
    them all through the trigram index to sort or count them; reading along the list's order (or one
    council's rows) stops after a page. Use it only where that read is bounded: for a rare word in a
    large table the trigram index is the right way."""
    return planner_settings(using, IN_ORDER)


def read_page_in_order(page_obj):
    """Read the page's rows now, inside reading_in_order(): when a capped count has found more
    matches than its limit, the newest rows hold a page of them within a few hundred. The rows'
    prefetches (prefetch_related) are read after the block, with the planner's usual settings:
    without sorts they would walk whole tables to return a page's few related rows."""
    rows = page_obj.object_list
    lookups = getattr(rows, "_prefetch_related_lookups", ())
    with reading_in_order(getattr(rows, "db", "default")):
        found = list(rows.prefetch_related(None) if lookups else rows)
    prefetch_related_objects(found, *lookups)
    page_obj.object_list = found
    return page_obj
