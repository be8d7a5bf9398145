"""Helpers for tests that publish to a broker of their own (a queue, folders or a redis-server)."""
from config.celery import app as celery_app


def reset_producer_pools(app=celery_app):
    """Forget the app's pooled broker connections and its routing, so that the next publish uses the
    current settings: kombu keeps its pools by broker URL and options (a pool of the same broker is
    found again), and Celery computes its routing table and router at the first publish and keeps them
    (task_routes set later would be ignored)."""
    app._pool = None
    app.amqp._producer_pool = None
    app.amqp._rtable = None
    app.amqp.__dict__.pop("router", None)
