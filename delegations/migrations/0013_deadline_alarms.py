"""The sweep's next notice days move from a column of the deadline (`notify_on`, rewritten for
10,000 rows and four of their indexes each morning in a province) to a queue of their own,
DeadlineAlarm: two dates and an id, keyed by (day, deadline). A deadline keeps whether its notices
are scheduled (`scheduled`: False for a new or moved clock, found through a partial index by due
date, as the NULL `notify_on` was). Indexes are built and dropped concurrently on PostgreSQL, so
that they never block the office's writes."""
import django.db.models.deletion
from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import connection, migrations, models

online = connection.vendor == "postgresql"
AddIndexOnline = AddIndexConcurrently if online else migrations.AddIndex  # plain on SQLite
RemoveIndexOnline = RemoveIndexConcurrently if online else migrations.RemoveIndex

# The alarms of the open deadlines with a notice left (9999-12-31 meant none), in the order of their
# day; the deadlines with a computed schedule marked so.
ALARMS_FROM_NOTIFY_ON = [
    "INSERT INTO delegations_deadlinealarm (on_day, deadline_id) SELECT notify_on, id FROM delegations_deadline "
    "WHERE state = 'open' AND notify_on IS NOT NULL AND notify_on < '9999-12-31' ORDER BY notify_on, id",
    "UPDATE delegations_deadline SET scheduled = TRUE WHERE notify_on IS NOT NULL",
]
NOTIFY_ON_FROM_ALARMS = [
    "UPDATE delegations_deadline SET notify_on = (SELECT MIN(a.on_day) FROM delegations_deadlinealarm a "
    "WHERE a.deadline_id = delegations_deadline.id) WHERE scheduled",
    "UPDATE delegations_deadline SET notify_on = '9999-12-31' WHERE scheduled AND notify_on IS NULL",
]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("delegations", "0012_drop_deadline_state_due"),
    ]

    operations = [
        migrations.CreateModel(
            name="DeadlineAlarm",
            fields=[
                ("pk", models.CompositePrimaryKey("on_day", "deadline_id", blank=True, editable=False,
                                                  primary_key=True, serialize=False)),
                ("on_day", models.DateField(verbose_name="look on")),
                ("deadline", models.ForeignKey(db_constraint=False, db_index=False,
                                               on_delete=django.db.models.deletion.DO_NOTHING, related_name="+",
                                               to="delegations.deadline", verbose_name="deadline")),
            ],
            options={
                "verbose_name": "deadline alarm",
                "verbose_name_plural": "deadline alarms",
            },
        ),
        migrations.AddField(
            model_name="deadline",
            name="scheduled",
            field=models.BooleanField(default=False, verbose_name="notices scheduled"),
        ),
        migrations.RunSQL(ALARMS_FROM_NOTIFY_ON, NOTIFY_ON_FROM_ALARMS),
        AddIndexOnline(
            model_name="deadline",
            index=models.Index(condition=models.Q(("scheduled", False), ("state", "open")), fields=["due_on"],
                               name="deadline_not_scheduled"),
        ),
        RemoveIndexOnline(model_name="deadline", name="deadline_sweep"),
        RemoveIndexOnline(model_name="deadline", name="deadline_unscheduled"),
        migrations.RemoveField(model_name="deadline", name="notify_on"),
    ]
