"""Clinic pages (server mode): /clinic/ for therapists, /me/ for clients, /invite/<code>/."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from backease.clinic import views_dashboard, views_links, views_notices, views_outcomes

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
    # Follow-up: the therapist's dashboard, a client's page, flags (docs/clinic.md).
    path("clinic/", views_dashboard.dashboard, name="clinic_dashboard"),
    path("clinic/clients/<int:client_id>/", views_dashboard.client_page, name="clinic_client"),
    path(
        "clinic/clients/<int:client_id>/report/", views_dashboard.client_report, name="clinic_client_report"
    ),
    path("clinic/flags/<int:flag_id>/acknowledge/", views_dashboard.acknowledge, name="clinic_flag_ack"),
    # A client's own outcome measures, and anyone's notices.
    path("me/outcomes/", views_outcomes.my_outcomes, name="my_outcomes"),
    path("me/notices/", views_notices.my_notices, name="my_notices"),
    path("me/notices/read/", views_notices.mark_read, name="my_notices_read"),
]
