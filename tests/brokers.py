"""Helpers for tests that publish to a broker of their own (a queue, folders or a redis-server)."""
import contextlib
import uuid

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


@contextlib.contextmanager
def own_queue(task_name, folder, prefix="test"):
    """Route `task_name` to a queue of this test's own on the configured broker (for the filesystem
    transport, also folders of its own under `folder`), so that no other worker (`make run`, another test
    run on the same Redis) takes its messages and no message left by them reaches this test's worker.
    Yields the queue's name; afterwards the queue is deleted and the app's settings restored."""
    conf = celery_app.conf
    saved = {"broker_transport_options": dict(conf.broker_transport_options or {}), "task_routes": conf.task_routes,
             "task_always_eager": conf.task_always_eager}
    queue = f"{prefix}-{uuid.uuid4().hex}"
    filesystem = conf.broker_url.startswith("filesystem://")
    if filesystem:
        folders = {name: folder / name for name in ("messages", "processed", "control")}
        for path in folders.values():
            path.mkdir(parents=True)
        conf.broker_transport_options = {
            "data_folder_in": str(folders["messages"]), "data_folder_out": str(folders["messages"]),
            "processed_folder": str(folders["processed"]), "control_folder": str(folders["control"]),
            "store_processed": False,
        }
    conf.task_routes = {task_name: {"queue": queue}}
    conf.task_always_eager = False
    reset_producer_pools()
    try:
        yield queue
    finally:
        if not filesystem:
            # Remove the queue and its binding from Redis (a fresh channel knows the binding only once bound).
            with celery_app.connection_for_write() as connection:
                channel = connection.default_channel
                channel.exchange_declare(exchange=queue, type="direct")
                channel.queue_bind(queue, exchange=queue, routing_key=queue)
                channel.queue_delete(queue)
        conf.broker_transport_options = saved["broker_transport_options"]
        conf.task_routes = saved["task_routes"]
        conf.task_always_eager = saved["task_always_eager"]
        queues = celery_app.amqp.queues
        queues.pop(queue, None)
        queues._consume_from = None
        reset_producer_pools()
