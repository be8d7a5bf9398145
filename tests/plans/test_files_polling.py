"""Issue 12: a plan's page waits for its document by itself and says when it failed or waits too long —
to everyone who reads it (the office also gets "Prepare again"), not only as a button's tooltip."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from delegations.models import OutboxTask
from plans.models import ContactPlan
from plans.services import plan_changed

pytestmark = pytest.mark.django_db


def test_a_late_or_failed_render_is_said_to_every_reader(world, client_for, settings):
    plan = ContactPlan.objects.create(council=world.council, year=2025, subject="Kế hoạch TXCT")
    plan_changed(plan=plan)  # asked, not rendered
    url = reverse("plans:plan_files", args=[plan.pk])
    fragment = client_for(world.users["standing"]).get(url).content.decode()
    assert 'hx-trigger="every 2s"' in fragment and 'data-testid="stuck"' not in fragment

    settings.OUTBOX_REDISPATCH_AFTER_SECONDS = 300
    OutboxTask.objects.update(requested_at=timezone.now() - datetime.timedelta(minutes=6))
    for role, button in (("standing", False), ("office", True)):
        fragment = client_for(world.users[role]).get(url).content.decode()
        assert 'data-testid="stuck"' in fragment and "chưa chuẩn bị được" in fragment
        assert ('data-testid="render-again"' in fragment) is button
        assert 'hx-trigger="every 2s"' in fragment  # still waiting: the retry shows up by itself
