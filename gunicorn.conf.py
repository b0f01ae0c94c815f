"""gunicorn settings read from the repository root: metrics shared by every worker, JSON logs.

Prometheus' multiprocess mode needs PROMETHEUS_MULTIPROC_DIR set before the application
imports prometheus_client, so it is set here, in the master, and inherited by every worker.
"""

import os
import shutil
import tempfile

from prometheus_client import multiprocess

# Access lines are JSON too: the message is the request line, and reporting.operations.logs's
# AccessFields adds the fields, the request id the application echoes among them.
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(D)sus'
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": ["asctime", "levelname", "name", "message"],
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "datefmt": "%Y-%m-%dT%H:%M:%S%z",
        },
    },
    "filters": {"access": {"()": "reporting.operations.logs.AccessFields"}},
    "handlers": {
        "error": {
            "class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"
        },
        "access": {
            "class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout",
            "filters": ["access"],
        },
    },
    # The application gives the root logger its own JSON handler (reporting.operations.logs).
    "root": {"level": "INFO", "handlers": []},
    "loggers": {
        "gunicorn.error": {"handlers": ["error"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
    },
}

# A directory of this server's own unless one is given (make run shares one with its worker;
# whoever gives it empties it before starting, as prometheus_client asks).
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
_made_here = not _metrics_dir
if _made_here:
    _metrics_dir = tempfile.mkdtemp(prefix="tsuho-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir


def child_exit(server, worker):  # noqa: ANN001, ANN201
    """Let a dead worker's gauges go (its counters stay counted)."""
    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):  # noqa: ANN001, ANN201
    """Remove the metrics directory made here; one given by the environment is left."""
    if _made_here:
        shutil.rmtree(_metrics_dir, ignore_errors=True)
