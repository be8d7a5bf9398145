"""Issue 13, finding 1 in Chromium: the outline page under the strict Content-Security-Policy (no
violation with the vendored Quill editor), text typed with bold and a bulleted list saved sanitised,
a section added and moved; screenshots at desktop width and at 390 px."""
import os
from pathlib import Path

import pytest
from django.core.management import call_command

from plans.models import ContactPlan, PlanStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""
# Where the pictures go for people to look at (OUTLINE_SHOTS), else the test's tmp_path.
SHOTS = os.environ.get("OUTLINE_SHOTS")


def test_outline_editor_types_bold_and_lists_without_csp_violation(live_server, page, login, tmp_path):
    call_command("load_demo")
    plan = ContactPlan.objects.get(council__name="HĐND tỉnh Bắc Ninh", status=PlanStatus.DRAFT, year=2025)
    console = []
    page.on("console", lambda m: console.append(m.text) if m.type in ("error", "warning") else None)
    page.add_init_script(RECORD_VIOLATIONS)
    login("vanphong")
    response = page.goto(f"{live_server.url}/plans/{plan.pk}/outline/")
    assert response.status == 200 and "script-src" in response.headers["content-security-policy"]
    page.wait_for_selector(".ql-toolbar")
    assert page.locator(".ql-toolbar").count() == plan.sections.count() == 12

    # The "Thời gian, địa điểm" section (no text of its own yet): text typed with bold (Ctrl+B) and a
    # bulleted list.
    place = plan.sections.get(title="Thời gian, địa điểm")
    page.locator(f"#s{place.pk} .ql-editor").click()
    page.keyboard.type("Tại nhà văn hóa thôn, ")
    page.keyboard.press("Control+B")
    page.keyboard.type("trước ngày 21/11/2025")
    page.keyboard.press("Control+B")
    page.keyboard.type(".")
    page.keyboard.press("Enter")
    page.locator(f"#s{place.pk} button.ql-list[value=bullet]").click()
    page.keyboard.type("Mục một")
    page.get_by_test_id("outline-save").click()
    page.wait_for_url(f"{live_server.url}/plans/{plan.pk}/outline/")
    assert page.locator(".alert-danger").count() == 0
    place.refresh_from_db()
    assert place.body_html == "<p>Tại nhà văn hóa thôn, <strong>trước ngày 21/11/2025</strong>.</p>" \
                              "<ul><li>Mục một</li></ul>"
    # The text saved comes back into the editor as typed.
    assert page.locator(f"#s{place.pk} .ql-editor strong").inner_text() == "trước ngày 21/11/2025"

    # A section added after "Địa điểm", then moved up.
    page.locator(f"button[value='add-after-{place.pk}']").click()
    page.wait_for_url(f"{live_server.url}/plans/{plan.pk}/outline/#s{place.pk}")
    added = plan.sections.filter(parent=place.parent).order_by("-position").first()
    assert added.title == "" and added.position == 4
    page.locator(f"button[value='up-{added.pk}']").click()
    page.wait_for_url(f"{live_server.url}/plans/{plan.pk}/outline/#s{added.pk}")
    added.refresh_from_db()
    assert added.position == 3

    assert page.evaluate("window.__csp") == []
    assert [text for text in console if "Content Security Policy" in text] == []

    shots = Path(SHOTS) if SHOTS else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    page.goto(f"{live_server.url}/plans/{plan.pk}/outline/")
    page.wait_for_selector(".ql-toolbar")
    page.screenshot(path=str(shots / "outline-desktop.png"), full_page=False)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/plans/{plan.pk}/outline/#s{place.pk}")
    page.wait_for_selector(".ql-toolbar")
    page.screenshot(path=str(shots / "outline-390.png"), full_page=False)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways at 390 px ({width} px wide)"
    assert page.evaluate("window.__csp") == []
