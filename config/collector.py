"""The garbage collector's settings of the long-running processes: gunicorn's workers
(config/gunicorn.py), Celery's worker processes (config/celery.py) and the benchmark that measures
them (bench/). One place for the numbers."""
import gc

# A province's list page allocates some 50,000 objects, a deadline sweep of 10,000 rows several
# hundred thousand; with Python's default thresholds (700, 10, 10) the collector pauses them many
# times. These measured faster (README "Performance"); memory stays bounded since generation 0 is
# still collected every 50,000 allocations.
GC_THRESHOLDS = (50_000, 50, 100)


def collector_tune(*, freeze=False):
    """Set the thresholds; with `freeze`, also move what the process has loaded so far (Django, the
    apps, templates: some 140,000 objects) out of the collector's sight (gc.freeze), so that a full
    collection walks only what the work itself allocates."""
    gc.set_threshold(*GC_THRESHOLDS)
    if freeze:
        gc.collect()
        gc.freeze()
