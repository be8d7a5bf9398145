import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_office_dashboard_shows_council_and_role(world, client_for):
    response = client_for(world.users["office"]).get(reverse("home"))
    assert response.status_code == 200
    assert "HĐND tỉnh Bắc Ninh" in response.content.decode()


@pytest.mark.django_db
def test_interface_is_vietnamese_whatever_the_browser_asks_until_english_is_chosen(world, client_for):
    client = client_for(world.users["office"])
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "Trang chủ" in page and 'lang="vi"' in page
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Dashboard" in page and 'lang="en"' in page
