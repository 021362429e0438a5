"""Clinic mode (server mode only): therapists, the clients who share with them, home
programmes, follow-up flags, outcome measures and notices. Who signs in, API tokens and the
access log are accounts' (`backease.accounts`); the personal app runs without this app.

Every object of another person is reached through `backease.clinic.access`, the one
place that decides who may see what.
"""
