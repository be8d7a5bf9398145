import pytest

from delegations.demo import load_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_office_dashboard_delegates_and_language_switch(live_server, page, login, tmp_path):
    load_demo()
    login("vanphong")

    # The dashboard, in Vietnamese by default, shows the user's council and role.
    assert page.locator("html").get_attribute("lang") == "vi"
    membership = page.get_by_test_id("membership").first.inner_text()
    assert "HĐND tỉnh Bắc Ninh" in membership
    assert "Văn phòng" in membership or "văn phòng" in membership
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)

    # The delegate list, searched without diacritics.
    page.goto(f"{live_server.url}/org/delegate/?q=anh+tuan")
    rows = page.locator("table tbody tr")
    assert rows.count() == 1
    assert "Nguyễn Anh Tuấn" in rows.first.inner_text()
    page.goto(f"{live_server.url}/org/delegate/")
    assert page.locator("table tbody tr").count() >= 12
    assert page.get_by_role("heading", level=1).inner_text() == "Đại biểu"

    # Switch to English and back; the choice survives navigation.
    page.get_by_test_id("lang-switch").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Delegates"
    page.goto(f"{live_server.url}/")
    assert "Office staff" in page.get_by_test_id("membership").first.inner_text()
    assert page.get_by_role("link", name="Dashboard", exact=True).count() == 1
    page.get_by_test_id("lang-switch").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.get_by_role("link", name="Trang chủ").count() == 1


def test_working_day_calculator_in_the_browser(live_server, page, login):
    load_demo()
    login("vanphong")
    page.goto(f"{live_server.url}/org/calendar/?year=2026")
    page.fill("input[name=start]", "2026-02-13")
    page.fill("input[name=days]", "3")
    page.get_by_role("button", name="Tính").click()
    result = page.get_by_test_id("calc-result").inner_text()
    assert "25/02/2026" in result
    assert "17/02/2026" in result  # a Tết day shown among those skipped
