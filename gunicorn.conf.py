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
# Every worker keeps its Prometheus samples in files in one directory (prometheus-client's
# multiprocess mode) and /metrics, answered by any one worker, adds them up: the directory is
# LANDFLOW_METRICS_DIR, or with more than one worker and no such setting a temporary directory
# made for this server's life. It is emptied when the server starts (samples of a previous run
# would be counted again), and a worker's live gauges are dropped when it exits. Set here,
# before the workers import the app (the mode is chosen at import; so no --preload with it).
import os as _os  # noqa: E402
import shutil as _shutil  # noqa: E402
import tempfile as _tempfile  # noqa: E402

_metrics_dir = _os.environ.get("LANDFLOW_METRICS_DIR") or _os.environ.get(
    "PROMETHEUS_MULTIPROC_DIR") or ""
_own_metrics_dir = False


def on_starting(server):
    global _metrics_dir, _own_metrics_dir
    if not _metrics_dir and server.cfg.workers > 1:
        _metrics_dir = _tempfile.mkdtemp(prefix="landflow-metrics-")
        _own_metrics_dir = True
    if _metrics_dir:
        _shutil.rmtree(_metrics_dir, ignore_errors=True)
        _os.makedirs(_metrics_dir, exist_ok=True)
        _os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir


def child_exit(server, worker):  # noqa: ARG001 - gunicorn's hook signature
    if _metrics_dir:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def on_exit(server):  # noqa: ARG001 - gunicorn's hook signature
    if _own_metrics_dir:
        _shutil.rmtree(_metrics_dir, ignore_errors=True)


# --- gunicorn's own lines as JSON too -----------------------------------------------------------
# The app writes JSON lines (workflow.observability.logs); gunicorn's own (booting, worker
# timeouts, signals) go through the same formatter so that a collector reads one format.
from gunicorn.glogging import Logger as _Logger  # noqa: E402


class JsonLinesLogger(_Logger):
    def setup(self, cfg):
        super().setup(cfg)
        from workflow.observability.logs import make_formatter

        formatter = make_formatter(_os.environ.get("LANDFLOW_LOG_FORMAT", "json"))
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(formatter)


logger_class = JsonLinesLogger
