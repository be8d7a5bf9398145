"""The benchmarks of `make bench`, kept outside the apps: the province-scale benchmark (manage.py
bench_province: the data set built with set-based SQL in data.py, the HTTP load on a real gunicorn in
load.py, and the bench-only bits the bench settings plug in: a bare view as the floor, a Server-Timing
header), the report and plan renders, and the Excel imports (imports.py). Nothing here runs in production."""
