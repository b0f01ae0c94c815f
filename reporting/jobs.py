"""The job queue: procrastinate on the application's own PostgreSQL database."""

import procrastinate

from reporting.settings import libpq_url

# Tasks register on this blueprint when their modules are imported; the queue built for an
# application adds them, so importing a task module opens no connection.
tasks = procrastinate.Blueprint()


def create_queue(sqlalchemy_url: str) -> procrastinate.App:
    """Return a job queue on the database; it connects only when opened."""
    queue = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=libpq_url(sqlalchemy_url))
    )
    queue.add_tasks_from(tasks, namespace="tsuho")
    return queue
