"""A deadline notice keeps its deadline’s id without a foreign-key constraint: the constraint’s
check, at the commit of each sweep, locked the deadline row of every notice (FOR KEY SHARE), which
wrote 10,000 deadline rows each morning after all. Django still deletes a deleted deadline’s
notices (on_delete=CASCADE)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("delegations", "0013_deadline_alarms"),
    ]

    operations = [
        migrations.AlterField(
            model_name="deadlinenotice",
            name="deadline",
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="notices", to="delegations.deadline", verbose_name="deadline"),
        ),
    ]
