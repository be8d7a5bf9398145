"""Voters' personal data in the Django admin: superusers only, whatever model permissions a staff
account holds (the per-petition rule cannot be expressed there)."""
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from petitions import services
from tests.factories import UserFactory


@pytest.fixture
def petition_with_voter(world, meeting):
    return services.petition_create(council=world.council, user=world.users["office"], session=meeting,
                                    text="Đề nghị sửa cầu treo thôn Đông", source="meeting",
                                    voters=[{"name": "Hà Thị Bí Mật", "phone": "0912000999"}])


def _staff_with_every_petition_permission():
    user = UserFactory(username="nhanvien", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="petitions"))
    return user


def test_a_staff_account_with_the_model_permissions_sees_no_voter(world, client_for, petition_with_voter):
    client = client_for(_staff_with_every_petition_permission())
    voter = petition_with_voter.voters.get()
    assert client.get(reverse("admin:petitions_petitionvoter_changelist")).status_code == 403
    assert client.get(reverse("admin:petitions_petitionvoter_change", args=[voter.pk])).status_code in (302, 403)
    page = client.get(reverse("admin:petitions_petition_change", args=[petition_with_voter.pk]))
    assert page.status_code == 200 and voter.name not in page.content.decode()


def test_a_superuser_sees_the_voters(world, client_for, petition_with_voter):
    client = client_for(UserFactory(username="quantri", is_staff=True, is_superuser=True))
    voter = petition_with_voter.voters.get()
    page = client.get(reverse("admin:petitions_petition_change", args=[petition_with_voter.pk]))
    assert page.status_code == 200 and voter.name in page.content.decode()
    assert voter.name in client.get(reverse("admin:petitions_petitionvoter_changelist")).content.decode()
