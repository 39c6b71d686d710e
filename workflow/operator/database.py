"""The database the configuration names: created when it does not exist yet and the server
lets us, and otherwise one sentence that says what is wrong and what to do — never a driver's
traceback.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from workflow.runtime import normalise_url

_MISSING = re.compile(r'database "([^"]+)" does not exist')


class DatabaseUnavailable(Exception):
    """The database cannot be used; the message is one sentence, Chinese then English."""


def _where(url: str) -> str:
    u = make_url(normalise_url(url))
    return f"{u.host or 'localhost'}:{u.port or 5432}"


def explain(err: BaseException, url: str) -> str:
    """One sentence for a failure to connect, naming the database and what to do."""
    message = str(getattr(err, "orig", None) or err)
    if url.startswith("sqlite"):
        path = make_url(url).database or ""
        return (f"无法打开 SQLite 数据库 {path}：请检查目录是否存在且可写 / cannot open the SQLite "
                f"database {path}: check that its directory exists and is writable")
    u = make_url(normalise_url(url))
    where, user = _where(url), u.username or "(current user)"
    if m := _MISSING.search(message):
        name = m.group(1)
        return (f"数据库 {name} 不存在：请执行 `landflow db upgrade` 创建，或请数据库管理员执行 "
                f"`createdb -O {user} {name}` / the database {name} does not exist on {where}: "
                f"run `landflow db upgrade` to create it, or ask the database administrator to "
                f"run `createdb -O {user} {name}`")
    if "Connection refused" in message or "could not translate host name" in message or \
            "timeout" in message.lower():
        return (f"无法连接 PostgreSQL {where}：服务是否已启动、地址是否正确？ / cannot reach "
                f"PostgreSQL at {where}: is the server running and DATABASE_URL right?")
    if "password authentication failed" in message or re.search(r'role "[^"]+" does not exist',
                                                                 message):
        return (f"PostgreSQL {where} 拒绝了用户 {user}：请检查 DATABASE_URL 中的用户名和密码 / "
                f"PostgreSQL at {where} refused the user {user}: check the user and password in "
                f"DATABASE_URL")
    first = message.strip().splitlines()[0] if message.strip() else type(err).__name__
    return (f"无法连接数据库 {where} / cannot connect to the database at {where}: {first}")


def ensure_database(url: str, *, create: bool = True) -> str | None:
    """Make sure the configured database can be opened. A SQLite file's directory is made; a
    PostgreSQL database that does not exist is created when ``create`` is on and the role may
    (``CREATEDB``). Returns what was done (or None); raises ``DatabaseUnavailable`` with one
    sentence otherwise."""
    if url.startswith("sqlite"):
        path = make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return None
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect():
            return None
    except DBAPIError as err:
        m = _MISSING.search(str(err.orig))
        if not m:
            raise DatabaseUnavailable(explain(err, url)) from None
        name = m.group(1)
    finally:
        engine.dispose()
    if not create:
        raise DatabaseUnavailable(explain_missing(url, name, "LANDFLOW_CREATE_DATABASE=false"))
    return _create(url, name)


def explain_missing(url: str, name: str, why: str) -> str:
    user = make_url(normalise_url(url)).username or "(current user)"
    return (f"数据库 {name} 不存在，且未能创建（{why}）：请数据库管理员执行 `createdb -O {user} "
            f"{name}` 后重试 / the database {name} does not exist on {_where(url)} and was not "
            f"created ({why}): ask the database administrator to run `createdb -O {user} "
            f"{name}`, then try again")


def _create(url: str, name: str) -> str:
    u = make_url(normalise_url(url))
    quoted = '"' + name.replace('"', '""') + '"'
    last: DBAPIError | None = None
    # The maintenance database to connect to while ours does not exist yet.
    for maintenance in ("postgres", "template1"):
        admin = create_engine(u.set(database=maintenance), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f"CREATE DATABASE {quoted}"))
            return f"created the database {name} on {_where(url)}"
        except DBAPIError as err:
            last = err
            state = getattr(err.orig, "sqlstate", None)
            if state == "42501":  # insufficient_privilege
                raise DatabaseUnavailable(explain_missing(
                    url, name, f"用户 {u.username} 无 CREATEDB 权限 / the role {u.username} may "
                               "not create databases")) from None
            if state == "42P04":  # duplicate_database: someone else just made it
                return f"the database {name} now exists on {_where(url)}"
        finally:
            admin.dispose()
    assert last is not None
    raise DatabaseUnavailable(explain_missing(url, name, str(last.orig).strip().splitlines()[0]))
