from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "backease.reminders"
    label = "reminders"
    verbose_name = "backease reminders"

    def ready(self) -> None:
        from backease.reminders import signals  # noqa: F401  (connects the receivers)
