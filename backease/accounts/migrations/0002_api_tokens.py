"""API tokens move from clinic mode to accounts, rows and all: `accounts.ApiToken` takes the
table `clinic_apitoken` (renamed `accounts_apitoken`), or makes it where clinic mode is not
installed. clinic's 0003 then forgets its own model."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from backease.accounts.migrations._move import TakeTable

CLINIC = "backease.clinic" in settings.INSTALLED_APPS


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0001_initial"),
        # Where clinic mode is installed, its table is there to take (a fresh database too).
        *([("clinic", "0001_initial")] if CLINIC else []),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ApiToken",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=60)),
                        ("prefix", models.CharField(help_text="the first characters, to recognise it", max_length=12)),
                        ("digest", models.CharField(max_length=64, unique=True)),
                        ("scopes", models.JSONField(default=list)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("last_used_at", models.DateTimeField(blank=True, null=True)),
                        ("expires_at", models.DateTimeField(blank=True, null=True)),
                        ("revoked_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="api_tokens",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={"ordering": ["-created_at", "-id"]},
                ),
            ],
        ),
        TakeTable(model_name="ApiToken", old_app="clinic", old_table="clinic_apitoken"),
    ]
