from django.urls import path

from .views import calendar, home, imports, org

app_name = "delegations"

urlpatterns = [
    path("inbox/", home.inbox, name="inbox"),
    path("inbox/<int:pk>/open/", home.notification_open, name="notification_open"),
    path("calendar/", calendar.working_calendar, name="calendar"),
    path("import/", imports.delegates_import, name="import"),
    path("import/template.xlsx", imports.import_template, name="import_template"),
]

urlpatterns += org.page_urls(org.PAGES)
