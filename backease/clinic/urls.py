"""Clinic pages (server mode): /clinic/ for therapists, /me/ for clients, /invite/<code>/."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from backease.clinic import views_links

urlpatterns: list[URLPattern | URLResolver] = [
    # Invitations and consent (views_links)
    path("clinic/invitations/", views_links.invitations, name="clinic_invitations"),
    path(
        "clinic/invitations/<int:invitation_id>/withdraw/",
        views_links.withdraw_invitation,
        name="clinic_withdraw_invitation",
    ),
    path("clinic/clients/<int:client_id>/end/", views_links.end_link, name="clinic_end_link"),
    path("invite/<str:code>/", views_links.invite, name="invite"),
    path("me/sharing/", views_links.my_sharing, name="my_sharing"),
    path("me/sharing/<int:link_id>/share/", views_links.change_share, name="my_sharing_share"),
    path("me/sharing/<int:link_id>/end/", views_links.stop_sharing, name="my_sharing_end"),
]
