"""Page URLs. Views in `views.py` (onboarding, plan, library, guides) and
`player_views.py` (session player, history, pain diary)."""

from __future__ import annotations

from django.urls import path

from backease.front import (
    calendar_views,
    figure_views,
    insights_views,
    player_views,
    programme_views,
    pwa,
    settings_views,
    views,
)

urlpatterns = [
    path("", views.welcome, name="welcome"),
    # Browsers ask for /favicon.ico on their own; the icon is an SVG.
    path("favicon.ico", player_views.favicon, name="favicon"),
    # The installable web app (docs/phone.md): the worker is served from the root scope.
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("offline/", views.offline, name="offline"),
    path("check/", views.check, name="check"),
    path("setup/", views.setup, name="setup"),
    path("today/", views.today, name="today"),
    path("today/regenerate/", views.regenerate, name="regenerate"),
    path("today/swap/<int:index>/", views.swap, name="swap"),
    path("today/start/", views.start, name="start"),
    path("library/", views.library, name="library"),
    path("library/<slug:technique>/", views.technique, name="technique"),
    path("figures/<slug:technique>.svg", figure_views.figure_svg, name="figure_svg"),
    path("anatomy/", views.anatomy, name="anatomy"),
    path("anatomy/<slug:region>/", views.region, name="region"),
    path("massage-types/", views.massage_types, name="massage_types"),
    path("tips/", views.tips, name="tips"),
    path("privacy/", views.privacy, name="privacy"),
    path("session/<int:session_id>/", player_views.session, name="session"),
    path("session/<int:session_id>/done/", player_views.session_done, name="session_done"),
    path("history/", player_views.history, name="history"),
    path("session/<int:session_id>/delete/", player_views.delete_session, name="delete_session"),
    path("diary/", player_views.diary, name="diary"),
    path("diary/<int:entry_id>/delete/", player_views.delete_entry, name="delete_entry"),
    path("delete-everything/", player_views.delete_everything, name="delete_everything"),
    path("insights/", insights_views.insights, name="insights"),
    path("report/", insights_views.report, name="report"),
    path("export/", insights_views.export, name="export"),
    path("export/<slug:kind>/", insights_views.download, name="download"),
    path("import/", insights_views.import_backup, name="import_backup"),
    path("techniques/<slug:technique>/enable/", insights_views.enable_technique, name="enable_technique"),
    path("schedule/", settings_views.schedule, name="schedule"),
    path("programme/", programme_views.programme, name="programme"),
    path("programme/start/", programme_views.programme_start, name="programme_start"),
    path("programme/stop/", programme_views.programme_stop, name="programme_stop"),
    path("programme/check-in/", programme_views.checkin, name="programme_checkin"),
    path("settings/", settings_views.settings_page, name="settings"),
    path("settings/browser-zone/", settings_views.browser_zone, name="browser_zone"),
    path("settings/calendar/", calendar_views.calendar_link, name="calendar_link"),
    path("calendar/<str:token>.ics", calendar_views.calendar_feed, name="calendar_feed"),
]
