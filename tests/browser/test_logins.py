"""Issue 10, finding 4 in Chromium, on a desktop and a 390 px phone: a user guesses wrong until the
lockout page says when to try again; the office unlocks them from the user's page; they log in.
Screenshots go to $SCREENSHOTS_DIR when set (else the test's temporary folder)."""
import os
from pathlib import Path

import pytest

from delegations.demo import load_demo
from delegations.models import Membership

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width,height", [(1280, 900), (390, 844)], ids=["desktop", "phone"])
def test_lockout_page_and_the_office_unlock(live_server, page, login, tmp_path, width, height):
    shots = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": width, "height": height})
    load_demo()
    membership = Membership.objects.get(user__username="daibieu")

    page.goto(f"{live_server.url}/accounts/login/")
    for _ in range(5):
        page.fill("input[name=username]", "daibieu")
        page.fill("input[name=password]", "sai-mat-khau")
        page.click("#login-form button[type=submit]")
        page.wait_for_load_state()
        if page.get_by_test_id("lockout").count():
            break
    message = page.get_by_test_id("lockout")
    assert "Hãy thử lại sau 15 phút, từ" in message.inner_text()
    page.screenshot(path=str(shots / f"lockout-{width}.png"), full_page=True)

    # The right password is refused too while the lock lasts.
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "daibieu")
    page.fill("input[name=password]", "demo12345")
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state()
    assert page.get_by_test_id("lockout").count() == 1

    login("vanphong")
    page.goto(f"{live_server.url}/org/membership/{membership.pk}/edit/")
    lock = page.get_by_test_id("login-lock")
    assert "Đang khóa sau 6 lần đăng nhập sai" in lock.inner_text()  # the refused right one counts too
    lock.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / f"unlock-button-{width}.png"), full_page=True)
    page.get_by_test_id("unlock").click()
    page.wait_for_load_state()
    page.screenshot(path=str(shots / f"unlock-confirm-{width}.png"), full_page=True)
    page.get_by_test_id("confirm-unlock").click()
    page.wait_for_load_state()
    assert "Đã mở khóa đăng nhập của daibieu" in page.locator("main").inner_text()
    assert "Không bị khóa" in page.get_by_test_id("login-lock").inner_text()
    page.screenshot(path=str(shots / f"unlocked-{width}.png"), full_page=True)

    login("daibieu")  # waits for the dashboard: the user is in
