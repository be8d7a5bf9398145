"""Issue 10, finding 11 in Chromium: the main pages under the Content-Security-Policy report no violation,
and what the policy moved out of the templates still works (htmx loads, progress bars get their width)."""
import pytest
from django.core.management import call_command

from petitions.models import Petition
from plans.models import ContactPlan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs before any page script: every violation the browser reports is kept on window.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def watched(page):
    """The page, with the CSP violations and console errors it reports collected per visit."""
    console = []
    page.on("console", lambda message: console.append(message.text) if message.type in ("error", "warning")
            else None)
    page.add_init_script(RECORD_VIOLATIONS)

    def visit(url):
        console.clear()
        response = page.goto(url)
        page.wait_for_load_state("networkidle")  # htmx's hx-trigger="load" requests have come back
        assert response.status == 200, url
        assert "script-src" in response.headers["content-security-policy"]
        return page.evaluate("window.__csp"), [text for text in console if "Content Security Policy" in text]

    return visit


def test_main_pages_report_no_csp_violation(live_server, page, login, watched):
    call_command("load_demo")
    petition = Petition.objects.filter(council__name="HĐND tỉnh Bắc Ninh").order_by("pk").first()
    plan = ContactPlan.objects.filter(council__name="HĐND tỉnh Bắc Ninh").order_by("pk").first()
    pages = ["/", "/petitions/", f"/petitions/{petition.pk}/", "/petitions/dashboard/", "/petitions/new/",
             "/plans/", f"/plans/{plan.pk}/", "/meetings/", "/meetings/calendar/", "/org/membership/",
             "/org/delegate/", "/org/calendar/", "/accounts/password/"]

    login("vanphong")
    for path in pages:
        violations, console = watched(f"{live_server.url}{path}")
        assert (path, violations, console) == (path, [], [])

    # htmx still works: the dashboard's "my meetings" and "my assignments" panels were loaded.
    watched(f"{live_server.url}/")
    assert page.get_by_text("Đang tải…").count() == 0
    # The progress bars take their width from data-percent through static/js/app.js.
    watched(f"{live_server.url}/petitions/dashboard/")
    bars = page.locator(".progress-bar[data-percent]")
    assert bars.count() >= 1
    widths = bars.evaluate_all("bars => bars.map(b => [b.dataset.percent, b.style.width])")
    assert all(width == f"{percent}%" for percent, width in widths), widths

    # Public pages and the admin.
    page.context.clear_cookies()
    for path in ["/accounts/login/", "/meetings/public/", "/petitions/lookup/", "/plans/public/"]:
        violations, console = watched(f"{live_server.url}{path}")
        assert (path, violations, console) == (path, [], [])
    login("admin")
    for path in ["/admin/", "/admin/petitions/petition/", f"/admin/petitions/petition/{petition.pk}/change/",
                 "/admin/axes/accessattempt/"]:
        violations, console = watched(f"{live_server.url}{path}")
        assert (path, violations, console) == (path, [], [])


def test_the_listener_does_catch_a_violation(live_server, page, login, watched):
    """The control: an inline script added to a page is refused and reported, so an empty list above
    means no violation, not a deaf listener."""
    call_command("load_demo")
    login("vanphong")
    watched(f"{live_server.url}/")
    page.evaluate("""() => { const s = document.createElement("script"); s.textContent = "window.ran = 1";
                           document.body.appendChild(s); }""")
    page.wait_for_timeout(200)
    assert page.evaluate("window.ran") is None
    assert any(v.startswith("script-src") and "inline" in v for v in page.evaluate("window.__csp"))
