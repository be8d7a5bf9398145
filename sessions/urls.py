from django.urls import path

from . import views

app_name = "contact_sessions"

urlpatterns = [
    path("", views.session_list, name="session_list"),
    path("new/", views.session_edit, name="session_create"),
    path("<int:pk>/", views.session_detail, name="session_detail"),
    path("<int:pk>/edit/", views.session_edit, name="session_update"),
    path("public/", views.public_schedule, name="public_schedule"),
    path("public/<int:council_id>.ics", views.ical_feed, name="ical_feed"),
]
