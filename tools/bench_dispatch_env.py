#!/usr/bin/python3
"""The printer farm tools/bench_dispatch.sh measures farm-dispatch against:
a CA, the TLS MQTT broker and the implicit-FTPS server of
tests/e2e/printers.py, bambu-sim with --count N X1C printers, and a DATA_DIR
holding N printer rows (one created through farm.fcgi as CGI so its access
code is sealed with the data dir's key, the rest copied from it in SQL) and
one started print on each of the first PRINTING printers, which the
simulator is really printing (project_file sent straight to it).

The database is DATA_DIR/farm.db, or the PostgreSQL database FARM_DATABASE
names when it is set (an empty one: farmctl migrates it); the rows are
written through tests/e2e/dbconn.py, so psycopg2 is needed only then.

    bench_dispatch_env.py --bin BUILD_DIR --dir WORKDIR [--count 200]
                          [--printing 100]

Writes WORKDIR/env (DATA_DIR=..., SIM_PID=...) when everything is up, then
waits for SIGTERM or SIGINT and stops what it started. Loopback only."""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

import printers  # noqa: E402
from dbconn import Db  # noqa: E402
from printers import ACCESS_CODE, Broker, FtpsServer, Pki, Sim, Watcher  # noqa: E402
import sealing  # noqa: E402


def cgi(bin_dir, env, method, path, body, token):
    e = dict(env, GATEWAY_INTERFACE="CGI/1.1", REQUEST_METHOD=method,
             REQUEST_URI=path, DOCUMENT_URI=path, SCRIPT_NAME=path,
             QUERY_STRING="", SERVER_NAME="localhost", SERVER_PORT="80",
             SERVER_PROTOCOL="HTTP/1.1", REMOTE_ADDR="127.0.0.1",
             HTTP_HOST="127.0.0.1", CONTENT_TYPE="application/json",
             HTTP_CONTENT_TYPE="application/json",
             CONTENT_LENGTH=str(len(body)),
             HTTP_AUTHORIZATION=f"Bearer {token}")
    p = subprocess.run([str(bin_dir / "farm.fcgi")], input=body, env=e,
                       capture_output=True, timeout=60)
    if b"201" not in p.stdout.split(b"\r\n", 1)[0]:
        raise RuntimeError(f"CGI {method} {path}: {p.stdout[:300]!r} "
                           f"{p.stderr[-300:]!r}")


def seed(bin_dir, data, count, printing, broker, ftps, prefix):
    env = dict(os.environ, DATA_DIR=str(data))
    run = lambda *a, **kw: subprocess.run(  # noqa: E731
        [str(bin_dir / "farmctl"), *a], env=env, check=True,
        capture_output=True, text=True, **kw)
    run("migrate")
    run("user", "add", "bench@example.test", input="bench-password-1")
    token = run("token", "add", "bench@example.test").stdout.strip()
    body = json.dumps({"name": f"{prefix}00000", "model": "X1C",
                       "serial": f"{prefix}00000", "host": "127.0.0.1",
                       "port": broker.port, "ftp_port": ftps.port,
                       "access_code": ACCESS_CODE}).encode()
    cgi(bin_dir, env, "POST", "/api/printers", body, token)
    db = Db(os.environ.get("FARM_DATABASE") or f"sqlite:{data / 'farm.db'}")
    now = int(time.time())
    jobs = []
    with db.transaction() as cur:
        uid = cur.execute("SELECT user_id FROM printers").rows()[0]["user_id"]
        # each access code is sealed for its own row (lib/base/secret.h)
        key = sealing.read_key(data)
        for i in range(1, count):
            pid = cur.execute(
                "INSERT INTO printers (user_id, name, model, serial, host, "
                "port, ftp_port, access_code_sealed, created_at, updated_at) "
                "VALUES (?, ?, 'X1C', ?, '127.0.0.1', ?, ?, '', ?, ?) "
                "RETURNING id",
                (uid, f"{prefix}{i:05d}", f"{prefix}{i:05d}", broker.port,
                 ftps.port, now, now)).rows()[0]["id"]
            cur.execute(
                "UPDATE printers SET access_code_sealed = ? WHERE id = ?",
                (sealing.seal_v2(key, ACCESS_CODE,
                                 f"printers.access_code_sealed:{pid}"), pid))
        ids = [r["id"] for r in
               cur.execute("SELECT id FROM printers ORDER BY id").rows()]
        for i in range(printing):
            job = cur.execute(
                "INSERT INTO scheduled_prints (user_id, printer_id, name, "
                "file, status, estimated_minutes, started_at, "
                "progress_percent, dispatch_attempts, created_at, "
                "updated_at) VALUES (?, ?, ?, 'bench.gcode.3mf', 'started', "
                "600, ?, 0, 1, ?, ?) RETURNING id",
                (uid, ids[i], f"bench-{i}", now, now, now)).rows()[0]["id"]
            jobs.append((f"{prefix}{i:05d}", job))
        cur.execute("UPDATE printers SET current_print_id = NULL")
    return jobs


def start_jobs(broker, ftp_root, jobs, sim):
    """Sends project_file straight to the simulated printers (again to the
    ones that did not start: a request sent before the simulator's
    subscription settled is lost) until they all run the bench job."""
    (ftp_root / "bench.gcode.3mf").write_bytes(
        b"PK\x03\x04 bench plate <metadata key=\"prediction\" "
        b"value=\"360000\"/>")
    w = Watcher(broker, ["bench/none"])
    busy = ("PREPARE", "RUNNING")
    todo = list(jobs)
    for _ in range(10):
        for serial, job_id in todo:
            w.publish(f"device/{serial}/request", {"print": {
                "sequence_id": f"9{job_id}", "command": "project_file",
                "param": "Metadata/plate_1.gcode",
                "url": "file:///sdcard/bench.gcode.3mf",
                "file": "bench.gcode.3mf", "md5": "",
                "subtask_name": f"bench-{job_id}", "project_id": str(job_id),
                "profile_id": "0", "task_id": str(job_id),
                "subtask_id": str(job_id), "bed_type": "auto",
                "timelapse": False, "bed_leveling": True, "flow_cali": False,
                "vibration_cali": False, "layer_inspect": False,
                "use_ams": False}})
        deadline = time.monotonic() + 10
        while todo and time.monotonic() < deadline:
            todo = [(s, j) for s, j in todo
                    if (sim.state(s) or {}).get("gcode_state") not in busy]
            time.sleep(0.2)
        if not todo:
            break
    w.close()
    if todo:
        raise RuntimeError(f"{len(todo)} simulated printers never started")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--printing", type=int, default=100)
    a = ap.parse_args()
    bin_dir = Path(a.bin).resolve()
    work = Path(a.dir).resolve()
    os.environ["FARM_BIN_DIR"] = str(bin_dir)
    printers.START_TIMEOUT = 60.0
    prefix = "BENCH"

    stop = []
    signal.signal(signal.SIGTERM, lambda *x: stop.append(1))
    signal.signal(signal.SIGINT, lambda *x: stop.append(1))
    pki = Pki(work / "pki")
    cert = pki.issue("bambufarm-bench-printer", dns=["localhost"])
    broker = Broker(work / "broker", pki, cert).start()
    ftps = FtpsServer(work / "ftps", cert).start()
    sim = None
    try:
        data = work / "data"
        data.mkdir(parents=True, exist_ok=True)
        (data / "farm.conf").write_text("FARM_OUTBOUND_ALLOW=127.0.0.0/8\n")
        jobs = seed(bin_dir, data, a.count, a.printing, broker, ftps, prefix)
        sim = Sim(work / "sim", broker, ftps.root, count=a.count,
                  model="X1C", serial_prefix=prefix, time_scale=1)
        sim.start(timeout=60)
        start_jobs(broker, ftps.root, jobs, sim)
        (work / "env").write_text(f"DATA_DIR={data}\n"
                                  f"SIM_PID={sim.proc.pid}\n"
                                  f"BROKER_PORT={broker.port}\n")
        while not stop:
            time.sleep(0.2)
    finally:
        if sim:
            sim.stop(check=False)
        ftps.stop()
        broker.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
