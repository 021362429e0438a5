"""The access log is accounts' now (accounts 0003 took the table, rows and all): clinic mode
forgets its model, and the database is left as it is."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("clinic", "0003_api_tokens_to_accounts"),
        ("accounts", "0003_access_log"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="AccessLog")]),
    ]
