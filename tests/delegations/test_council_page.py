"""Issue 13, finding 6: a commune office could not save its own council's page ("HĐND cấp xã phải thuộc
một HĐND cấp tỉnh": the parent menu offered only "---------"), and a council had one document symbol."""
import datetime

from django.urls import reverse

from documents import render_pdf
from plans.forms import PlanForm
from plans.models import ContactPlan, PlanStatus
from plans.services import plan_document


def test_a_commune_office_saves_its_own_councils_page_without_a_superuser(world, client_for):
    council = world.commune_council
    client = client_for(world.users["commune_office"])
    url = reverse("delegations:council_update", args=[council.pk])
    page = client.get(url).content.decode()
    assert 'name="parent"' in page and world.council.name in page   # shown, fixed: not "---------" alone
    response = client.post(url, {
        "name": council.name, "place_name": "Tiên Du", "issuing_body_lines": "HỘI ĐỒNG NHÂN DÂN\nXÃ TIÊN DU",
        "document_symbol": "HĐND", "other_document_symbols": "TT.HĐND"})
    assert response.status_code == 302, response.content.decode()[:2000]
    council.refresh_from_db()
    assert council.parent == world.council and council.level == "commune"
    assert council.issuing_body == ["HỘI ĐỒNG NHÂN DÂN", "XÃ TIÊN DU"] and council.place_name == "Tiên Du"
    assert council.document_symbols == ["HĐND", "TT.HĐND"]


def test_a_commune_office_cannot_move_its_council_under_another_province(world, client_for):
    council = world.commune_council
    client = client_for(world.users["commune_office"])
    client.post(reverse("delegations:council_update", args=[council.pk]), {
        "name": council.name, "level": "province", "parent": world.other_council.pk, "place_name": "Tiên Du",
        "issuing_body_lines": "HỘI ĐỒNG NHÂN DÂN\nXÃ TIÊN DU", "document_symbol": "HĐND"})
    council.refresh_from_db()
    assert council.parent == world.council and council.level == "commune"


def test_a_plan_chooses_one_of_its_councils_symbols(world):
    council = world.council
    council.other_document_symbols = "TT.HĐND"
    council.save()
    plan = ContactPlan.objects.create(council=council, year=2026, subject="Tiếp xúc cử tri", number=5,
                                      status=PlanStatus.ISSUED, issued_on=datetime.date(2026, 1, 5),
                                      signer_name="Nguyễn Anh Tuấn", recipients="Lưu: VT.")
    assert plan_document(plan).number_line == "Số: 05/KH-HĐND"   # the first symbol by default
    plan.document_symbol = "TT.HĐND"
    assert plan_document(plan).number_line == "Số: 05/KH-TT.HĐND"
    assert str(plan).startswith("05/KH-TT.HĐND")
    assert render_pdf(plan_document(plan))[:4] == b"%PDF"
    data = {"council": council.pk, "scope": "year", "year": 2026, "subject": "KH", "signer_position": "CHỦ TỊCH",
            "document_symbol": "UB"}
    form = PlanForm(data, user=world.users["office"])
    assert not form.is_valid() and "document_symbol" in form.errors
    form = PlanForm({**data, "document_symbol": "TT.HĐND"}, user=world.users["office"])
    assert form.is_valid(), form.errors
