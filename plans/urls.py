from django.urls import path

from delegations.views.org import page_urls

from . import views

app_name = "plans"

urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("new/", views.plan_edit, name="plan_create"),
    path("copy/", views.plan_copy, name="plan_copy"),
    path("<int:pk>/", views.plan_detail, name="plan_detail"),
    path("<int:pk>/edit/", views.plan_edit, name="plan_update"),
    path("<int:pk>/outline/", views.plan_outline, name="plan_outline"),
    path("<int:pk>/files/", views.plan_file_status, name="plan_files"),
    path("<int:pk>/files/again/", views.plan_render_again, name="plan_render_again"),
    path("<int:pk>/step/<slug:step>/", views.plan_step, name="plan_step"),
    path("<int:pk>/download/<slug:kind>/", views.plan_download, name="plan_download"),
    path("<int:pk>/signed/", views.plan_signed_upload, name="plan_signed_upload"),
    path("<int:pk>/rounds/add/", views.round_add, name="round_add"),
    path("<int:pk>/rounds/bulk/", views.rounds_bulk, name="rounds_bulk"),
    path("rounds/<int:pk>/remove/", views.round_remove, name="round_remove"),
    path("<int:pk>/assignments/add/", views.assignment_add, name="assignment_add"),
    path("<int:pk>/assignments/bulk/", views.assignments_bulk, name="assignments_bulk"),
    path("assignments/<int:pk>/remove/", views.assignment_remove, name="assignment_remove"),
    path("assignments/<int:pk>/move/", views.assignment_move, name="assignment_move"),
    path("assignments/<int:pk>/dues/add/", views.assignment_due_add, name="assignment_due_add"),
    path("dues/<int:pk>/remove/", views.assignment_due_remove, name="assignment_due_remove"),
    path("assignments/mine/", views.my_assignments, name="my_assignments"),
    path("assignments/", views.assignment_list, name="assignment_list"),
    path("assignments/<int:pk>/toggle/", views.assignment_toggle, name="assignment_toggle"),
    path("public/", views.public_plans, name="public_plans"),
    path("public/<int:pk>/<slug:kind>/", views.public_plan_download, name="public_plan_download"),
]
urlpatterns += page_urls(views.PAGES)
