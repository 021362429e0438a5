from django.apps import AppConfig


class ExportsConfig(AppConfig):
    """Installed for its templates: what several front ends render (the report, charts)."""

    name = "backease.exports"
    label = "exports"
