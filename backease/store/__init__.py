"""Storage: the Django models and the services that read and write them.

Views, the JSON API and the CLI all go through `backease.store.services`, so every
rule about stored data lives in one place.
"""
