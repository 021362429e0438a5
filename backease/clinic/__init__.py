"""Clinic mode (server mode only): therapists, the clients who share with them, home
programmes, follow-up flags, outcome measures, notices, the access log and API tokens.

Every object of another person is reached through `backease.clinic.access`, the one
place that decides who may see what.
"""
