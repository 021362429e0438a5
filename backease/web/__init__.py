"""The Django project: settings, URLs, WSGI application and the production server.
(Django set up outside a request: `backease.store.setup`.)"""
