"""A WSGI app that answers with the garbage collector's thresholds of the worker serving it, and how
many objects it has frozen (gc.freeze)."""
import gc


def application(environ, start_response):
    body = (",".join(str(n) for n in gc.get_threshold()) + f";{gc.get_freeze_count()}").encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
