"""One configuration for the server and the command line (issue 14, item 1): the environment
over ``landflow.toml`` over the defaults, shown by ``landflow config`` with secrets masked; the
README's table is generated from the same ``SPECS``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from workflow import config as cfg
from workflow.config import ConfigError, Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def clean_env(monkeypatch):
    for spec in cfg.SPECS:
        monkeypatch.delenv(spec.env, raising=False)
    monkeypatch.setenv("LANDFLOW_SECRET_KEY", "s3cret-key")
    return monkeypatch


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "landflow.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_file_is_read_and_the_environment_overrides_it(clean_env, tmp_path):
    path = write(tmp_path, 'database_url = "sqlite:////tmp/from-file.sqlite3"\n'
                           'public_url = "https://landflow.example.cn"\npool_size = 4\n')
    clean_env.setenv("LANDFLOW_CONFIG", str(path))
    s = Settings.from_env()
    assert s.database_url == "sqlite:////tmp/from-file.sqlite3"
    assert s.public_url == "https://landflow.example.cn" and s.pool_size == 4
    clean_env.setenv("LANDFLOW_DB_POOL_SIZE", "7")
    assert Settings.from_env().pool_size == 7
    sources = cfg.resolve()
    assert sources["pool_size"] == (7, "env") and sources["public_url"][1] == str(path)
    assert sources["timezone"] == ("Asia/Shanghai", "default")


def test_public_url_defaults_to_the_bound_address(clean_env):
    clean_env.setenv("LANDFLOW_CONFIG", "/dev/null")
    clean_env.setenv("LANDFLOW_HOST", "10.1.2.3")
    clean_env.setenv("LANDFLOW_PORT", "9000")
    assert Settings.from_env().public_url == "http://10.1.2.3:9000"


def test_an_unknown_key_or_a_wrong_type_is_one_clear_error(clean_env, tmp_path):
    clean_env.setenv("LANDFLOW_CONFIG", str(write(tmp_path, 'databse_url = "x"\n')))
    with pytest.raises(ConfigError, match="unknown settings databse_url"):
        Settings.from_env()
    clean_env.setenv("LANDFLOW_CONFIG", str(write(tmp_path, 'pool_size = "many"\n')))
    with pytest.raises(ConfigError, match="pool_size must be int"):
        Settings.from_env()
    clean_env.setenv("LANDFLOW_CONFIG", str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match="does not exist"):
        Settings.from_env()


def test_landflow_config_masks_secrets_and_says_where_each_value_comes_from(clean_env, tmp_path):
    from api.cli import cli

    path = write(tmp_path, 'database_url = "postgresql://lf:hunter2@db:5432/landflow"\n')
    clean_env.setenv("LANDFLOW_CONFIG", str(path))
    out = CliRunner().invoke(cli, ["config"])
    assert out.exit_code == 0, out.output
    assert "hunter2" not in out.output and "s3cret-key" not in out.output
    assert re.search(r"database_url\s+= postgresql://lf:\*\*\*@db:5432/landflow\s+\[" +
                     re.escape(str(path)), out.output)
    assert re.search(r"secret_key\s+= \*\*\*\s+\[env; LANDFLOW_SECRET_KEY\]", out.output)


def test_config_write_gives_later_commands_the_same_settings(clean_env, tmp_path):
    from api.cli import cli

    clean_env.setenv("DATABASE_URL", "postgresql://lf@db:5432/landflow")
    clean_env.setenv("LANDFLOW_PUBLIC_URL", "https://landflow.example.cn")
    target = tmp_path / "landflow.toml"
    assert CliRunner().invoke(cli, ["config", "--write", str(target)]).exit_code == 0
    assert target.stat().st_mode & 0o077 == 0  # it may hold secrets
    clean_env.delenv("DATABASE_URL")
    clean_env.delenv("LANDFLOW_PUBLIC_URL")
    clean_env.setenv("LANDFLOW_CONFIG", str(target))
    s = Settings.from_env()
    assert s.database_url == "postgresql://lf@db:5432/landflow"
    assert s.public_url == "https://landflow.example.cn"
    got = CliRunner().invoke(cli, ["config", "--get", "database_url"])
    assert got.output.strip() == "postgresql://lf@db:5432/landflow"


def test_the_cli_writes_accounts_into_the_database_the_configuration_names(clean_env, tmp_path):
    """The issue: the server on one database, `landflow users add` on another."""
    from api import create_app
    from api.cli import cli
    from workflow.accounts.services import authenticate
    from workflow.operator.migrate import upgrade
    from workflow.runtime import Runtime

    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    upgrade(url)
    clean_env.setenv("LANDFLOW_CONFIG", str(write(tmp_path, f'database_url = "{url}"\n')))
    out = CliRunner().invoke(cli, ["users", "add", "li.clerk", "--role", "clerk"])
    assert out.exit_code == 0, out.output
    token = out.output.strip().splitlines()[-1]
    server = create_app()  # what wsgi.py builds
    rt: Runtime = server.extensions["landflow"]
    assert rt.settings.database_url == url
    assert authenticate(rt.reader(), token).role == "clerk"
    rt.engine.dispose()


def test_help_shows_no_flask_env_file_noise():
    from api.cli import cli

    out = CliRunner().invoke(cli, ["--help"])
    assert out.exit_code == 0
    assert "--env-file" not in out.output and "--app" not in out.output
    assert "config" in out.output and "users" in out.output


def test_the_readme_configuration_table_is_the_one_generated_from_the_specs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    begin = readme.index("<!-- settings table:")
    begin = readme.index("\n", begin) + 1
    end = readme.index("<!-- end of settings table -->")
    assert readme[begin:end] == cfg.markdown_table(), \
        "README configuration table is stale: paste `landflow config --markdown`"


def test_every_setting_is_documented_and_read():
    fields = set(Settings.__dataclass_fields__)
    assert {s.name for s in cfg.SPECS if not s.env_only} == fields
    assert all(s.meaning and s.default_doc for s in cfg.SPECS)


def test_a_broken_configuration_is_one_line_not_a_traceback(clean_env, tmp_path):
    from api.cli import cli

    clean_env.setenv("LANDFLOW_CONFIG", str(write(tmp_path, "pool_size = [1, 2]\n")))
    out = CliRunner().invoke(cli, ["users", "list"])
    assert out.exit_code == 1
    assert "configuration:" in out.output and "pool_size must be int" in out.output
    assert "Traceback" not in out.output
