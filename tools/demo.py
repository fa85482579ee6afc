#!/usr/bin/python3
"""`make demo`: bambufarm with three simulated printers, so a newcomer sees
jobs start and finish. Everything runs on 127.0.0.1 from var/demo and
stops on Ctrl-C.

It reuses the end-to-end test infrastructure (tests/e2e/printers.py): a
throw-away CA, a mosquitto broker with TLS and a password file standing in
for the printers' MQTT servers, an implicit-FTPS server for uploads, and
bambu-sim playing an X1C, a P1S and an A1. Then it starts the app
(tools/run.sh: nginx, the worker pool and farm-dispatch --watch), creates
a demo account, the three printers, a print file and a queue of prints,
and prints the URL and the sign-in.
"""

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(os.environ.get("FARM_BIN_DIR", ROOT / "build"))
os.environ["FARM_BIN_DIR"] = str(BIN)
# the simulated printers are on loopback, which `make run` refuses
os.environ["FARM_OUTBOUND_ALLOW"] = "127.0.0.0/8, ::1/128"
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from printers import (ACCESS_CODE, Broker, FtpsServer, Pki, Sim,  # noqa: E402
                      free_port)

EMAIL, PASSWORD = "demo@example.com", "demo-password"
PRINTERS = [("DEMOX1C0001", "X1C", "X1C-01"), ("DEMOP1S0002", "P1S", "P1S-02"),
            ("DEMOA1P0003", "A1", "A1-03")]


def api(port, token, method, path, body=None, raw=None, ctype=None):
    data = raw if raw is not None else (
        json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data,
                                 method=method)
    req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", ctype or "application/json")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"null")


def demo_3mf(minutes, grams):
    """A small sliced-3MF stand-in: one plate whose header carries the
    estimate and weight the simulator reads."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("Metadata/plate_1.gcode",
                   f"; model printing time: {minutes}m\n"
                   f"; total filament weight [g] : {grams}\nG28\n")
        z.writestr("Metadata/slice_info.config",
                   f'<config><plate><metadata key="prediction" '
                   f'value="{minutes * 60}"/><metadata key="weight" '
                   f'value="{grams}"/></plate></config>')
    return out.getvalue()


def main():
    data = Path(os.environ.get("DATA_DIR", ROOT / "var" / "demo")).resolve()
    lab = data / "lab"
    shutil.rmtree(data, ignore_errors=True)
    lab.mkdir(parents=True)
    port = int(os.environ.get("PORT", "8080"))
    procs = []

    def stop(*_):
        for p in reversed(procs):
            try:
                p.stop()
            except Exception as e:  # keep stopping the rest
                print(f"demo: stopping {p}: {e}", file=sys.stderr)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        pki = Pki(lab / "pki")
        broker = Broker(lab / "broker", pki, pki.issue("bambufarm-demo"))
        procs.append(broker.start())
        ftps = FtpsServer(lab / "ftps", broker.cert)
        procs.append(ftps.start())
        sim = Sim(lab / "sim", broker, ftps.root,
                  printers=[(s, m) for s, m, _ in PRINTERS], time_scale=40)
        procs.append(sim.start())

        env = dict(os.environ, DATA_DIR=str(data), PORT=str(port))
        run = subprocess.Popen([str(ROOT / "tools" / "run.sh"), str(BIN)],
                               env=env, start_new_session=True)

        class App:
            def stop(self):
                os.killpg(run.pid, signal.SIGTERM)
                run.wait(timeout=20)

            def __repr__(self):
                return "the app"
        procs.append(App())
        for _ in range(100):
            try:
                urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/health", timeout=1)
                break
            except OSError:
                if run.poll() is not None:
                    raise RuntimeError("the app did not start (see above)")
                time.sleep(0.2)

        env_ctl = dict(os.environ, DATA_DIR=str(data))
        subprocess.run([str(BIN / "farmctl"), "user", "add", EMAIL],
                       input=PASSWORD, text=True, env=env_ctl, check=True,
                       capture_output=True)
        token = subprocess.run([str(BIN / "farmctl"), "token", "add", EMAIL,
                                "--name", "demo"], text=True, env=env_ctl,
                               check=True, capture_output=True).stdout.strip()
        api(port, token, "PUT", "/api/files/benchy.3mf",
            raw=demo_3mf(12, 15), ctype="application/octet-stream")
        api(port, token, "PUT", "/api/files/hook.3mf",
            raw=demo_3mf(8, 9), ctype="application/octet-stream")
        ids = []
        for serial, model, name in PRINTERS:
            ids.append(api(port, token, "POST", "/api/printers", {
                "name": name, "model": model, "serial": serial,
                "host": "127.0.0.1", "port": broker.port,
                "ftp_port": ftps.port, "access_code": ACCESS_CODE})["id"])
        first = api(port, token, "POST", "/api/bambu/scheduled-prints", {
            "printer_id": ids[0], "name": "Benchy", "file": "benchy.3mf",
            "estimated_minutes": 12, "grams": 15, "material_slot": 0})
        api(port, token, "POST", "/api/bambu/scheduled-prints", {
            "printer_id": ids[0], "name": "Benchy (second)",
            "file": "benchy.3mf", "estimated_minutes": 12, "grams": 15,
            "material_slot": 0, "chain_after_id": first["id"],
            "chain_offset_minutes": 1})
        api(port, token, "POST", "/api/bambu/scheduled-prints", {
            "printer_id": ids[1], "name": "Wall hook", "file": "hook.3mf",
            "estimated_minutes": 8, "grams": 9, "material_slot": 1,
            "priority": 5})
        for k in range(2):
            api(port, token, "POST", "/api/bambu/scheduled-prints", {
                "printer_id": None, "name": f"Hook, any printer #{k + 1}",
                "file": "hook.3mf", "estimated_minutes": 8, "grams": 9,
                "material_type": "PLA"})
        print(f"""
bambufarm demo is running at http://127.0.0.1:{port}/
  sign in as {EMAIL} / {PASSWORD}
  API token: {token}
  three simulated printers ({", ".join(n for _, _, n in PRINTERS)}) and
  five queued prints; the dispatcher starts them within a few seconds and
  a simulated job takes about 20 s. Ctrl-C stops everything.
""", flush=True)
        while run.poll() is None:
            time.sleep(1)
        print("demo: the app stopped", file=sys.stderr)
    finally:
        stop()


if __name__ == "__main__":
    main()
