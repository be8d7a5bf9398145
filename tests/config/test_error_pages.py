"""Error pages (issue 11, finding 11): 400, 403, 404, 500 and 503 in Vietnamese, in the site's
layout, with a way back home; the 500 and 503 pages render with the database unreachable."""
import re

import pytest
from django.conf import settings
from django.db import OperationalError, connections
from django.test import Client
from django.urls import reverse

from config import urls as site_urls

pytestmark = pytest.mark.urls("tests.config.error_urls")

VIETNAMESE = {
    400: "Yêu cầu không hợp lệ",
    403: "Không có quyền truy cập",
    404: "Không tìm thấy trang",
    500: "Đã xảy ra lỗi",
    503: "Hệ thống tạm thời gián đoạn",
}


@pytest.fixture
def anonymous():
    # Django's test client re-raises a view's exception by default; a browser gets the page.
    return Client(raise_request_exception=False)


@pytest.fixture
def cut_database(monkeypatch):
    """Call it to make every later query fail as when the server is down: connecting raises, and
    so does the cursor of the connection already open (until the test ends)."""

    def refuse(*args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    def cut():
        connection = connections["default"]
        for name in ("cursor", "ensure_connection", "connect"):
            monkeypatch.setitem(connection.__dict__, name, refuse)

    return cut


def assert_error_page(response, status, heading=None):
    assert response.status_code == status
    body = response.content.decode()
    assert (heading or VIETNAMESE[status]) in body
    assert 'lang="vi"' in body
    assert "Về trang chủ" in body
    home = re.escape(reverse("home"))
    assert re.search(rf'href="{home}"[^>]*data-testid="error-home"', body)
    assert "Tiếp xúc cử tri" in body  # the site's brand in the navigation bar
    assert "Server Error" not in body and "Forbidden" not in body and "Not Found" not in body
    # No inline script nor inline event handler (the Content-Security-Policy forbids them).
    assert not re.search(r"<script(?![^>]*\bsrc=)", body)
    assert not re.search(r"\son[a-z]+=", body)
    return body


def test_debug_is_off_for_these_tests():
    assert settings.DEBUG is False


def test_the_site_routes_500_to_the_database_free_view():
    assert site_urls.handler500 == "delegations.views.errors.server_error"


@pytest.mark.django_db
def test_400_page(anonymous):
    body = assert_error_page(anonymous.get("/__fail__/400"), 400)
    assert "Hệ thống không hiểu được yêu cầu này." in body


@pytest.mark.django_db
def test_403_page_in_the_site_layout_with_the_menu(world, anonymous):
    anonymous.force_login(world.users["office"])

    body = assert_error_page(anonymous.get("/__fail__/403"), 403)

    assert "Vai trò của bạn không được xem trang này" in body
    assert reverse("petitions:petition_list") in body  # the user's menu is there
    assert "Đăng xuất" in body


@pytest.mark.django_db
def test_403_page_for_a_real_refusal(world, anonymous):
    """An agency responder asking for the council's plans is refused by the application."""
    anonymous.force_login(world.users["agency"])

    assert_error_page(anonymous.get(reverse("plans:plan_list")), 403)


@pytest.mark.django_db
def test_403_page_gives_the_reason_a_service_gave(anonymous):
    body = assert_error_page(anonymous.get("/__fail__/403-reason"), 403)

    assert "Chỉ Văn phòng ban hành văn bản." in body
    assert "Vai trò của bạn không được xem trang này" not in body


@pytest.mark.django_db
def test_403_for_an_expired_form(world):
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("login"), {"username": "vanphong", "password": "x"})

    body = assert_error_page(response, 403, heading="Biểu mẫu đã hết hạn")
    assert "Hãy tải lại trang rồi gửi lại biểu mẫu." in body


@pytest.mark.django_db
def test_404_page_for_an_unknown_address(anonymous):
    body = assert_error_page(anonymous.get("/khong-co-trang-nay/"), 404)
    assert "Trang này không tồn tại hoặc không thuộc Hội đồng nhân dân của bạn." in body


@pytest.mark.django_db
def test_404_page_when_a_view_raises_it(world, anonymous):
    anonymous.force_login(world.users["delegate"])
    body = assert_error_page(anonymous.get("/__fail__/404"), 404)
    assert "Đăng xuất" in body


@pytest.mark.django_db
def test_500_page(anonymous):
    body = assert_error_page(anonymous.get("/__fail__/500"), 500)
    assert "Lỗi đã được ghi lại" in body
    assert "boom" not in body  # nothing of the error leaks out


@pytest.mark.django_db
def test_500_page_renders_with_the_database_unreachable(anonymous, cut_database):
    cut_database()  # any query the page made would now raise, and the client with it

    response = anonymous.get("/__fail__/500")

    assert_error_page(response, 500)


@pytest.mark.django_db
def test_503_page_when_a_view_finds_the_database_gone(anonymous):
    response = anonymous.get("/__fail__/db")

    body = assert_error_page(response, 503)
    assert response["Retry-After"] == "60"
    assert "Vui lòng thử lại sau ít phút" in body
    assert "server closed the connection" not in body


@pytest.mark.django_db
def test_503_page_for_a_logged_in_user_when_the_database_is_down(world, cut_database):
    """The session and the user cannot be loaded: the page still comes, as 503, without them."""
    client = Client(raise_request_exception=False)
    client.force_login(world.users["office"])
    cut_database()

    response = client.get(reverse("home"))

    body = assert_error_page(response, 503)
    assert "Đăng xuất" not in body  # nothing of the user could be read


@pytest.mark.django_db
def test_503_when_the_database_fails_outside_a_view(anonymous, monkeypatch):
    """An error raised by a middleware (not a view) reaches handler500, which answers 503 too."""
    from django.contrib.sessions.middleware import SessionMiddleware

    def broken(self, request):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(SessionMiddleware, "process_request", broken)

    response = anonymous.get("/__fail__/404")

    assert_error_page(response, 503)
