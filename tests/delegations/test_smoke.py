import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_office_dashboard_shows_council_and_role(world, client_for):
    response = client_for(world.users["office"]).get(reverse("home"))
    assert response.status_code == 200
    assert "HĐND tỉnh Bắc Ninh" in response.content.decode()
