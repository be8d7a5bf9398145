"""The province-scale benchmark of `make bench` (manage.py bench_province): the data set built with
set-based SQL (data.py), the HTTP load on a real gunicorn (load.py), and the bench-only bits the bench
settings plug in (a bare view as the floor, a Server-Timing header). Nothing here runs in production."""
