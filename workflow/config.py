"""Runtime settings, read once from the environment.

Legal parameters (periods, rates, thresholds) are not here; they live in ``workflow.law``.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_PATH = PROJECT_ROOT / "var" / "landflow.sqlite3"


def _secret_from_file(path: Path) -> str:
    """A server secret kept beside the SQLite file so restarts keep verifying certificates."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    path.write_text(value)
    path.chmod(0o600)
    return value


@dataclass(frozen=True)
class Settings:
    database_url: str = f"sqlite:///{DEFAULT_DB_PATH}"
    secret_key: str = field(default="", repr=False)
    timezone: str = "Asia/Shanghai"
    # Bodies above this are refused with 413 before they are parsed.
    max_body_bytes: int = 256 * 1024
    public_base_url: str = "http://127.0.0.1:8000"
    pool_size: int = 10
    echo_sql: bool = False
    # Failed authentications allowed per client address, and per presented token, per minute
    # before 429 (a valid token is never refused for them).
    auth_failures_per_minute: int = 20
    # Wrong certificate numbers or codes a client may try per minute before 429.
    verify_failures_per_minute: int = 10
    # How many proxies in front of the app set X-Forwarded-For/-Proto (werkzeug's ProxyFix);
    # 0: the headers are ignored and the peer address is the client's.
    trusted_proxies: int = 0
    # Webhook delivery.
    webhook_backoff_base_s: float = 2.0
    webhook_backoff_max_s: float = 300.0
    webhook_max_failures: int = 8
    webhook_timeout_s: float = 5.0
    # The whole of one post, name resolution to status line; under half the 60 s lease.
    webhook_deadline_s: float = 20.0
    # Non-public networks webhooks may reach (comma-separated CIDRs), and the ports they may use.
    webhook_private_networks: str = ""
    webhook_ports: str = "80,443,8080,8443"
    # The browser console: how long a sign-in lasts, and whether its cookies are sent over
    # HTTPS only (turn off only for plain-HTTP use away from localhost).
    console_session_minutes: int = 480
    console_cookie_secure: bool = True
    # --- operations (issue 14 items 9-13) ---
    # /metrics: a bearer token that may scrape it from anywhere, and the client networks that
    # may scrape it without one (comma-separated CIDRs). With neither, /metrics is 404.
    metrics_token: str = field(default="", repr=False)
    metrics_networks: str = "127.0.0.0/8,::1/128"
    # gunicorn with several workers: a directory the workers share their samples through
    # (prometheus-client's multiprocess mode; emptied by gunicorn.conf.py at start).
    metrics_dir: str = ""
    # Logs: "json" (one JSON object a line, for a collector) or "console" (for a person).
    log_format: str = "json"
    log_level: str = "INFO"
    # Documents: where their bytes live ("local": a directory; "s3": an S3-compatible bucket,
    # needs the optional extra ``landflow[s3]``), and the largest file accepted.
    documents_store: str = "local"
    documents_dir: str = str(PROJECT_ROOT / "var" / "documents")
    documents_max_bytes: int = 20 * 1024 * 1024
    s3_bucket: str = ""
    s3_prefix: str = "documents/"
    s3_endpoint_url: str = ""
    s3_region: str = ""
    # Where pg_dump and pg_restore are (``landflow backup``/``restore`` on PostgreSQL).
    pg_bin_dir: str = "/usr/lib/postgresql/15/bin"

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        env = os.environ
        url = env.get("DATABASE_URL") or f"sqlite:///{DEFAULT_DB_PATH}"
        secret = env.get("LANDFLOW_SECRET_KEY") or ""
        if not secret:
            secret = _secret_from_file(PROJECT_ROOT / "var" / "secret_key")
        values: dict[str, object] = {
            "database_url": url,
            "secret_key": secret,
            "timezone": env.get("LANDFLOW_TIMEZONE", "Asia/Shanghai"),
            "max_body_bytes": int(env.get("LANDFLOW_MAX_BODY_BYTES", 256 * 1024)),
            "public_base_url": env.get("LANDFLOW_PUBLIC_URL", "http://127.0.0.1:8000"),
            "pool_size": int(env.get("LANDFLOW_DB_POOL_SIZE", 10)),
            "echo_sql": env.get("LANDFLOW_ECHO_SQL", "") == "1",
            "auth_failures_per_minute": int(env.get("LANDFLOW_AUTH_FAILURES_PER_MINUTE", 20)),
            "trusted_proxies": int(env.get("LANDFLOW_TRUSTED_PROXIES", 0)),
            "verify_failures_per_minute": int(env.get("LANDFLOW_VERIFY_FAILURES_PER_MINUTE",
                                                      10)),
            "webhook_backoff_base_s": float(env.get("LANDFLOW_WEBHOOK_BACKOFF_BASE_S", 2.0)),
            "webhook_backoff_max_s": float(env.get("LANDFLOW_WEBHOOK_BACKOFF_MAX_S", 300.0)),
            "webhook_max_failures": int(env.get("LANDFLOW_WEBHOOK_MAX_FAILURES", 8)),
            "webhook_timeout_s": float(env.get("LANDFLOW_WEBHOOK_TIMEOUT_S", 5.0)),
            "webhook_deadline_s": float(env.get("LANDFLOW_WEBHOOK_DEADLINE_S", 20.0)),
            "webhook_private_networks": env.get("LANDFLOW_WEBHOOK_PRIVATE_NETWORKS", ""),
            "webhook_ports": env.get("LANDFLOW_WEBHOOK_PORTS", "80,443,8080,8443"),
            "console_session_minutes": int(env.get("LANDFLOW_CONSOLE_SESSION_MINUTES", 480)),
            "console_cookie_secure": env.get("LANDFLOW_CONSOLE_COOKIE_SECURE", "1") != "0",
            **_operations_from_env(env),
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]


def _operations_from_env(env: os._Environ[str] | dict[str, str]) -> dict[str, object]:
    """The operations settings (metrics, logs, documents, backups), each from its variable."""
    return {
        "metrics_token": env.get("LANDFLOW_METRICS_TOKEN", ""),
        "metrics_networks": env.get("LANDFLOW_METRICS_NETWORKS", "127.0.0.0/8,::1/128"),
        "metrics_dir": metrics_dir_from_env(env),
        "log_format": env.get("LANDFLOW_LOG_FORMAT", "json"),
        "log_level": env.get("LANDFLOW_LOG_LEVEL", "INFO"),
        "documents_store": env.get("LANDFLOW_DOCUMENTS_STORE", "local"),
        "documents_dir": env.get("LANDFLOW_DOCUMENTS_DIR",
                                 str(PROJECT_ROOT / "var" / "documents")),
        "documents_max_bytes": int(env.get("LANDFLOW_DOCUMENTS_MAX_BYTES", 20 * 1024 * 1024)),
        "s3_bucket": env.get("LANDFLOW_S3_BUCKET", ""),
        "s3_prefix": env.get("LANDFLOW_S3_PREFIX", "documents/"),
        "s3_endpoint_url": env.get("LANDFLOW_S3_ENDPOINT_URL", ""),
        "s3_region": env.get("LANDFLOW_S3_REGION", ""),
        "pg_bin_dir": env.get("LANDFLOW_PG_BIN_DIR", "/usr/lib/postgresql/15/bin"),
    }


def metrics_dir_from_env(env: os._Environ[str] | dict[str, str] | None = None) -> str:
    """``LANDFLOW_METRICS_DIR``, or prometheus-client's own ``PROMETHEUS_MULTIPROC_DIR``.

    Read before prometheus-client is imported (``workflow.observability.metrics``): the
    library picks its multiprocess mode from the environment at import time."""
    env = os.environ if env is None else env
    return env.get("LANDFLOW_METRICS_DIR") or env.get("PROMETHEUS_MULTIPROC_DIR") or ""
