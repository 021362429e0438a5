from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "backease.clinic"
    label = "clinic"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Follow-up flags are raised as clients' data is written (backease.clinic.signals).
        from backease.clinic import signals  # noqa: F401
