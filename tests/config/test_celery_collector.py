"""Celery's worker collects garbage with the same settings as gunicorn's workers (config/collector.py)."""
import gc

from celery.signals import worker_init

from config.collector import GC_THRESHOLDS


def test_a_starting_worker_sets_the_thresholds_and_freezes_what_it_loaded():
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        gc.unfreeze()
        worker_init.send(sender=None)
        assert gc.get_threshold() == GC_THRESHOLDS
        assert gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
