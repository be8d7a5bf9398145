"""An index added to a table that grows with the petitions (a million rows at a province's scale)
is built with CREATE INDEX CONCURRENTLY (django.contrib.postgres.operations.AddIndexConcurrently,
in a non-atomic migration), so that adding it never blocks the office's writes (issue 15). The
migrations written before this rule are listed by name; any later AddIndex on a big table fails."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPS = ("delegations", "plans", "sessions", "petitions")
# Tables that grow with the petitions (their model names as migrations spell them).
BIG = {"petition", "historicalpetition", "petitionvoter", "historicalpetitionvoter", "petitionevent",
       "petition_fields", "answer", "historicalanswer", "deadline", "deadlinenotice", "notification",
       "voterdataaccess"}
# Written before the rule, on tables that were small then or with the model's state only.
BEFORE_THE_RULE = {"delegations/migrations/0001_initial.py", "delegations/migrations/0003_deadlines.py",
                   "delegations/migrations/0008_notification_kinds_preferences.py",
                   "petitions/migrations/0001_initial.py", "petitions/migrations/0002_workflow.py",
                   "petitions/migrations/0007_indexes_in_the_model.py"}


def plain_index_additions(path):
    """[(line, model name)] of each migrations.AddIndex(model_name=<a big table>) in a file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name != "AddIndex":
            continue
        model = next((k.value.value for k in node.keywords
                      if k.arg == "model_name" and isinstance(k.value, ast.Constant)), "")
        if model.lower() in BIG:
            found.append((node.lineno, model))
    return found


def test_indexes_on_big_tables_are_added_concurrently():
    offenders = []
    for app in APPS:
        for path in sorted((ROOT / app / "migrations").glob("[0-9]*.py")):
            where = str(path.relative_to(ROOT))
            if where in BEFORE_THE_RULE:
                continue
            offenders += [f"{where}:{line}: AddIndex on {model}" for line, model in plain_index_additions(path)]
    assert not offenders, ("Use AddIndexConcurrently (atomic = False) for an index on a big table:\n"
                           + "\n".join(offenders))


def test_the_check_finds_a_plain_add_index_on_a_big_table(tmp_path):
    path = tmp_path / "0099_x.py"
    path.write_text("from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n"
                    "    operations = [\n"
                    "        migrations.AddIndex(model_name='petition', index=models.Index(fields=['text'], name='x')),\n"
                    "        migrations.AddIndex(model_name='council', index=models.Index(fields=['name'], name='y')),\n"
                    "    ]\n", encoding="utf-8")
    assert plain_index_additions(path) == [(6, "petition")]
    assert all((ROOT / where).is_file() for where in BEFORE_THE_RULE)
