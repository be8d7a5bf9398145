"""Issue 13, finding 1: existing plans migrate to the current structure. The data migration turns the
fixed Part I/II/III fields into sections, so an existing plan prints the same headings and text."""
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from delegations.models import Council

BEFORE = [("plans", "0001_initial")]
AFTER = [("plans", "0002_outline")]


@pytest.mark.django_db(transaction=True)
def test_the_fixed_fields_become_the_current_outline_and_print_the_same():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    ContactPlan = old.get_model("plans", "ContactPlan")
    # The council with today's model: only the plans app went back to before the outline.
    council = Council.objects.create(name="HĐND tỉnh Thử", place_name="Thử")
    plan = ContactPlan.objects.create(
        council_id=council.pk, year=2025, subject="Kế hoạch", purpose="- Mục đích một;\n- Mục đích hai.",
        requirements="Yêu cầu <b>không</b> phải thẻ.", content_before="- Trước kỳ họp.", content_after="",
        participants="- Đại biểu.", timing="- Từ ngày 03/11/2025.", place="")
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    from plans.models import ContactPlan as Plan
    from plans.services import plan_document

    migrated = Plan.objects.get(pk=plan.pk)
    assert migrated.sections.count() == 12
    printed = [(b.kind, b.text) for b in plan_document(migrated).blocks]
    assert printed == [
        ("part", "I. MỤC ĐÍCH, YÊU CẦU"), ("section", "1. Mục đích"), ("item", "- Mục đích một;"),
        ("item", "- Mục đích hai."), ("section", "2. Yêu cầu"), ("paragraph", "Yêu cầu <b>không</b> phải thẻ."),
        ("part", "II. NỘI DUNG, THÀNH PHẦN, THỜI GIAN, ĐỊA ĐIỂM"), ("section", "1. Nội dung"),
        ("subsection", "1.1. Nội dung tiếp xúc cử tri trước kỳ họp"), ("item", "- Trước kỳ họp."),
        ("section", "2. Thành phần"), ("item", "- Đại biểu."), ("section", "3. Thời gian, địa điểm"),
        ("subsection", "3.1. Thời gian"), ("item", "- Từ ngày 03/11/2025."),
    ]
