from django.urls import path

from . import views

app_name = "contact_sessions"

urlpatterns = [
    path("", views.session_list, name="session_list"),
    path("new/", views.session_edit, name="session_create"),
    path("calendar/", views.session_calendar, name="calendar"),
    path("mine/", views.my_meetings, name="my_meetings"),
    path("<int:pk>/", views.session_detail, name="session_detail"),
    path("<int:pk>/edit/", views.session_edit, name="session_update"),
    path("<int:pk>/outcome/", views.session_outcome, name="session_outcome"),
    path("<int:pk>/files/", views.session_files, name="session_files"),
    path("<int:pk>/invitation/", views.session_invitation, name="session_invitation"),
    path("<int:pk>/invitation.pdf", views.invitation_download, name="invitation_download"),
    path("<int:pk>/minutes/", views.minutes_edit, name="minutes_edit"),
    path("<int:pk>/minutes/scan/", views.minutes_scan_upload, name="minutes_scan_upload"),
    path("<int:pk>/minutes/again/", views.minutes_render_again, name="minutes_render_again"),
    path("<int:pk>/minutes/reopen/", views.minutes_reopen, name="minutes_reopen"),
    path("<int:pk>/document/<slug:document>.<slug:fmt>", views.session_document, name="session_document"),
    path("<int:pk>/minutes/<slug:kind>/", views.minutes_download, name="minutes_download"),
    path("public/", views.public_schedule, name="public_schedule"),
    path("public/<int:council_id>.ics", views.ical_feed, name="ical_feed"),
]
