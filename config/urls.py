from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from delegations.views import home

urlpatterns = [
    path("", home.home, name="home"),
    path("healthz", home.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", home.PasswordChangeView.as_view(), name="password_change"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("org/", include("delegations.urls")),
    path("plans/", include("plans.urls")),
    path("meetings/", include("sessions.urls")),
    path("petitions/", include("petitions.urls")),
    path("admin/", admin.site.urls),
]
# MEDIA_ROOT is never served by URL, not even under DEBUG (`make run`): uploaded and generated files
# are read only through views that check who asks (delegations.downloads.file_download).

# 400, 403 and 404 are Django's own views rendering templates/400.html, 403.html, 404.html (and
# 403_csrf.html for a CSRF failure); the 500 page must render without the database.
handler500 = "delegations.views.errors.server_error"
