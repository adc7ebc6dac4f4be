# SendBack now belongs to core (core/0009); state only, the table stays.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("workspace", "0001_initial"),
        ("core", "0009_sendback_moves_to_core"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="SendBack")],
            database_operations=[],
        ),
    ]
