"""The project's URLs plus the bench's floor: a bare view that runs the middleware and returns a few
bytes, what every page costs before it reads a row."""
from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns


def floor(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/floor/", floor, name="bench_floor"), *project_urlpatterns]
