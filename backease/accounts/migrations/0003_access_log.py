"""The access log moves from clinic mode to accounts, rows and all: `accounts.AccessLog`
takes the table `clinic_accesslog` (renamed `accounts_accesslog`), or makes it where clinic
mode is not installed. clinic's 0004 then forgets its own model."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from backease.accounts.migrations._move import TakeTable

CLINIC = "backease.clinic" in settings.INSTALLED_APPS


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_api_tokens"),
        ("store", "0007_person_user"),
        # Where clinic mode is installed, its table is there to take (a fresh database too).
        *([("clinic", "0003_api_tokens_to_accounts")] if CLINIC else []),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AccessLog",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("actor_label", models.CharField(help_text="kept when the actor's account is gone", max_length=254)),
                        ("action", models.CharField(help_text="view, export or change", max_length=10)),
                        ("what", models.CharField(max_length=200)),
                        (
                            "actor",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "subject",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="access_log",
                                to="store.person",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-at", "-id"],
                        "indexes": [models.Index(fields=["subject", "at"], name="accesslog_subject_at")],
                    },
                ),
            ],
        ),
        TakeTable(model_name="AccessLog", old_app="clinic", old_table="clinic_accesslog"),
    ]
