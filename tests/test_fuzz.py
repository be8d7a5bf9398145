"""No 500 on malformed input (issue 10, finding 8): a property-based fuzz of the whole project.

Every URL pattern of the project (enumerated from the resolver; Django's admin aside) is requested
with GET and POST, as office staff, a group leader and anonymous, with random values — huge and
negative integers, text and unicode (NUL included), dates out of range or impossible, empty values
and lists — in the parameters each view reads. The names are derived, not typed by hand: the fields
of every form of the project (formsets with their prefixes), narrowed for each URL to the forms and
the `request.GET/POST` names its view's source (and the module functions it calls) mentions, with a
share of all names for good measure. Path ids are drawn from the demo data of the right model, or
are random.

Each request runs in a savepoint rolled back afterwards (so one example cannot break the next) with
the test client's raise_request_exception=False; every response of status 500 is collected with the
exception, and the test fails listing them. Each URL pattern gets its own derandomised run of
FUZZ_EXAMPLES_PER_URL examples (environment, default 12: about 1,000 examples over the project's
patterns), so every URL is exercised and a run is the same in CI and on a laptop.
"""
import collections
import datetime
import inspect
import os
import re

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.forms.formsets import BaseFormSet
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

PROJECT_APPS = ("delegations", "plans", "sessions", "petitions", "config")
SKIPPED_NAMESPACES = {"admin"}  # Django's own admin: not the project's code
ROLES = {"office": "vanphong", "group_leader": "totruong", "anonymous": None}
FUZZ_EXAMPLES_PER_URL = int(os.environ.get("FUZZ_EXAMPLES_PER_URL", "12"))


# ------------------------------------------------------------------------- what there is to call

def url_patterns(resolver=None, namespace=None, prefix=""):
    """(name with namespace, route, converters, view) of every project URL pattern."""
    resolver = resolver or get_resolver()
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            space = entry.namespace or namespace
            if space in SKIPPED_NAMESPACES:
                continue
            found += url_patterns(entry, space, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            callback = entry.callback
            callback.fuzz_default_args = entry.default_args  # the org pages' slug
            found.append((name, prefix + str(entry.pattern), dict(entry.pattern.converters), callback))
    return found


def _project_module(cls):
    return cls.__module__.split(".")[0] in PROJECT_APPS


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def project_forms():
    """{class name: [field names]} of every form class of the project (its modules imported)."""
    import delegations.forms  # noqa: F401 - import for the subclasses
    import delegations.params  # noqa: F401
    import petitions.forms  # noqa: F401
    import petitions.views.reports  # noqa: F401
    import plans.forms  # noqa: F401
    import sessions.forms  # noqa: F401

    get_resolver().url_patterns  # noqa: B018 - imports every view module (and the forms they define)
    return {cls.__name__: list(cls.base_fields) for cls in _subclasses(forms.BaseForm)
            if _project_module(cls) and getattr(cls, "base_fields", None) is not None}


def project_formsets():
    """{variable name: (prefixes, field names)} of the project's formset classes."""
    import petitions.forms
    import plans.forms

    found = {}
    for module in (petitions.forms, plans.forms):
        for name, value in vars(module).items():
            if isinstance(value, type) and issubclass(value, BaseFormSet):
                prefixes = {value.get_default_prefix(), "rows"}
                found[name] = (prefixes, list(value.form.base_fields))
    return found


def formset_names(prefixes, fields):
    names = []
    for prefix in prefixes:
        names += [f"{prefix}-TOTAL_FORMS", f"{prefix}-INITIAL_FORMS", f"{prefix}-MIN_NUM_FORMS",
                  f"{prefix}-MAX_NUM_FORMS"]
        names += [f"{prefix}-{index}-{field}" for index in (0, 1) for field in [*fields, "id", "DELETE"]]
    return names


READ = re.compile(r"""(?:GET|POST|params|query|data)(?:\.get|\.getlist|\[)\(?\s*["']([\w-]+)["']""")


def view_source(view, depth=2):
    """The source of a view and of the project functions it calls by name, `depth` levels down."""
    target = getattr(view, "view_class", None) or inspect.unwrap(view)
    try:
        source = inspect.getsource(target)
    except (OSError, TypeError):
        return ""
    module = inspect.getmodule(target)
    extra = []
    for word in set(re.findall(r"\b(_?[a-z][\w.]+)\(", source)) if depth else ():
        helper = module
        for part in word.split("."):  # "filtered_petitions(" or "staff.filtered_petitions("
            helper = getattr(helper, part, None)
        if inspect.isfunction(helper) and helper.__module__.split(".")[0] in PROJECT_APPS:
            extra.append(view_source(helper, depth - 1))
    return "\n".join([source, *extra])


def parameter_names(view, all_forms, all_formsets):
    """Names the view reads: fields of the forms its source names, formsets' fields with their
    prefixes, and literal request.GET/POST names."""
    source = view_source(view)
    names = set(READ.findall(source))
    # The organisation pages are one class view configured per page: its form and filters.
    page = (getattr(view, "view_initkwargs", {}).get("pages") or {}).get(
        getattr(view, "fuzz_default_args", {}).get("slug"))
    if page is not None:
        names.update(page.form_class.base_fields)
        names.update(page.filters)
    for form_name, fields in all_forms.items():
        if re.search(rf"\b{form_name}\b", source):
            names.update(fields)
    for formset_name, (prefixes, fields) in all_formsets.items():
        if re.search(rf"\b{formset_name}\b", source):
            prefixes = prefixes | set(re.findall(r'prefix="([\w-]+)"', source))
            names.update(formset_names(prefixes, fields))
    return sorted(names)


# -------------------------------------------------------------------------------- the data

@pytest.fixture
def demo(db):
    """The demo data (a province, its communes, plans, meetings, petitions in every state)."""
    from delegations.demo import load_demo as load_organisation
    from petitions.demo import load_demo as load_petitions
    from plans.demo import load_demo as load_plans
    from sessions.demo import load_demo as load_meetings

    load_organisation()
    load_plans()
    load_meetings()
    load_petitions()


def planted_ids():
    """Ids of demo rows by the URL prefix whose <pk> they fill; the fallback pool is every id."""
    from delegations.models import Council, Notification
    from petitions.models import Answer, ExtensionRequest, Forwarding, Petition, Report
    from plans.models import Assignment, ContactPlan
    from sessions.models import ContactSession

    def ids(model):
        return [str(pk) for pk in model.objects.order_by("pk").values_list("pk", flat=True)[:20]]

    table = [("petitions/forwardings/", ids(Forwarding)), ("petitions/extensions/", ids(ExtensionRequest)),
             ("petitions/answers/", ids(Answer)), ("petitions/reports/", ids(Report)),
             ("petitions/floor/", ids(ContactSession)), ("petitions/", ids(Petition)),
             ("meetings/public/", ids(Council)), ("meetings/", ids(ContactSession)),
             ("plans/assignments/", ids(Assignment)), ("plans/", ids(ContactPlan)),
             ("org/inbox/", ids(Notification))]
    pool = sorted({pk for _prefix, values in table for pk in values})
    return table, pool


def slug_words():
    from petitions.models import Report
    from plans.services import TRANSITIONS

    return sorted({*TRANSITIONS, *Report.FILE_FORMATS, "pdf", "docx", "signed", "xlsx", "ics"})


# ------------------------------------------------------------------------------ the values

BAD_NUMBERS = ["99999999999999999999", str(2**63), str(2**63 - 1), str(2**31), "-1", "-99999999999999999999", "0",
               "1e9", "1.5", "NaN", "Infinity", "0x10", "9" * 5000, " 1 ", "１２", "²", "٣"]
BAD_DATES = ["9999-12-31", "0001-01-01", "1900-01-01", "1999-12-31", "2026-02-30", "31/12/9999", "30/02/2026",
             "10000-01-01", "2026-13-01", "2026-11-30T25:61", "9999-12-31T23:59", "0000-00-00", "2026-11-30"]
WORDS = ["on", "1", "true", "province", "commune", "central", "resolved", "in_progress", "explained", "grant",
         "refuse", "classify", "forward", "merge", "week", "month", "letter", "meeting", "held", "postponed",
         "cancelled", "received", "classified", "forwarded", "answered", "closed", "pdf", "results"]


def value_strategy(pool):
    scalar = st.one_of(
        st.sampled_from(BAD_NUMBERS),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.sampled_from(pool or ["1"]),
        st.text(max_size=40),
        st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=12),
        st.sampled_from(BAD_DATES),
        st.dates(min_value=datetime.date(1, 1, 1)).map(lambda d: d.isoformat()),
        st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M")),
        st.just(""),
        st.sampled_from(WORDS),
        st.sampled_from(["abc", "\x00", "1\x00", "<script>", "' OR 1=1 --", "ĐƯỜNG", "%", "_", "\\"]),
    )
    return st.one_of(scalar, st.lists(scalar, min_size=0, max_size=3))


def file_strategy():
    """A small upload: random bytes, or random bytes behind a PDF, PNG or xlsx (zip) signature."""
    body = st.one_of(st.binary(max_size=200),
                     st.tuples(st.sampled_from([b"%PDF-1.4\n", b"\x89PNG\r\n\x1a\n", b"PK\x03\x04"]),
                               st.binary(max_size=200)).map(lambda parts: parts[0] + parts[1]))
    return st.builds(SimpleUploadedFile, st.sampled_from(["a.pdf", "a.xlsx", "a.png", "a.html", "x", "ả.jpeg"]), body)


FILE_NAMES = {"file", "attachment", "signed", "scan"}


# ------------------------------------------------------------------------------- the request

class Caller:
    """Sends one request as a role, inside a savepoint rolled back afterwards; collects 500s."""

    def __init__(self):
        self.users = {role: (get_user_model().objects.get(username=name) if name else None)
                      for role, name in ROLES.items()}
        self.requests = 0
        self.failures = []
        self.statuses = collections.Counter()

    def call(self, role, method, url, data):
        client = Client(raise_request_exception=False)
        sid = transaction.savepoint()
        try:
            if self.users[role] is not None:
                client.force_login(self.users[role])
            response = client.get(url, data) if method == "get" else client.post(url, data)
        finally:
            transaction.savepoint_rollback(sid)
        self.requests += 1
        self.statuses[response.status_code] += 1
        if response.status_code >= 500:
            exc = getattr(response, "exc_info", None)
            self.failures.append((role, method.upper(), url, {k: (repr(v)[:80]) for k, v in data.items()},
                                  repr(exc[1])[:300] if exc else f"status {response.status_code}"))
        return response


def report(caller):
    lines = [f"{len(caller.failures)} server errors in {caller.requests} requests:"]
    for failure in caller.failures[:25]:
        lines.append("  " + " | ".join(str(part) for part in failure))
    return "\n".join(lines)


def build_url(name, converters, kwargs_values):
    return reverse(name, kwargs={key: kwargs_values[key] for key in converters})


def fill_path(draw, route, converters, table, pool, words):
    values = {}
    for key, converter in converters.items():
        if converter.__class__.__name__ == "IntConverter":
            ids = next((values for prefix, values in table if route.startswith(prefix)), pool) or pool or ["1"]
            values[key] = draw(st.one_of(st.sampled_from(ids), st.sampled_from(ids),
                                         st.integers(min_value=0, max_value=10**25).map(str)))
        else:
            values[key] = draw(st.one_of(st.sampled_from(words),
                                         st.from_regex(r"\A[-a-zA-Z0-9_]{1,12}\Z")))
    return values


# ---------------------------------------------------------------------------------- the tests

def test_the_fuzz_knows_the_project_urls_and_their_parameters():
    """The enumeration finds the URLs and forms the fuzz relies on (a broken derivation would make
    the fuzz below pass by testing nothing)."""
    patterns = {name: (route, view) for name, route, _conv, view in url_patterns()}
    assert len(patterns) > 60 and not any(name.startswith("admin:") for name in patterns)
    all_forms, all_formsets = project_forms(), project_formsets()
    assert {"PetitionForm", "AnswerForm", "SessionForm", "IssueForm", "PetitionFilterQuery"} <= set(all_forms)
    names = {name: parameter_names(view, all_forms, all_formsets) for name, (_route, view) in patterns.items()}
    assert {"council"} <= set(names["contact_sessions:public_schedule"])
    assert {"council", "round", "text"} <= set(names["petitions:similar"])
    assert "rows" in names["petitions:floor"] and "rows-0-text" in names["petitions:floor"]
    assert {"group", "round"} <= set(names["petitions:submit"])
    assert {"date", "council"} <= set(names["contact_sessions:calendar"])
    assert {"promised_on", "outcome"} <= set(names["petitions:agency_answer"])
    assert {"status", "round", "q"} <= set(names["petitions:petition_list"])
    assert {"status", "round", "q"} <= set(names["petitions:export"])


def fuzz_state():
    all_forms, all_formsets = project_forms(), project_formsets()
    patterns = url_patterns()
    names = {name: parameter_names(view, all_forms, all_formsets) for name, _r, _c, view in patterns}
    posts_only = {name for name, _r, _c, view in patterns if "@require_POST" in view_source(view, depth=0)}
    everything = sorted({n for values in names.values() for n in values}
                        | {f for fields in all_forms.values() for f in fields})
    table, pool = planted_ids()
    return {"patterns": patterns, "names": names, "posts_only": posts_only, "all_names": everything,
            "table": table, "pool": pool, "words": slug_words(), "caller": Caller(), "examples": 0}


def fuzz_one_url(state, pattern, values):
    """FUZZ_EXAMPLES_PER_URL random requests to one URL pattern."""
    name, route, converters, _view = pattern
    own, everything = state["names"][name] or state["all_names"], state["all_names"]
    methods = ["post"] if name in state["posts_only"] else ["get", "post", "get"]
    # Mostly signed-in roles: an anonymous request mostly stops at the login redirect.
    roles = ["office", "office", "group_leader", "group_leader", "anonymous"]

    @settings(max_examples=FUZZ_EXAMPLES_PER_URL, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
    @given(data=st.data())
    def one_request(data):
        role = data.draw(st.sampled_from(roles), label="role")
        method = data.draw(st.sampled_from(methods), label="method")
        path = fill_path(data.draw, route, converters, state["table"], state["pool"], state["words"])
        keys = data.draw(st.lists(st.one_of(st.sampled_from(own), st.sampled_from(own), st.sampled_from(everything)),
                                  min_size=1, max_size=8, unique=True), label="keys")
        params = {key: data.draw(file_strategy() if method == "post" and key in FILE_NAMES else values)
                  for key in keys}
        state["caller"].call(role, method, build_url(name, converters, path), params)
        state["examples"] += 1

    one_request()


def test_random_values_on_every_url_and_parameter_give_no_server_error(demo):
    """Every URL pattern gets FUZZ_EXAMPLES_PER_URL random requests (its own derandomised run)."""
    state = fuzz_state()
    values = value_strategy(state["pool"])
    for pattern in state["patterns"]:
        fuzz_one_url(state, pattern, values)
    caller = state["caller"]
    print(f"\nfuzz: {state['examples']} examples over {len(state['patterns'])} URL patterns, {caller.requests} "
          f"requests, {len(caller.failures)} server errors; statuses {dict(sorted(caller.statuses.items()))}")
    assert state["examples"] >= 300
    assert not caller.failures, report(caller)


def test_every_url_with_hostile_values_in_every_parameter(demo):
    """A fixed sweep beside the random one: every URL, as each role, GET and POST, with each of its
    parameters set to the same hostile value (the issue's known cases among them)."""
    caller = Caller()
    all_forms, all_formsets = project_forms(), project_formsets()
    table, pool = planted_ids()
    for name, route, converters, view in url_patterns():
        names = parameter_names(view, all_forms, all_formsets)
        path = {}
        for key, converter in converters.items():
            ids = next((values for prefix, values in table if route.startswith(prefix)), pool) or ["1"]
            path[key] = ids[0] if converter.__class__.__name__ == "IntConverter" else "pdf"
        url = build_url(name, converters, path)
        cycled = ["abc", "9999-12-31", "-1", "\x00", "", "1e9", "²"]
        for values in ({key: "99999999999999999999" for key in names},
                       {key: cycled[index % len(cycled)] for index, key in enumerate(names)}):
            for role in ROLES:
                for method in ("get", "post"):
                    caller.call(role, method, url, values)
    assert caller.requests > 60 * 2 * 3 * 2
    assert not caller.failures, report(caller)


KNOWN_CASES = [  # the cases, and neighbours of theirs
    ("get", "/meetings/public/?council=99999999999999999999", {}),
    ("get", "/petitions/similar/?council=abc", {}),
    ("get", "/petitions/floor/{session}/?rows=abc", {}),
    ("get", "/petitions/floor/{session}/?rows=99999999999999999999", {}),
    ("get", "/meetings/calendar/?date=9999-12-31", {}),
    ("post", "/petitions/submit/", {"group": "abc"}),
    ("post", "/petitions/submit/", {"group": "99999999999999999999", "round": "-1"}),
    ("get", "/petitions/?round=99999999999999999999&q=%00", {}),
    ("get", "/petitions/99999999999999999999/", {}),
    ("get", "/plans/new/?sitting=abc", {}),
    ("get", "/plans/?year=99999999999999999999&q=%00", {}),
    ("get", "/org/calendar/?council=99999999999999999999", {}),
    ("post", "/plans/assignments/{assignment}/toggle/", {"next": "5678-07-25T03:03"}),  # found by the fuzz
    ("get", "/petitions/dashboard/?council=²&round=" + "9" * 5000, {}),  # "²".isdigit() is True
]


def test_the_known_malformed_requests_give_no_server_error(demo):
    from plans.models import Assignment
    from sessions.models import ContactSession

    caller = Caller()
    session = ContactSession.objects.filter(group__name="Tổ đại biểu số 1").order_by("pk").first()
    assignment = Assignment.objects.filter(plan__council=session.council).order_by("pk").first()
    statuses = set()
    for method, url, data in KNOWN_CASES:
        for role in ROLES:
            path = url.format(session=session.pk, assignment=assignment.pk)
            statuses.add(caller.call(role, method, path, data).status_code)
    assert not caller.failures, report(caller)
    assert statuses <= {200, 302, 400, 403, 404, 405}
