"""Accounts of server mode: people who sign in (clients, therapists, admins).

Personal mode has no accounts; these pages answer 404 there (`middleware.person`).
"""
