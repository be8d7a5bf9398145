"""Drop the (state, due_on) index of deadlines: no query reads deadlines by date across councils
(they are read by council, by subject, or by the sweep's own indexes), and each index costs every
write of a deadline, the morning sweep's 10,000 updates of the next notice day included. Dropped
concurrently, so that it never blocks the office's writes."""
from django.contrib.postgres.operations import RemoveIndexConcurrently
from django.db import connection, migrations

RemoveIndexOnline = RemoveIndexConcurrently if connection.vendor == "postgresql" else migrations.RemoveIndex  # plain on SQLite


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("delegations", "0011_deadline_indexes_not_repeated"),
    ]

    operations = [
        RemoveIndexOnline(model_name="deadline", name="deadline_state_due"),
    ]
