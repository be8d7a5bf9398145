"""gunicorn settings shared by the deployment (docker-compose's web) and the benchmark (bench/load.py):
`gunicorn -c config/gunicorn.py config.wsgi:application`. Command-line flags still override these."""
from config.collector import collector_tune


def post_fork(server, worker):
    """Each worker sets its own thresholds after the fork (they are per process)."""
    collector_tune()


def post_worker_init(worker):
    """Once the worker has loaded the application, what it loaded leaves the collector's sight."""
    collector_tune(freeze=True)
