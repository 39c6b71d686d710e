"""The README's curl tour runs (issue 14, item 4): a fresh install — configuration written the
way ``make run`` writes it, migrated, seeded, served by gunicorn — carries a parcel from survey
to a registered parcel with a verifiable certificate, and the CLI reaches the server's database
with no export of its own."""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import free_port, wait_until_up
from workflow import config as cfg

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def tour_script() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Carry a parcel from survey to certificate"):]
    match = re.search(r"```sh\n(.*?)```", section, re.S)
    assert match, "no sh block in the README tour"
    return match.group(1)


@pytest.mark.slow
def test_the_readme_tour_reaches_a_registered_parcel_and_a_verifiable_certificate(tmp_path):
    port = free_port()
    clean = {k: v for k, v in os.environ.items()
             if k not in {s.env for s in cfg.SPECS}}
    conf = tmp_path / "landflow.toml"
    # What `make run` does: write the configuration it was given, then migrate, seed, serve
    # with nothing but that file.
    given = {**clean, "DATABASE_URL": f"sqlite:///{tmp_path / 'landflow.sqlite3'}",
             "LANDFLOW_PORT": str(port), "LANDFLOW_SECRET_KEY": "tour-secret",
             "LANDFLOW_CONFIG": "/dev/null"}
    landflow = str(BIN / "landflow")
    subprocess.run([landflow, "config", "--write", str(conf)], env=given, check=True,
                   capture_output=True)
    env = {**clean, "LANDFLOW_CONFIG": str(conf)}
    for step in (["db", "upgrade"], ["seed"]):
        subprocess.run([landflow, *step], env=env, check=True, capture_output=True, cwd=ROOT)
    bind = subprocess.run([landflow, "config", "--get", "port"], env=env, check=True,
                          capture_output=True, text=True).stdout.strip()
    assert bind == str(port)
    server = subprocess.Popen([str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}",
                               "--workers", "1", "wsgi:app"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(port, server)
        work = tmp_path / "work"
        work.mkdir()
        (work / ".venv").symlink_to(BIN.parent)
        script = tour_script().replace("LF=http://127.0.0.1:8000",
                                       f"LF=http://127.0.0.1:{port}")
        assert f"LF=http://127.0.0.1:{port}" in script
        out = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=work,
                             env=env, capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr
        assert '"status": 4' not in out.stdout and '"status": 5' not in out.stdout, out.stdout
        # The last JSON answer before the PDF is the public verification.
        verdict = json.loads(out.stdout[out.stdout.rindex('{"valid"'):])
        assert verdict["valid"] is True, verdict
        assert verdict["number"] == "渝(2026)石柱县不动产权第0000001号"
        assert (work / "certificate.pdf").read_bytes().startswith(b"%PDF")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        token = subprocess.run([landflow, "users", "add", "tour.auditor", "--role", "auditor"],
                               env=env, check=True, capture_output=True,
                               text=True).stdout.strip().splitlines()[-1]
        conn.request("GET", "/api/v1/parcels/1", headers={"Authorization": f"Bearer {token}"})
        parcel = json.loads(conn.getresponse().read())
        conn.close()
        assert parcel["state"] == "registered"
    finally:
        server.terminate()
        server.wait(10)
