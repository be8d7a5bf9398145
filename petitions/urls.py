from django.urls import path

from . import views

app_name = "petitions"

urlpatterns = [
    path("", views.petition_list, name="petition_list"),
    path("<int:pk>/", views.petition_detail, name="petition_detail"),
    path("floor/<int:session_pk>/", views.floor, name="floor"),
    path("lookup/", views.lookup, name="lookup"),
]
