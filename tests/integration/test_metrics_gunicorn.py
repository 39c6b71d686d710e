"""/metrics under gunicorn with several workers: whichever worker answers the scrape, it
counts every worker's requests (``LANDFLOW_METRICS_DIR``, prometheus-client's multiprocess
mode)."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.test_gunicorn import ROOT
from tests.servers import free_port
from workflow.operator.migrate import upgrade


def _get(port: int, path: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, r.read().decode()
    finally:
        conn.close()


def _healthz_count(text: str) -> float:
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == "landflow_http_request_duration_seconds_count" and \
                    s.labels == {"method": "GET", "route": "/healthz", "status": "200"}:
                return s.value
    return 0.0


@pytest.mark.parametrize("setting", ["LANDFLOW_METRICS_DIR", "nothing"])
def test_every_worker_counts_in_one_scrape(tmp_path: Path, setting: str) -> None:
    """With the directory set, and with nothing set (gunicorn.conf.py makes one for a server
    with several workers)."""
    url = f"sqlite:///{tmp_path / 'landflow.sqlite3'}"
    upgrade(url)
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    (metrics_dir / "counter_99999.db").write_bytes(b"stale")  # emptied at start
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("PROMETHEUS_MULTIPROC_DIR", "LANDFLOW_METRICS_DIR")}
    env.update({"DATABASE_URL": url, "LANDFLOW_SECRET_KEY": "test-secret"})
    if setting == "LANDFLOW_METRICS_DIR":
        env["LANDFLOW_METRICS_DIR"] = str(metrics_dir)
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    log = (tmp_path / "stderr.log").open("w+")
    proc = subprocess.Popen([gunicorn, "--bind", f"127.0.0.1:{port}", "--workers", "3",
                             "wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=log)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(port, "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline and proc.poll() is None, "gunicorn did not start"
            time.sleep(0.2)
        # what the start-up probes counted (one may have been answered after its client gave up)
        status, text = _get(port, "/metrics")
        assert status == 200
        sent = _healthz_count(text)
        assert sent >= 1
        for _ in range(29):
            assert _get(port, "/healthz")[0] == 200
            sent += 1
        counts = set()
        for _ in range(6):  # several scrapes, answered by whichever worker is free
            status, text = _get(port, "/metrics")
            assert status == 200
            counts.add(_healthz_count(text))
        assert counts == {float(sent)}
        if setting == "LANDFLOW_METRICS_DIR":
            # more than one worker answered (else the sum would prove nothing)
            assert len([p for p in metrics_dir.iterdir() if p.name.startswith("histogram_")]) >= 2
            assert not (metrics_dir / "counter_99999.db").exists()
    finally:
        proc.terminate()
        proc.wait(10)
        log.seek(0)
        text = log.read()
        log.close()
    # gunicorn's own lines (booting, workers) are JSON lines like the app's
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines and all(json.loads(line)["event"] for line in lines), lines[:3]
    assert any("Booting worker" in json.loads(line)["event"] for line in lines)
