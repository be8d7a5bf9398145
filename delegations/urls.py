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

for slug in org.PAGES:
    urlpatterns += [
        path(f"{slug.replace('_', '-')}/", org.OrgListView.as_view(), {"slug": slug}, name=f"{slug}_list"),
        path(f"{slug.replace('_', '-')}/new/", org.OrgFormView.as_view(), {"slug": slug}, name=f"{slug}_create"),
        path(f"{slug.replace('_', '-')}/<int:pk>/edit/", org.OrgFormView.as_view(), {"slug": slug},
             name=f"{slug}_update"),
        path(f"{slug.replace('_', '-')}/<int:pk>/delete/", org.OrgDeleteView.as_view(), {"slug": slug},
             name=f"{slug}_delete"),
    ]
