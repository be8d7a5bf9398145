"""Run service calls "at once": on PostgreSQL each in its own thread and database connection,
released together by a barrier, so that row locks and transactions really meet; on SQLite, which
serialises every writer (and whose in-memory test database is not shared the same way), one after
the other in the order given: the sequential variant, in which the second call still meets the
state the first one left, through objects read before either ran."""
import threading

from django.db import connection


def real_concurrency():
    return connection.vendor == "postgresql"


def at_once(*calls, timeout=60):
    """Call each of `calls` (no arguments); return each one's result, or the exception it raised."""
    outcomes = [None] * len(calls)
    if not real_concurrency():
        for index, call in enumerate(calls):
            try:
                outcomes[index] = call()
            except Exception as error:  # the outcome is what the test asserts
                outcomes[index] = error
        return outcomes
    barrier = threading.Barrier(len(calls))

    def run(index):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = calls[index]()
        except Exception as error:  # the outcome is what the test asserts
            outcomes[index] = error
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a call never finished (deadlock?)"
    return outcomes


def split(outcomes):
    """(results, errors) of `at_once`'s outcomes."""
    errors = [o for o in outcomes if isinstance(o, Exception)]
    return [o for o in outcomes if not isinstance(o, Exception)], errors
