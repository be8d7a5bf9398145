"""The migration to due rules: an assignment's single due date becomes its first AssignmentDue with its
due date (DueOccurrence), its tracked deadline follows it there, assignments are numbered from 1, and a
round's window is marked typed by hand unless it is what the council's rules give."""
import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

D = datetime.date
BEFORE = [("plans", "0004_contactplan_document_symbol_contactplan_intended_on_and_more")]
AFTER = [("plans", "0005_rounds_and_due_rules")]
# The other apps stay where they are (only plans goes back): their models are read at their latest
# migration, as their tables are.
OTHERS = [("contenttypes", "0002_remove_content_type_name")]


@pytest.mark.django_db(transaction=True)
def test_single_due_dates_become_due_rules_and_their_deadlines_follow(executor):
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE + OTHERS + executor.loader.graph.leaf_nodes("delegations")).apps
    Council = old.get_model("delegations", "Council")
    Term = old.get_model("delegations", "Term")
    ContentType = old.get_model("contenttypes", "ContentType")
    Deadline = old.get_model("delegations", "Deadline")
    council = Council.objects.create(name="HĐND tỉnh Thử", level="province", place_name="Thử")
    term = Term.objects.create(council=council, name="Khóa XX", start_year=2026, end_year=2031)
    sitting = old.get_model("plans", "Sitting").objects.create(council=council, term=term, number=2,
                                                               kind="regular_mid_year", opens_on=D(2026, 7, 7),
                                                               closes_on=D(2026, 7, 9))
    plan = old.get_model("plans", "ContactPlan").objects.create(council=council, year=2026, subject="Kế hoạch",
                                                                status="issued")
    Round = old.get_model("plans", "ContactRound")
    typed = Round.objects.create(plan=plan, sitting=sitting, kind="before", starts_on=D(2026, 6, 1),
                                 ends_on=D(2026, 6, 20))
    derived = Round.objects.create(plan=plan, sitting=sitting, kind="after", starts_on=D(2026, 7, 10),
                                   ends_on=D(2026, 7, 24))
    Assignment = old.get_model("plans", "Assignment")
    dated = Assignment.objects.create(plan=plan, order=0, lead="A", text="a", responsible_kind="office",
                                      due_kind="date", due_date_given=D(2026, 3, 15), due_on=D(2026, 3, 15),
                                      due_explanation="the date written in the plan")
    counted = Assignment.objects.create(plan=plan, order=1, lead="B", text="b", responsible_kind="groups",
                                        due_kind="working_days_after_round", due_days=3, round=typed,
                                        due_on=D(2026, 6, 25), due_explanation="3 working days after 20/06/2026")
    undated = Assignment.objects.create(plan=plan, order=2, lead="C", text="c", responsible_kind="front")
    assignment_type, _created = ContentType.objects.get_or_create(app_label="plans", model="assignment")
    deadline = Deadline.objects.create(council=council, kind="assignment", content_type=assignment_type,
                                       object_id=counted.pk, title="B", unit="working_days", start_on=D(2026, 6, 20),
                                       amount=3, due_on=D(2026, 6, 25))

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER + OTHERS + executor.loader.graph.leaf_nodes("delegations")).apps
    Due = new.get_model("plans", "AssignmentDue")
    Occurrence = new.get_model("plans", "DueOccurrence")
    assert list(Due.objects.order_by("assignment_id").values_list(
        "assignment_id", "kind", "date", "amount", "unit", "round_id")) == [
        (dated.pk, "date", D(2026, 3, 15), None, "days", None),
        (counted.pk, "after_round", None, 3, "working_days", typed.pk)]
    occurrence = Occurrence.objects.get(due__assignment_id=counted.pk)
    assert (occurrence.due_on, occurrence.session_id) == (D(2026, 6, 25), None)
    moved = new.get_model("delegations", "Deadline").objects.get(pk=deadline.pk)
    occurrence_type = new.get_model("contenttypes", "ContentType").objects.get(app_label="plans",
                                                                                model="dueoccurrence")
    assert (moved.content_type_id, moved.object_id) == (occurrence_type.pk, occurrence.pk)
    NewAssignment = new.get_model("plans", "Assignment")
    assert list(NewAssignment.objects.order_by("order").values_list("pk", "order")) == [
        (dated.pk, 1), (counted.pk, 2), (undated.pk, 3)]
    NewRound = new.get_model("plans", "ContactRound")
    assert NewRound.objects.get(pk=typed.pk).window_manual is True
    assert NewRound.objects.get(pk=derived.pk).window_manual is False
