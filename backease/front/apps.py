from django.apps import AppConfig


class FrontConfig(AppConfig):
    name = "backease.front"
    label = "front"
