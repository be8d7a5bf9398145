"""Celery's worker prepares before its first task: the national calendar read, and the same garbage
collector settings as gunicorn's workers (config/collector.py)."""
import gc

from celery.signals import worker_init

from config.collector import GC_THRESHOLDS


def test_a_starting_worker_reads_the_calendar_sets_the_thresholds_and_freezes_what_it_loaded():
    from delegations.calendar import national_calendar

    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        gc.unfreeze()
        national_calendar.cache_clear()
        worker_init.send(sender=None)
        assert national_calendar.cache_info().currsize == 1
        assert gc.get_threshold() == GC_THRESHOLDS
        assert gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
