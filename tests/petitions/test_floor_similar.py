"""Issue 12: the floor table (several petitions typed at once at a meeting) flags near-duplicates as each
row is typed, as the single-petition form does: each row's text asks the same similar-petitions
fragment (the one rule, services.similar_petitions), with the meeting's council and round and the
row's number, and the flag appears under that row."""
import pytest
from django.urls import reverse

from petitions import services

pytestmark = pytest.mark.django_db
TYPED = "Đề nghị sửa chữa đường giao thông liên thôn Kiêm Tân bị xuống cấp, nhiều ổ gà"


@pytest.fixture
def earlier(world, held_meeting):
    return services.petitions_from_floor(session=held_meeting["session"], user=world.users["group_leader"], rows=[
        {"text": "Đề nghị sửa chữa tuyến đường giao thông liên thôn Kiêm Tân bị xuống cấp nghiêm trọng"},
        {"text": "Đề nghị hỗ trợ giống cây trồng cho bà con vùng lũ"}])


def floor_params(world, held_meeting, row, text):
    session = held_meeting["session"]
    return {"council": session.council_id, "round": session.round_id, "row": row, f"rows-{row}-text": text}


def test_a_row_being_typed_is_flagged_with_the_petition_it_looks_like(world, client_for, held_meeting, earlier,
                                                                      django_assert_num_queries):
    client = client_for(world.users["group_leader"])
    # login, the role check, the council, the round, the similar petitions
    # the login (2), the role, the council, the round, the petition to leave out, the similar petitions,
    # and the base template's context (the membership, the unread count)
    with django_assert_num_queries(9):
        response = client.get(reverse("petitions:similar"), floor_params(world, held_meeting, 3, TYPED))
    page = response.content.decode()
    assert response.status_code == 200 and 'data-testid="floor-similar"' in page
    assert earlier[0].public_code in page and earlier[1].public_code not in page
    # The same rule as the single-petition form: the very petitions services.similar_petitions finds.
    same = services.similar_petitions(council=world.council, text=TYPED, round=held_meeting["round"])
    assert [p.public_code for p in same] == [earlier[0].public_code]
    # A row unlike any petition, or too short to compare, flags nothing.
    for text in ("Đề nghị xây trường mầm non mới", "Đường"):
        assert "floor-similar" not in client.get(reverse("petitions:similar"),
                                                 floor_params(world, held_meeting, 0, text)).content.decode()


def test_the_single_form_still_reads_its_text_field(world, client_for, held_meeting, earlier):
    response = client_for(world.users["office"]).get(reverse("petitions:similar"), {
        "council": world.council.pk, "round": held_meeting["round"].pk, "text": TYPED})
    page = response.content.decode()
    assert 'data-testid="similar"' in page and earlier[0].public_code in page and "floor-similar" not in page


def test_the_floor_rows_ask_the_fragment_with_their_number(world, client_for, held_meeting):
    session = held_meeting["session"]
    page = client_for(world.users["group_leader"]).get(reverse("petitions:floor", args=[session.pk])).content.decode()
    url = reverse("petitions:similar")
    assert page.count(f'hx-get="{url}"') == 10  # every row
    assert f'"council": "{session.council_id}", "round": "{session.round_id}", "row": "4"' in page
    assert 'hx-target="#similar-4"' in page and 'id="similar-4"' in page


@pytest.mark.parametrize(("role", "code"), [("agency", 403)])
def test_the_fragment_is_refused_to_agencies_and_finds_nothing_of_another_council(
        world, client_for, held_meeting, earlier, role, code):
    params = floor_params(world, held_meeting, 1, TYPED)
    assert client_for(world.users[role]).get(reverse("petitions:similar"), params).status_code == code
    for other in ("other_council", "commune_office"):
        response = client_for(world.users[other]).get(reverse("petitions:similar"), params)
        assert response.status_code == 200 and earlier[0].public_code not in response.content.decode()
    response = client_for(None).get(reverse("petitions:similar"), params)
    assert response.status_code == 302 and "/login/" in response["Location"]
