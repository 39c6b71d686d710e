"""Runtime settings: one table of them (``SPECS``), read by the server and by every ``landflow``
command alike, from the environment over an optional configuration file over the defaults.

The file is TOML (``landflow.toml`` in the project directory, or the file ``LANDFLOW_CONFIG``
names), with the settings' own names as keys::

    database_url = "postgresql://landflow@db.example:5432/landflow"
    public_url = "https://landflow.shizhu.gov.cn"

``make run`` writes the file it used (``landflow config --write landflow.toml``), so that a
later ``landflow users add`` talks to the server's database without any export. The README's
configuration table is generated from ``SPECS`` (``landflow config --markdown``) and a test
keeps the two equal.

Legal parameters (periods, rates, thresholds) are not here; they live in ``workflow.law``.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_PATH = PROJECT_ROOT / "var" / "landflow.sqlite3"
DEFAULT_CONFIG_FILE = PROJECT_ROOT / "landflow.toml"
CONFIG_ENV = "LANDFLOW_CONFIG"


class ConfigError(ValueError):
    """A setting that cannot be read: the message says which and why, in one sentence."""


def _secret_from_file(path: Path) -> str:
    """A server secret kept beside the SQLite file so restarts keep verifying certificates."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    path.write_text(value)
    path.chmod(0o600)
    return value


# --- the table of settings ------------------------------------------------------------------


def _bool(text: str) -> bool:
    t = text.strip().lower()
    if t in ("1", "true", "yes", "on"):
        return True
    if t in ("", "0", "false", "no", "off"):
        return False
    raise ValueError(f"not a yes/no value: {text!r}")


@dataclass(frozen=True)
class Spec:
    """One setting: its name (the ``Settings`` field and the TOML key), its environment
    variable, its type, its default (as the README shows it) and what it means."""

    name: str
    env: str
    kind: type
    default_doc: str
    meaning: str
    secret: bool = False
    # Read from the environment only (not from the file, not a Settings field).
    env_only: bool = False

    def parse(self, raw: Any, origin: str) -> Any:
        if isinstance(raw, self.kind) and not (self.kind is int and isinstance(raw, bool)):
            return raw
        if self.kind is float and isinstance(raw, int) and not isinstance(raw, bool):
            return float(raw)
        try:
            if self.kind is bool:
                return _bool(str(raw))
            return self.kind(str(raw).strip()) if self.kind is not str else str(raw)
        except ValueError:
            raise ConfigError(f"{origin}: {self.name} must be {self.kind.__name__}, "
                              f"not {raw!r}") from None


SPECS: tuple[Spec, ...] = (
    Spec("database_url", "DATABASE_URL", str, "`sqlite:///<repo>/var/landflow.sqlite3`",
         "SQLite file or PostgreSQL (`postgresql://…`, psycopg 3)", secret=True),
    Spec("create_database", "LANDFLOW_CREATE_DATABASE", bool, "`true`",
         "`landflow db upgrade` creates a PostgreSQL database that does not exist yet "
         "(when the role may); with `false` it says what to do instead"),
    Spec("pool_size", "LANDFLOW_DB_POOL_SIZE", int, "`10`",
         "PostgreSQL connections kept per process (as many again may overflow)"),
    Spec("echo_sql", "LANDFLOW_ECHO_SQL", bool, "`false`",
         "log every SQL statement (debugging only)"),
    Spec("host", "LANDFLOW_HOST", str, "`127.0.0.1`",
         "where `make run` binds gunicorn (`make run HOST=…` sets it)"),
    Spec("port", "LANDFLOW_PORT", int, "`8000`", "its port (`make run PORT=…`)"),
    Spec("workers", "LANDFLOW_WORKERS", int, "`2`", "gunicorn workers (`make run WORKERS=…`)"),
    Spec("public_url", "LANDFLOW_PUBLIC_URL", str, "`http://<host>:<port>`",
         "the address citizens reach the server at: certificate QR codes point there"),
    Spec("secret_key", "LANDFLOW_SECRET_KEY", str, "generated into `var/secret_key`",
         "server secret (certificate verification codes)", secret=True),
    Spec("timezone", "LANDFLOW_TIMEZONE", str, "`Asia/Shanghai`",
         "what \"today\" means for effective dates"),
    Spec("max_body_bytes", "LANDFLOW_MAX_BODY_BYTES", int, "`262144`",
         "larger request bodies get 413"),
    Spec("auth_failures_per_minute", "LANDFLOW_AUTH_FAILURES_PER_MINUTE", int, "`20`",
         "failed authentications per client address, and per presented token, before 429"),
    Spec("verify_failures_per_minute", "LANDFLOW_VERIFY_FAILURES_PER_MINUTE", int, "`10`",
         "wrong certificate numbers or codes per client before `/verify` answers 429"),
    Spec("trusted_proxies", "LANDFLOW_TRUSTED_PROXIES", int, "`0`",
         "proxies in front of the app whose `X-Forwarded-For`/`-Proto` are believed (werkzeug "
         "`ProxyFix`); with 0 the headers are ignored"),
    Spec("webhook_backoff_base_s", "LANDFLOW_WEBHOOK_BACKOFF_BASE_S", float, "`2.0`",
         "first retry delay of a failed webhook post; doubles each failure, with jitter"),
    Spec("webhook_backoff_max_s", "LANDFLOW_WEBHOOK_BACKOFF_MAX_S", float, "`300.0`",
         "longest retry delay"),
    Spec("webhook_max_failures", "LANDFLOW_WEBHOOK_MAX_FAILURES", int, "`8`",
         "failures in a row that suspend a subscription"),
    Spec("webhook_timeout_s", "LANDFLOW_WEBHOOK_TIMEOUT_S", float, "`5.0`",
         "one socket operation of a webhook post"),
    Spec("webhook_deadline_s", "LANDFLOW_WEBHOOK_DEADLINE_S", float, "`20.0`",
         "a whole post, name resolution to status line (at most half the 60 s lease)"),
    Spec("webhook_private_networks", "LANDFLOW_WEBHOOK_PRIVATE_NETWORKS", str, "—",
         "CIDRs webhooks may reach besides public addresses, e.g. `10.20.0.0/16` (loopback, "
         "private and link-local are refused otherwise; cloud metadata always)"),
    Spec("webhook_ports", "LANDFLOW_WEBHOOK_PORTS", str, "`80,443,8080,8443`",
         "ports webhooks may be sent to (ranges like `8000-8999` allowed)"),
    Spec("console_session_minutes", "LANDFLOW_CONSOLE_SESSION_MINUTES", int, "`480`",
         "how long a console sign-in lasts"),
    Spec("console_cookie_secure", "LANDFLOW_CONSOLE_COOKIE_SECURE", bool, "`true`",
         "console cookies are `Secure` (browsers keep them on `https://` and on "
         "`http://127.0.0.1`/`localhost`); `false` only for plain HTTP elsewhere"),
    Spec("metrics_token", "LANDFLOW_METRICS_TOKEN", str, "—",
         "a bearer token that may read `/metrics` from any address", secret=True),
    Spec("metrics_networks", "LANDFLOW_METRICS_NETWORKS", str, "`127.0.0.0/8,::1/128`",
         "client networks that may read `/metrics` without the token (empty: token "
         "only; neither: no `/metrics`)"),
    Spec("metrics_dir", "LANDFLOW_METRICS_DIR", str,
         "— (gunicorn with several workers: a temporary directory)",
         "the directory gunicorn's workers share their metrics through (prometheus-client "
         "multiprocess mode; emptied at server start); set it so that `landflow deliver` and "
         "`sweep` count into the same figures. Read from the environment only when the "
         "process starts"),
    Spec("log_format", "LANDFLOW_LOG_FORMAT", str, "`json`",
         "log lines on stderr: one JSON object a line, or `console` for a person at a terminal"),
    Spec("log_level", "LANDFLOW_LOG_LEVEL", str, "`INFO`",
         "the lowest level logged (`landflow` commands: `WARNING` unless set in the "
         "environment)"),
    Spec("documents_store", "LANDFLOW_DOCUMENTS_STORE", str, "`local`",
         "where documents' bytes live: `local` (a directory) or `s3` (an S3-compatible "
         "bucket; `pip install 'landflow[s3]'`, credentials from the usual `AWS_*` variables)"),
    Spec("documents_dir", "LANDFLOW_DOCUMENTS_DIR", str, "`<repo>/var/documents`",
         "the local store's directory"),
    Spec("documents_max_bytes", "LANDFLOW_DOCUMENTS_MAX_BYTES", int, "`20971520` (20 MiB)",
         "the largest document accepted (413 `DOCUMENT_TOO_LARGE`); upload endpoints "
         "only, the JSON API keeps `max_body_bytes`"),
    Spec("s3_bucket", "LANDFLOW_S3_BUCKET", str, "—", "the S3 bucket of the document store"),
    Spec("s3_prefix", "LANDFLOW_S3_PREFIX", str, "`documents/`", "key prefix in that bucket"),
    Spec("s3_endpoint_url", "LANDFLOW_S3_ENDPOINT_URL", str, "—",
         "the endpoint of an S3-compatible service (MinIO, Ceph…)"),
    Spec("s3_region", "LANDFLOW_S3_REGION", str, "—", "the bucket's region"),
    Spec("pg_bin_dir", "LANDFLOW_PG_BIN_DIR", str, "`/usr/lib/postgresql/15/bin`",
         "where `pg_dump`/`pg_restore` are (else `PATH`) for `landflow backup`/`restore`"),
    Spec("config", CONFIG_ENV, str, "`<repo>/landflow.toml` if present",
         "the configuration file (TOML, keys as in the first column)", env_only=True),
    Spec("law_overrides", "LANDFLOW_LAW_OVERRIDES", str, "—",
         "a JSON file overriding legal parameters by key (tests and dry runs of a changed "
         "notice only)", env_only=True),
)

SPEC_BY_NAME: dict[str, Spec] = {s.name: s for s in SPECS}


@dataclass(frozen=True)
class Settings:
    database_url: str = f"sqlite:///{DEFAULT_DB_PATH}"
    secret_key: str = field(default="", repr=False)
    timezone: str = "Asia/Shanghai"
    # Bodies above this are refused with 413 before they are parsed.
    max_body_bytes: int = 256 * 1024
    public_url: str = "http://127.0.0.1:8000"
    pool_size: int = 10
    echo_sql: bool = False
    create_database: bool = True
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 2
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

    @property
    def public_base_url(self) -> str:
        return self.public_url

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """The settings in force: environment over the configuration file over defaults."""
        values = {k: v for k, (v, _) in resolve().items() if k in _FIELD_OF}
        kwargs: dict[str, object] = {_FIELD_OF[k]: v for k, v in values.items()}
        kwargs.update(overrides)
        return cls(**kwargs)  # type: ignore[arg-type]


# The specs that are Settings fields (all but the environment-only ones).
_FIELD_OF: dict[str, str] = {s.name: s.name for s in SPECS if not s.env_only}
assert set(_FIELD_OF.values()) <= {f.name for f in fields(Settings)}


def config_path(env: Mapping[str, str] | None = None) -> tuple[Path | None, bool]:
    """The configuration file to read, and whether it was named explicitly."""
    env = os.environ if env is None else env
    named = env.get(CONFIG_ENV)
    if named:
        return Path(named).expanduser(), True
    return (DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.exists() else None), False


def read_file(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{CONFIG_ENV} names {path}, which does not exist") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path} is not valid TOML: {err}") from None
    unknown = sorted(k for k in data if k not in SPEC_BY_NAME or SPEC_BY_NAME[k].env_only)
    if unknown:
        raise ConfigError(f"{path}: unknown settings {', '.join(unknown)} "
                          f"(known: {', '.join(_FIELD_OF)})")
    return data


def resolve(env: Mapping[str, str] | None = None) -> dict[str, tuple[Any, str]]:
    """Every setting's value and where it came from (``env``, the file's path, ``default``)."""
    env = os.environ if env is None else env
    path, _ = config_path(env)
    from_file = read_file(path) if path is not None else {}
    out: dict[str, tuple[Any, str]] = {}
    for spec in SPECS:
        raw = env.get(spec.env)
        if raw is not None and raw != "":
            out[spec.name] = (spec.parse(raw, spec.env), "env")
        elif spec.name in from_file:
            out[spec.name] = (spec.parse(from_file[spec.name], str(path)), str(path))
        else:
            out[spec.name] = (None, "default")
    for name, compute in _DEFAULTS.items():
        value, source = out[name]
        if source == "default":
            out[name] = (compute(out), "default")
    return out


def _public_url(values: dict[str, tuple[Any, str]]) -> str:
    host = values["host"][0]
    # A wildcard bind address is no address to print on a certificate.
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{values['port'][0]}"


def _secret(values: dict[str, tuple[Any, str]]) -> str:
    return _secret_from_file(PROJECT_ROOT / "var" / "secret_key")


_DEFAULTS: dict[str, Callable[[dict[str, tuple[Any, str]]], Any]] = {
    "database_url": lambda _: f"sqlite:///{DEFAULT_DB_PATH}",
    "create_database": lambda _: True,
    "pool_size": lambda _: 10,
    "echo_sql": lambda _: False,
    "host": lambda _: "127.0.0.1",
    "port": lambda _: 8000,
    "workers": lambda _: 2,
    "public_url": _public_url,
    "secret_key": _secret,
    "timezone": lambda _: "Asia/Shanghai",
    "max_body_bytes": lambda _: 256 * 1024,
    "auth_failures_per_minute": lambda _: 20,
    "verify_failures_per_minute": lambda _: 10,
    "trusted_proxies": lambda _: 0,
    "webhook_backoff_base_s": lambda _: 2.0,
    "webhook_backoff_max_s": lambda _: 300.0,
    "webhook_max_failures": lambda _: 8,
    "webhook_timeout_s": lambda _: 5.0,
    "webhook_deadline_s": lambda _: 20.0,
    "webhook_private_networks": lambda _: "",
    "webhook_ports": lambda _: "80,443,8080,8443",
    "console_session_minutes": lambda _: 480,
    "console_cookie_secure": lambda _: True,
    "metrics_token": lambda _: "",
    "metrics_networks": lambda _: "127.0.0.0/8,::1/128",
    "metrics_dir": lambda _: os.environ.get("PROMETHEUS_MULTIPROC_DIR", ""),
    "log_format": lambda _: "json",
    "log_level": lambda _: "INFO",
    "documents_store": lambda _: "local",
    "documents_dir": lambda _: str(PROJECT_ROOT / "var" / "documents"),
    "documents_max_bytes": lambda _: 20 * 1024 * 1024,
    "s3_bucket": lambda _: "",
    "s3_prefix": lambda _: "documents/",
    "s3_endpoint_url": lambda _: "",
    "s3_region": lambda _: "",
    "pg_bin_dir": lambda _: "/usr/lib/postgresql/15/bin",
    "config": lambda _: "",
    "law_overrides": lambda _: "",
}
assert set(_DEFAULTS) == set(SPEC_BY_NAME)


# --- showing and writing them ---------------------------------------------------------------


def mask(spec: Spec, value: Any) -> str:
    """A value as ``landflow config`` prints it: secrets hidden (a URL keeps all but its
    password)."""
    text = "" if value is None else str(value)
    if not spec.secret or not text:
        return text
    if "://" in text:
        scheme, rest = text.split("://", 1)
        if "@" not in rest:
            return text
        creds, host = rest.rsplit("@", 1)
        user, _, password = creds.partition(":")
        return f"{scheme}://{user}{':***' if password else ''}@{host}"
    return "***"


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = "".join(c if c >= " " else f"\\u{ord(c):04x}" for c in escaped)
    return f'"{escaped}"'


def toml_text(values: dict[str, tuple[Any, str]]) -> str:
    """The settings that are not at their default, as a configuration file."""
    lines = ["# Landflow configuration, read by the server and every `landflow` command.",
             "# Environment variables override it; `landflow config` shows what is in force.",
             ""]
    for spec in SPECS:
        value, source = values[spec.name]
        if spec.env_only or source == "default":
            continue
        lines.append(f"# {spec.env}: {spec.meaning}")
        lines.append(f"{spec.name} = {toml_value(value)}")
    return "\n".join(lines) + "\n"


def write_file(path: Path, values: dict[str, tuple[Any, str]]) -> None:
    """Write the configuration (it may hold secrets: readable by its owner only)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(toml_text(values), encoding="utf-8")
    tmp.chmod(0o600)
    tmp.replace(path)


def markdown_table() -> str:
    """The README's configuration table."""
    lines = ["| setting (file key) | environment variable | default | meaning |",
             "|---|---|---|---|"]
    for s in SPECS:
        key = "—" if s.env_only else f"`{s.name}`"
        lines.append(f"| {key} | `{s.env}` | {s.default_doc} | {s.meaning} |")
    return "\n".join(lines) + "\n"


def metrics_dir_from_env(env: os._Environ[str] | dict[str, str] | None = None) -> str:
    """``LANDFLOW_METRICS_DIR``, or prometheus-client's own ``PROMETHEUS_MULTIPROC_DIR``.

    Read before prometheus-client is imported (``workflow.observability.metrics``): the
    library picks its multiprocess mode from the environment at import time."""
    env = os.environ if env is None else env
    return env.get("LANDFLOW_METRICS_DIR") or env.get("PROMETHEUS_MULTIPROC_DIR") or ""
