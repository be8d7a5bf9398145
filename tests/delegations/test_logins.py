"""Login throttling (issue 10, finding 4): django-axes on the site login and the admin login, per account
and per address, the Vietnamese lockout page, and the office's unlock of its council's users."""
import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY, get_user_model
from django.urls import reverse

from delegations.models import Notification, Role
from delegations.security import client_address, login_lock
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
MORNING = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=HANOI)


def login_post(client, username, password, address="10.1.1.1", path="/accounts/login/"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def logged_in(client):
    return SESSION_KEY in client.session


def fail(client, username, times, address="10.1.1.1", path="/accounts/login/"):
    for _ in range(times):
        login_post(client, username, "sai-mat-khau", address, path)
        client.cookies.clear()  # an attacker does not keep cookies either


# --------------------------------------------------------------------------- lockout on the site login

def test_25_wrong_passwords_then_the_right_one_is_refused(client, world):
    fail(client, "daibieu", 25)
    response = login_post(client, "daibieu", "demo12345")
    assert response.status_code == 429
    assert not logged_in(client)
    assert "Tạm khóa đăng nhập" in response.content.decode()


def test_a_few_typos_then_the_right_password_log_in(client, world):
    fail(client, "daibieu", 4)
    response = login_post(client, "daibieu", "demo12345")
    assert response.status_code == 302
    assert logged_in(client)


def test_the_lockout_page_says_in_vietnamese_when_to_try_again(client, world):
    with time_machine.travel(MORNING, tick=False):
        fail(client, "daibieu", 5)
        response = login_post(client, "daibieu", "demo12345")
    page = response.content.decode()
    assert response.status_code == 429
    assert "Hãy thử lại sau 15 phút, từ 09:15 ngày 02/03/2026." in page
    assert 'href="/accounts/login/"' in page


def test_the_lock_ends_after_the_cool_off_and_each_try_starts_it_again(client, world):
    with time_machine.travel(MORNING, tick=False) as clock:
        fail(client, "daibieu", 5)
        clock.shift(datetime.timedelta(minutes=10))
        assert login_post(client, "daibieu", "demo12345").status_code == 429  # restarts the 15 minutes
        clock.shift(datetime.timedelta(minutes=14))
        assert login_post(client, "daibieu", "demo12345").status_code == 429
        clock.shift(datetime.timedelta(minutes=16))
        response = login_post(client, "daibieu", "demo12345")
        assert response.status_code == 302
        assert logged_in(client)  # inside the travel: the session lasts an hour from then


def test_one_account_guessed_from_many_addresses_locks(client, world):
    for n in range(6):
        fail(client, "daibieu", 1, address=f"10.2.0.{n}")
    response = login_post(client, "daibieu", "demo12345", address="10.9.9.9")
    assert response.status_code == 429
    assert not logged_in(client)


def test_many_accounts_guessed_from_one_address_lock_that_address(client, world, settings):
    assert settings.LOGIN_ADDRESS_FAILURE_LIMIT == 20
    for n in range(20):
        fail(client, f"khong-co-{n}", 1, address="10.3.3.3")
    refused = login_post(client, "daibieu", "demo12345", address="10.3.3.3")
    assert refused.status_code == 429
    assert not logged_in(client)
    # The account itself is not locked: from another address it logs in.
    assert login_post(client, "daibieu", "demo12345", address="10.4.4.4").status_code == 302


def test_colleagues_behind_one_address_are_not_locked_by_a_few_typos_each(client, world):
    for username in ("vanphong", "thuongtruc", "totruong"):
        fail(client, username, 4, address="10.5.5.5")
    assert login_post(client, "daibieu", "demo12345", address="10.5.5.5").status_code == 302


def test_limits_come_from_the_settings(client, world, settings):
    settings.AXES_FAILURE_LIMIT = 2
    fail(client, "daibieu", 2)
    assert login_post(client, "daibieu", "demo12345").status_code == 429


def test_a_forged_forwarded_for_does_not_dodge_the_address_limit(rf, settings):
    request = rf.post("/accounts/login/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert client_address(request) == "203.0.113.9"
    # Behind one proxy, the address it appended counts, not what the client wrote before it.
    settings.LOGIN_TRUSTED_PROXIES = 1
    request = rf.post("/accounts/login/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    assert client_address(request) == "203.0.113.9"
    request = rf.post("/accounts/login/", REMOTE_ADDR="10.0.0.2")
    assert client_address(request) == "10.0.0.2"


def test_force_login_still_works_beside_the_axes_backend(client, world):
    fail(client, "daibieu", 25)
    client.force_login(world.users["delegate"])
    assert client.get(reverse("home")).status_code == 200


# --------------------------------------------------------------------------- lockout on the admin login

@pytest.fixture
def admin_user(db):
    return get_user_model().objects.create_superuser("quantri", "quantri@example.vn", "Quan-tri-2026!")


def test_admin_login_25_wrong_passwords_then_the_right_one_is_refused(client, admin_user):
    fail(client, "quantri", 25, path="/admin/login/")
    response = login_post(client, "quantri", "Quan-tri-2026!", path="/admin/login/")
    assert response.status_code == 429
    assert not logged_in(client)
    assert "Tạm khóa đăng nhập" in response.content.decode()


def test_admin_login_works_below_the_limit(client, admin_user):
    fail(client, "quantri", 3, path="/admin/login/")
    response = login_post(client, "quantri", "Quan-tri-2026!", path="/admin/login/")
    assert response.status_code == 302
    assert logged_in(client)


def test_the_site_and_admin_logins_share_one_count(client, admin_user):
    fail(client, "quantri", 3, path="/admin/login/")
    fail(client, "quantri", 2, path="/accounts/login/")
    assert login_post(client, "quantri", "Quan-tri-2026!", path="/admin/login/").status_code == 429


def test_superusers_unlock_in_the_admin(client, admin_user, world):
    fail(client, "daibieu", 5)
    client.force_login(admin_user)
    listing = client.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    assert "daibieu" in listing.content.decode()
    attempt = AccessAttempt.objects.get(username="daibieu")
    client.post("/admin/axes/accessattempt/", {"action": "delete_selected", "_selected_action": [attempt.pk],
                                               "post": "yes"})
    client.logout()
    assert login_post(client, "daibieu", "demo12345").status_code == 302


# --------------------------------------------------------------------------- the office unlocks

def unlock_url(membership):
    return reverse("delegations:membership_unlock", args=[membership.pk])


def membership_of(user):
    return user.memberships.get()


def test_office_unlocks_a_locked_user_of_its_council(client, world):
    delegate = world.users["delegate"]
    with time_machine.travel(MORNING, tick=False):
        fail(client, "daibieu", 7)
        assert login_lock("daibieu")["locked"]

        client.force_login(world.users["office"])
        edit = client.get(reverse("delegations:membership_update", args=[membership_of(delegate).pk]))
        page = edit.content.decode()
        assert "Đang khóa sau 7 lần đăng nhập sai, đến 09:15 02/03/2026." in page
        assert unlock_url(membership_of(delegate)) in page

        confirm = client.get(unlock_url(membership_of(delegate)))
        assert confirm.status_code == 200
        assert "Đồng ý mở khóa" in confirm.content.decode()

        done = client.post(unlock_url(membership_of(delegate)), follow=True)
        assert done.redirect_chain[-1][0] == reverse("delegations:membership_update",
                                                     args=[membership_of(delegate).pk])
        assert "Đã mở khóa đăng nhập của daibieu" in done.content.decode()
        assert not login_lock("daibieu")["failures"]
        assert Notification.objects.filter(recipient=delegate, subject="Đăng nhập của bạn đã được mở khóa").exists()

        client.logout()
        assert login_post(client, "daibieu", "demo12345").status_code == 302
        assert logged_in(client)


def test_the_user_page_shows_no_button_when_nothing_is_recorded(client, world):
    client.force_login(world.users["office"])
    edit = client.get(reverse("delegations:membership_update", args=[membership_of(world.users["delegate"]).pk]))
    page = edit.content.decode()
    assert "Không bị khóa: không có lần đăng nhập sai nào gần đây." in page
    assert unlock_url(membership_of(world.users["delegate"])) not in page


@pytest.mark.parametrize("role,status", [
    ("standing", 403), ("group_leader", 403), ("delegate", 403),
    ("agency", 403), ("other_council", 404), ("commune_office", 404),
])
def test_other_roles_and_councils_may_not_unlock(client, world, role, status):
    target = membership_of(world.users["delegate"])
    fail(client, "daibieu", 5)
    client.force_login(world.users[role])
    assert client.get(unlock_url(target)).status_code == status
    assert client.post(unlock_url(target)).status_code == status
    assert login_lock("daibieu")["locked"]


def test_anonymous_is_sent_to_the_login_page(client, world):
    target = membership_of(world.users["delegate"])
    fail(client, "daibieu", 5)
    response = client.post(unlock_url(target))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert login_lock("daibieu")["locked"]


def test_the_province_office_may_not_unlock_a_commune_user(client, world):
    commune_user = MembershipFactory(user=UserFactory(username="canbo-xa"), council=world.commune_council,
                                     role=Role.DELEGATE)
    fail(client, "canbo-xa", 5)
    client.force_login(world.users["office"])
    assert client.post(unlock_url(commune_user)).status_code == 403
    assert login_lock("canbo-xa")["locked"]
    # ... while the commune's own office may.
    client.force_login(world.users["commune_office"])
    assert client.post(unlock_url(commune_user)).status_code == 302
    assert not login_lock("canbo-xa")["locked"]


def test_an_administrators_account_is_not_the_office_s_to_unlock(client, world):
    admin = UserFactory(username="quantri2", is_superuser=True, is_staff=True)
    membership = MembershipFactory(user=admin, council=world.council, role=Role.OFFICE)
    fail(client, "quantri2", 5)
    client.force_login(world.users["office"])
    page = client.get(reverse("delegations:membership_update", args=[membership.pk])).content.decode()
    assert "Chỉ quản trị hệ thống mới mở khóa được tài khoản quản trị." in page
    assert client.post(unlock_url(membership)).status_code == 403
    assert login_lock("quantri2")["locked"]
