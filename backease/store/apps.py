from django.apps import AppConfig


class StoreConfig(AppConfig):
    name = "backease.store"
    label = "store"
    verbose_name = "backease storage"
