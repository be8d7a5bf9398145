from django.urls import path

from .views import calendar, home, imports, logins, org, rules

app_name = "delegations"

urlpatterns = [
    path("inbox/", home.inbox, name="inbox"),
    path("inbox/<int:pk>/open/", home.notification_open, name="notification_open"),
    path("inbox/read-all/", home.inbox_read_all, name="inbox_read_all"),
    path("inbox/preferences/", home.notification_preferences, name="notification_preferences"),
    path("calendar/", calendar.working_calendar, name="calendar"),
    path("deadline-rules/", rules.deadline_rules, name="deadline_rules"),
    path("deadline-changes/<slug:batch>/", rules.deadline_changes, name="deadline_changes"),
    path("import/", imports.delegates_import, name="import"),
    path("import/template.xlsx", imports.import_template, name="import_template"),
    path("import/<int:pk>/", imports.import_job, name="import_job"),
    path("import/<int:pk>/status/", imports.import_job_status, name="import_job_status"),
    path("membership/<int:pk>/unlock/", logins.membership_unlock, name="membership_unlock"),
]

urlpatterns += org.page_urls(org.PAGES)
