"""Issue 12 on a 390 px phone and a desktop, in Chromium, on the demo data: the petition list, the
agency inbox, the meetings list and "my meetings", and the floor table read as stacked cards on
the phone (each row a block no wider than the screen, each cell on its own line) and as tables on
a desktop; the navigation collapses behind its button; the home page shows each role's work.
Screenshots go to $SCREENSHOTS_DIR when set (else the test's temporary folder)."""
import os
from pathlib import Path

import pytest

from delegations.demo import load_demo as load_organisation
from petitions.demo import load_demo as load_petitions
from plans.demo import load_demo as load_plans
from sessions.demo import load_demo as load_meetings
from sessions.models import ContactSession

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 900}


def layout(page, row_selector):
    """How the first row and its cells are laid out: display, width, and whether the cells sit one
    under another."""
    return page.eval_on_selector(row_selector, """row => {
        const cells = [...row.children].filter(c => getComputedStyle(c).display !== 'none');
        // A selection box floated to the card's corner sits beside the code; the others stack.
        const tops = cells.filter(c => getComputedStyle(c).float === 'none').map(c => c.getBoundingClientRect().top);
        return {row: getComputedStyle(row).display, width: row.getBoundingClientRect().width,
                right: row.getBoundingClientRect().right,
                cells: [...new Set(cells.map(c => getComputedStyle(c).display))],
                stacked: tops.every((t, i) => i === 0 || t > tops[i - 1]),
                page: document.documentElement.scrollWidth};
    }""")


@pytest.fixture
def demo(db):
    load_organisation()
    load_plans()
    load_meetings()
    load_petitions()


def test_lists_read_as_stacked_cards_on_a_phone_and_tables_on_a_desktop(live_server, page, login, tmp_path, demo):
    shots = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    session = ContactSession.objects.filter(council__name="HĐND tỉnh Bắc Ninh").order_by("starts_at").first()
    pages = [
        ("vanphong", "home", "/", None),
        ("vanphong", "petition-list", "/petitions/", "[data-testid=petition-row]"),
        ("vanphong", "meetings", "/meetings/", "[data-testid=session-row]"),
        ("vanphong", "floor", f"/petitions/floor/{session.pk}/", "[data-testid=floor-row]"),
        ("totruong", "home-leader", "/", None),
        ("totruong", "my-meetings", "/meetings/?mine=1", "[data-testid=session-row]"),
        ("coquan", "agency-inbox", "/petitions/agency/", "[data-testid=inbox-row]"),
        ("coquan", "home-agency", "/", None),
        ("thuongtruc", "home-standing", "/", None),
        ("daibieu", "home-delegate", "/", None),
    ]
    user = None
    for username, name, path, row in pages:
        if username != user:
            page.set_viewport_size(DESKTOP)
            login(username)
            user = username
        for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            page.set_viewport_size(viewport)
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state()
            page.screenshot(path=str(shots / f"{name}-{size}.png"), full_page=True)
            if row is None:
                continue
            assert page.locator(row).count(), (name, "no rows in the demo data")
            found = layout(page, row)
            if size == "phone":
                # each cell a block (its label in its left margin), never a table cell
                assert found["row"] == "block" and set(found["cells"]) <= {"block", "flow-root"}, (name, found)
                assert found["width"] <= 390 and found["right"] <= 390 and found["stacked"], (name, found)
                assert found["page"] <= 390, (name, found)  # nothing wider than the screen
            else:
                assert found["row"] == "table-row" and found["cells"] == ["table-cell"], (name, found)


def test_the_navigation_collapses_on_a_phone(live_server, page, login, tmp_path, demo):
    shots = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    login("vanphong")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/")
    menu = page.locator("#nav")
    assert not menu.is_visible()
    page.locator(".navbar-toggler").click()
    menu.wait_for(state="visible")
    page.wait_for_timeout(400)  # the collapse animation
    page.screenshot(path=str(shots / "nav-open-phone.png"), full_page=False)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    links = menu.locator(".nav-link")
    boxes = [links.nth(i).bounding_box() for i in range(links.count()) if links.nth(i).is_visible()]
    assert len(boxes) >= 5 and all(box["x"] + box["width"] <= 390 for box in boxes)
    assert all(later["y"] > earlier["y"] for earlier, later in zip(boxes, boxes[1:], strict=False))  # one under another
