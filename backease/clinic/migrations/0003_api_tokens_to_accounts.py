"""API tokens are accounts' now (accounts 0002 took the table, rows and all): clinic mode
forgets its model, and the database is left as it is."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("clinic", "0002_invitation_claimed_by"),
        ("accounts", "0002_api_tokens"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="ApiToken")]),
    ]
