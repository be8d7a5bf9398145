"""gunicorn settings shared by the deployment (docker-compose's web) and the benchmark (bench/load.py):
`gunicorn -c config/gunicorn.py config.wsgi:application`. Command-line flags still override these."""
from config.collector import collector_tune


def post_fork(server, worker):
    """Each worker sets its own thresholds after the fork (they are per process)."""
    collector_tune()


def post_worker_init(worker):
    """Once the worker has loaded the application: the national calendar read
    (delegations.calendar.national_calendar_warm), then all that it loaded frozen out of the
    collector's sight."""
    from django.apps import apps

    if apps.ready:  # the project's application (not another WSGI app served with this config)
        from delegations.calendar import national_calendar_warm

        national_calendar_warm()
    collector_tune(freeze=True)
