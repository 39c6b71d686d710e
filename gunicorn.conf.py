"""gunicorn settings that belong to the app rather than to one deployment (``make run`` and
any ``gunicorn wsgi:app`` started from this directory read this file).

gunicorn refuses a header field over ``limit_request_field_size`` (default 8190 bytes) with an
HTML page of its own, before the app can answer. The limit is raised so that an over-long
``Authorization`` header reaches the app, which refuses it early with a problem document
(``api.auth``: 431 HEADER_TOO_LARGE); only fields beyond this larger limit still get
gunicorn's page.
"""

limit_request_field_size = 32768

# --- metrics across workers --------------------------------------------------------------------
# With LANDFLOW_METRICS_DIR set, every worker keeps its Prometheus samples in files there
# (prometheus-client's multiprocess mode) and /metrics, answered by any one worker, adds them
# up. The directory is emptied when the server starts (samples of a previous run would be
# counted again), and a worker's live gauges are dropped when it exits.
import os as _os  # noqa: E402
import shutil as _shutil  # noqa: E402

_metrics_dir = _os.environ.get("LANDFLOW_METRICS_DIR") or _os.environ.get(
    "PROMETHEUS_MULTIPROC_DIR")
if _metrics_dir:
    _os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir


def on_starting(server):  # noqa: ARG001 - gunicorn's hook signature
    if _metrics_dir:
        _shutil.rmtree(_metrics_dir, ignore_errors=True)
        _os.makedirs(_metrics_dir, exist_ok=True)


def child_exit(server, worker):  # noqa: ARG001 - gunicorn's hook signature
    if _metrics_dir:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
