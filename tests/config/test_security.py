"""Issue 10, finding 11: Content-Security-Policy on every response, sessions that end when idle and at
browser close, and no "change" of a password to the current one. (Login throttling, finding 4, is
tests/delegations/test_logins.py; the browser check of the policy is tests/browser/test_csp.py.)"""
import datetime
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.template.loader import render_to_string
from django.urls import reverse

from config.settings import base as base_settings

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
MORNING = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=HANOI)


def policy(response):
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


# ------------------------------------------------------------------------------- Content-Security-Policy

ANONYMOUS_PAGES = ["/accounts/login/", "/meetings/public/", "/petitions/lookup/", "/plans/public/", "/admin/login/",
                   "/healthz", "/static/css/app.css", "/static/vendor/htmx.min.js", "/no-such-page/"]
OFFICE_PAGES = ["/", "/petitions/", "/plans/", "/meetings/", "/meetings/calendar/", "/org/membership/",
                "/petitions/dashboard/", "/accounts/password/", "/admin/"]


@pytest.mark.parametrize("path", ANONYMOUS_PAGES)
def test_policy_on_public_pages_static_files_and_errors(client, world, path):
    directives = policy(client.get(path))
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize("path", OFFICE_PAGES)
def test_policy_on_logged_in_pages(client, world, path):
    world.users["office"].is_staff = world.users["office"].is_superuser = True
    world.users["office"].save()
    client.force_login(world.users["office"])
    response = client.get(path)
    assert response.status_code == 200, path
    directives = policy(response)
    # No 'unsafe-inline' and no 'unsafe-eval' anywhere: inline scripts, handlers and styles are refused.
    assert not any(v in ("'unsafe-inline'", "'unsafe-eval'") for values in directives.values() for v in values)
    assert directives["default-src"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]


TEMPLATES = [path for path in (ROOT / "templates").rglob("*.html") if "documents" not in path.parts]
INLINE = [
    ("inline <script>", re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)),
    ("event handler attribute", re.compile(r"\son[a-z]+\s*=", re.I)),
    ("style attribute", re.compile(r"\sstyle\s*=", re.I)),
    ("<style> element", re.compile(r"<style[\s>]", re.I)),
    ("javascript: URL", re.compile(r"javascript:", re.I)),
    ("htmx hx-on handler", re.compile(r"\shx-on", re.I)),
]


def test_templates_hold_no_inline_script_handler_or_style():
    """The policy would refuse these; the page template (documents/) is WeasyPrint's, never served."""
    assert len(TEMPLATES) > 30
    found = [f"{path.relative_to(ROOT)}: {what}" for path in TEMPLATES for what, pattern in INLINE
             if pattern.search(path.read_text(encoding="utf-8"))]
    assert found == []


def test_htmx_is_told_not_to_insert_its_inline_indicator_style(client, world):
    client.force_login(world.users["office"])
    page = client.get("/").content.decode()
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false}\'>' in page
    assert '<script src="/static/js/app.js">' in page
    css = (ROOT / "static" / "css" / "app.css").read_text()
    assert ".htmx-indicator" in css  # the styles htmx no longer inserts


def test_progress_bars_take_their_width_from_a_data_attribute():
    figure = SimpleNamespace(label="Đã trả lời", url="/", whole_url="/", percent=62, part=31, whole=50,
                             whole_label="kiến nghị", hint="", extra=[])
    html = render_to_string("petitions/_chart_progress.html", {"figure": figure, "id": "answered"})
    assert '<div class="progress-bar bg-success" data-percent="62"></div>' in html
    assert "style=" not in html


# ------------------------------------------------------------------------------------------- sessions

@pytest.fixture
def idle_timeout(settings):
    """The idle timeout of every other environment (test.py keeps sessions for the time-travelling tests)."""
    settings.SESSION_COOKIE_AGE = base_settings.SESSION_COOKIE_AGE
    settings.SESSION_IDLE_REFRESH_SECONDS = base_settings.SESSION_IDLE_REFRESH_SECONDS
    assert settings.SESSION_COOKIE_AGE == 3600


def test_sessions_end_after_an_hour_without_a_request(client, world, idle_timeout):
    with time_machine.travel(MORNING, tick=False) as clock:
        client.force_login(world.users["office"])
        assert client.get("/").status_code == 200
        for _ in range(3):  # active for 150 minutes, one request every 50: still logged in
            clock.shift(datetime.timedelta(minutes=50))
            assert client.get("/").status_code == 200
        clock.shift(datetime.timedelta(minutes=61))
        response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_idle_limit_is_the_setting(client, world, settings):
    settings.SESSION_COOKIE_AGE = 10 * 60
    with time_machine.travel(MORNING, tick=False) as clock:
        client.force_login(world.users["office"])
        clock.shift(datetime.timedelta(minutes=9))
        assert client.get("/").status_code == 200
        clock.shift(datetime.timedelta(minutes=11))
        assert client.get("/").status_code == 302


def test_activity_moves_the_expiry_at_most_once_a_minute(client, world, idle_timeout):
    """The session row is written again only when a minute has passed, not on every page; the login
    marks the first activity in its own save."""
    with time_machine.travel(MORNING, tick=False) as clock:
        client.force_login(world.users["office"])
        assert "sessionid" not in client.get("/").cookies  # not saved again
        clock.shift(datetime.timedelta(seconds=50))
        assert "sessionid" not in client.get("/").cookies
        clock.shift(datetime.timedelta(seconds=20))
        assert "sessionid" in client.get("/").cookies  # saved: a new expiry
        clock.shift(datetime.timedelta(seconds=30))
        assert "sessionid" not in client.get("/").cookies


def test_the_session_cookie_ends_with_the_browser(client, world):
    response = client.post("/accounts/login/", {"username": "vanphong", "password": "demo12345"})
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert cookie["expires"] == "" and cookie["max-age"] == ""
    assert SESSION_KEY in client.session


def read_base_settings(**env):
    code = ("import config.settings.base as s; "
            "print(s.SESSION_COOKIE_AGE, s.SESSION_EXPIRE_AT_BROWSER_CLOSE, s.AXES_FAILURE_LIMIT, "
            "s.LOGIN_ADDRESS_FAILURE_LIMIT, s.AXES_COOLOFF_TIME.total_seconds(), s.LOGIN_TRUSTED_PROXIES)")
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("SESSION_", "LOGIN_"))}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**environment, **env},
                            capture_output=True, text=True, timeout=60)
    return result.stdout.split(), result.stderr


def test_session_and_login_settings_come_from_the_environment():
    assert read_base_settings() == (["3600", "True", "5", "20", "900.0", "0"], "")
    chosen = read_base_settings(SESSION_IDLE_MINUTES="30", LOGIN_FAILURE_LIMIT="3", LOGIN_ADDRESS_FAILURE_LIMIT="50",
                                LOGIN_COOLOFF_MINUTES="60", LOGIN_TRUSTED_PROXIES="1")
    assert chosen == (["1800", "True", "3", "50", "3600.0", "1"], "")


# ------------------------------------------------------------------------------------------ passwords

def test_changing_the_password_to_the_current_one_is_refused(client, world):
    user = world.users["office"]
    client.force_login(user)
    response = client.post(reverse("password_change"), {
        "old_password": "demo12345", "new_password1": "demo12345", "new_password2": "demo12345"})
    assert response.status_code == 200
    assert "Mật khẩu mới phải khác mật khẩu hiện tại." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password("demo12345")


def test_changing_to_a_new_password_still_works(client, world):
    user = world.users["office"]
    client.force_login(user)
    response = client.post(reverse("password_change"), {
        "old_password": "demo12345", "new_password1": "Hoi-dong-2026-moi", "new_password2": "Hoi-dong-2026-moi"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Hoi-dong-2026-moi")


def test_the_office_cannot_set_a_user_s_current_password_as_new_either(client, world):
    """The same validator runs where the office sets a user's password (/org/membership/…/edit/)."""
    target = world.users["delegate"].memberships.get()
    client.force_login(world.users["office"])
    response = client.post(reverse("delegations:membership_update", args=[target.pk]), {
        "username": "daibieu", "full_name": "Nguyễn Văn An", "password": "demo12345",
        "council": world.council.pk, "role": "delegate", "group": world.group_b.pk, "is_active": "on"})
    assert response.status_code == 400
    assert "Mật khẩu mới phải khác mật khẩu hiện tại." in response.content.decode()
