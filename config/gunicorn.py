"""gunicorn settings shared by the deployment (docker-compose's web) and the benchmark (bench/load.py):
`gunicorn -c config/gunicorn.py config.wsgi:application`. Command-line flags still override these."""
import gc

# A province's list page allocates some 50,000 objects; with Python's default thresholds (700, 10, 10)
# the collector pauses a worker several times per page. These measured faster in-process (p95 of the
# province list 232 → 157 ms at 1,000,000 petitions, README "Performance"); memory stays bounded since
# generation 0 is still collected every 50,000 allocations.
GC_THRESHOLDS = (50_000, 50, 100)


def post_fork(server, worker):
    """Each worker sets its own thresholds after the fork (they are per process)."""
    gc.set_threshold(*GC_THRESHOLDS)


def post_worker_init(worker):
    """Once the worker has loaded the application, move what is loaded so far (Django, the apps,
    the templates: some 140,000 objects) out of the collector's sight (gc.freeze): a full
    collection then walks only what requests allocate, instead of pausing a page for tens of ms."""
    gc.collect()
    gc.freeze()
