"""A signed-in person's own account pages (server mode; 404 in personal mode, as all of /me/)."""

from __future__ import annotations

from django.urls import path

from backease.accounts import views

urlpatterns = [
    path("me/account/", views.my_account, name="my_account"),
    path("me/account/delete/", views.delete_account, name="delete_account"),
    path("me/tokens/", views.my_tokens, name="my_tokens"),
    path("me/tokens/<int:token_id>/revoke/", views.revoke_token, name="revoke_token"),
    path("me/access-log/", views.my_access_log, name="my_access_log"),
]
