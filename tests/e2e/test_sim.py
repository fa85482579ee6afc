"""bambu-sim against a real mosquitto (TLS, password file), with paho as
the dispatcher's side: the simulator must look like the printers that
shared/BAMBU-PROTOCOL.md describes (full frames vs deltas, pushall, acks,
refusals, print_error and HMS, cancel codes, the authorization firmware,
AMS fields and their wire types) and obey sim/<SERIAL>/control.

Fixtures (broker, FTPS root, simulator process) come from printers.py.
"""

import itertools
import json
import signal
import subprocess
import time
import uuid

import pytest

from printers import Watcher, bin_dir

CANCELLED = 0x0300400C          # 50348044
BUSY = 0x05004004
SDCARD = 0x0500C010
AMS_MAP = 0x07FF8012
VERIFY_ATTR, VERIFY_CODE = 0x05000500, 0x00010007
FAIL_ERROR = 117473286          # 0700_8006
FAIL_HMS = [{"attr": 117506048, "code": 131073}]

# Keys every full print object carries, and the wire type of each.
FULL_KEYS = {
    "command": str, "msg": int, "sequence_id": str, "gcode_state": str,
    "print_type": str, "mc_print_stage": str, "stg": list, "stg_cur": int,
    "mc_percent": int, "mc_remaining_time": int, "layer_num": int,
    "total_layer_num": int, "subtask_name": str, "gcode_file": str,
    "task_id": str, "subtask_id": str, "project_id": str, "profile_id": str,
    "gcode_start_time": str, "nozzle_temper": float,
    "nozzle_target_temper": float, "bed_temper": float,
    "bed_target_temper": float, "chamber_temper": float, "spd_lvl": int,
    "spd_mag": int, "cooling_fan_speed": str, "big_fan1_speed": str,
    "big_fan2_speed": str, "heatbreak_fan_speed": str, "print_error": int,
    "hms": list, "sdcard": bool, "home_flag": int, "wifi_signal": str,
    "ams_status": int, "ams": dict, "vt_tray": dict, "lights_report": list,
}
TRAY_TYPES = {
    "id": str, "tray_type": str, "tray_color": str, "tray_weight": str,
    "remain": int, "tray_uuid": str, "tag_uid": str, "tray_info_idx": str,
    "nozzle_temp_min": str, "nozzle_temp_max": str, "cali_idx": int,
}
FAST = ["--idle-push", "0.5", "--busy-push", "0.3", "--error-hold", "2",
        "--prepare-seconds", "2"]
_seq = itertools.count(20000)


def serial(prefix="T"):
    return f"{prefix}{uuid.uuid4().hex[:10].upper()}"


def merge(cache, frame):
    """The merge the dispatcher does (protocol doc 1.7): objects key by key,
    arrays replaced, except ams.ams[] units and their tray[] by "id"."""
    def by_id(old, new, inner):
        out = {str(e.get("id")): e for e in old if isinstance(e, dict)}
        for e in new:
            k = str(e.get("id"))
            out[k] = inner(out.get(k), e)
        return list(out.values())

    def tray(old, new):
        return dict(new) if old is None or set(new) == {"id"} else \
            {**old, **new}

    def unit(old, new):
        u = dict(old or {})
        for k, v in new.items():
            u[k] = by_id(u.get(k, []), v, tray) if k == "tray" else v
        return u

    for k, v in frame.items():
        if k == "ams" and isinstance(v, dict):
            a = dict(cache.get("ams", {}))
            for k2, v2 in v.items():
                a[k2] = by_id(a.get(k2, []), v2, unit) if k2 == "ams" else v2
            cache["ams"] = a
        else:
            cache[k] = v
    return cache


class Printer:
    """The dispatcher's view of one simulated printer: its report topic
    recorded from creation, requests with unique sequence ids."""

    def __init__(self, sim, serial_, broker_):
        self.sim = sim
        self.serial = serial_
        self.watch = Watcher(broker_, [f"device/{serial_}/report"])

    def frames(self):
        out = []
        with self.watch.cond:
            msgs = list(self.watch.messages)
        for _, payload in msgs:
            out.append(json.loads(payload))
        return out

    def pushes(self):
        return [f["print"] for f in self.frames()
                if f.get("print", {}).get("command") == "push_status"]

    def send(self, obj):
        topic = f"device/{self.serial}/request"
        if not isinstance(obj, (str, bytes)):
            obj = json.dumps(obj)
        self.watch.publish(topic, obj)

    def request(self, cls, command, expect_answer=True, timeout=10, **f):
        seq = str(next(_seq))
        self.send({cls: {"sequence_id": seq, "command": command, **f}})
        if not expect_answer:
            return seq
        got = self.watch.wait_for(
            lambda t, p: (lambda d: isinstance(d.get(cls), dict)
                          and d[cls].get("command") == command
                          and d[cls].get("sequence_id") == seq)(
                json.loads(p)), timeout)
        assert got is not None, f"no answer to {cls}.{command} #{seq}"
        return json.loads(got[1])[cls]

    def pushall(self, timeout=10):
        """Sends pushall; returns the first full frame after it."""
        n = len(self.watch.messages)
        self.request("pushing", "pushall", expect_answer=False)
        return self.wait_push(lambda p: p.get("msg") == 0, after=n,
                              timeout=timeout)

    def wait_push(self, pred, after=0, timeout=20):
        """The first status push (print object) from message index `after`
        on with pred(push) true."""
        deadline = time.monotonic() + timeout
        with self.watch.cond:
            while True:
                for _, payload in self.watch.messages[after:]:
                    d = json.loads(payload).get("print", {})
                    if d.get("command") == "push_status" and pred(d):
                        return d
                left = deadline - time.monotonic()
                assert left > 0, f"{self.serial}: no such push in {timeout}s"
                self.watch.cond.wait(left)

    def wait_merged(self, pred, timeout=30):
        """Waits until the merged report state satisfies pred; returns it."""
        deadline = time.monotonic() + timeout
        while True:
            cache = {}
            for p in self.pushes():
                if p.get("msg") == 0:
                    cache = {}
                merge(cache, p)
            if cache and pred(cache):
                return cache
            keys = ("gcode_state", "print_error", "mc_percent", "hms")
            assert time.monotonic() < deadline, \
                f"{self.serial}: merged state never matched: " \
                f"{ {k: cache.get(k) for k in keys} }"
            time.sleep(0.1)

    def merged(self):
        cache = {}
        for p in self.pushes():
            if p.get("msg") == 0:
                cache = {}
            merge(cache, p)
        return cache

    def close(self):
        self.watch.close()


@pytest.fixture
def farm(bambu_sim, broker, ftps_server):
    """farm(models, **sim_opts) -> (sim, [Printer...]); files go to
    farm.root (the simulator's --ftp-dir)."""
    made = []

    def make(models, extra_args=(), **kw):
        serials = [(serial(), m) for m in models]
        ps = []
        # subscribe before the simulator starts, so nothing is missed
        for s, _ in serials:
            ps.append(Printer(None, s, broker))
        made.extend(ps)
        sim = bambu_sim(printers=serials, extra_args=list(FAST) +
                        list(extra_args), **kw)
        for p in ps:
            p.sim = sim
            p.wait_push(lambda d: d.get("msg") == 0, timeout=15)
        return sim, ps

    make.root = ftps_server.root
    yield make
    for p in made:
        p.close()


def put_file(root, name=None, data=None, seconds=None, grams=None):
    """A fake sliced 3MF in the FTPS root; with seconds/grams it carries a
    stored slice_info.config-like text the simulator reads."""
    name = name or f"job-{uuid.uuid4().hex[:8]}.gcode.3mf"
    if data is None:
        data = b"PK\x03\x04 fake plate "
        if seconds is not None:
            data += f'<metadata key="prediction" value="{seconds}"/>'.encode()
        if grams is not None:
            data += f'<metadata key="weight" value="{grams}"/>'.encode()
    (root / name).write_bytes(data)
    return name


def start_args(name, **over):
    a = {"param": "Metadata/plate_1.gcode",
         "url": f"file:///sdcard/{name}", "file": name, "md5": "",
         "subtask_name": name.split(".")[0], "project_id": "0",
         "profile_id": "0", "task_id": "4242", "subtask_id": "4242",
         "bed_type": "auto", "timelapse": False, "bed_leveling": True,
         "flow_cali": False, "vibration_cali": False,
         "layer_inspect": False, "use_ams": True, "ams_mapping": [0]}
    a.update(over)
    return a


def check_full(p):
    for k, t in FULL_KEYS.items():
        assert k in p, f"full frame lacks {k}"
        assert isinstance(p[k], t), f"{k} is {type(p[k]).__name__}"
    assert p["msg"] == 0 and p["command"] == "push_status"
    ams = p["ams"]
    for k in ("ams_exist_bits", "tray_exist_bits", "tray_now", "tray_tar"):
        assert isinstance(ams[k], str), k
    for unit in ams["ams"]:
        assert isinstance(unit["id"], str)
        assert isinstance(unit["humidity"], str)
        for tr in unit["tray"]:
            if set(tr) == {"id"}:
                continue
            for k, t in TRAY_TYPES.items():
                assert isinstance(tr[k], t), f"tray {k}"
            assert len(tr["tray_color"]) == 8
            int(tr["tray_color"], 16)
            assert len(tr["tray_uuid"]) == 32


# --- frames ------------------------------------------------------------------

@pytest.mark.parametrize("model", ["P1S", "X1C", "A1M"])
def test_pushall_answers_a_full_frame(farm, model):
    _, (p,) = farm([model])
    full = p.pushall()
    check_full(full)
    assert full["gcode_state"] == "IDLE"
    assert full["print_error"] == 0 and full["hms"] == []
    assert full["ams"]["tray_exist_bits"] == "f"
    assert ("fun" in full) == (model == "X1C")
    assert full["stg_cur"] == (-1 if model == "X1C" else 255)


def test_p1s_sends_only_changed_keys_with_msg_1(farm):
    sim, (p,) = farm(["P1S"], time_scale=30, job_seconds=60)
    name = put_file(farm.root)
    n = len(p.watch.messages)
    assert p.request("print", "project_file",
                     **start_args(name))["result"] == "success"
    p.wait_merged(lambda s: s["gcode_state"] == "FINISH")
    pushes = [json.loads(m)["print"] for _, m in p.watch.messages[n:]
              if json.loads(m).get("print", {}).get("command") ==
              "push_status"]
    deltas = [d for d in pushes if d["msg"] == 1]
    assert len(deltas) >= 3
    cache = {}
    for f in p.pushes():          # replay everything from the first full
        if f["msg"] == 0:
            cache = merge({}, f)
            continue
        for k, v in f.items():
            if k in ("command", "msg", "sequence_id"):
                continue
            if k == "ams":
                for k2, v2 in v.items():
                    assert cache["ams"].get(k2) != v2, f"unchanged ams.{k2}"
            else:
                assert cache.get(k) != v, f"delta repeats unchanged {k}"
        merge(cache, f)
    for d in deltas:
        assert "vt_tray" not in d and "lights_report" not in d
        assert len(d) < len(FULL_KEYS)
    # the merged deltas add up to what a pushall reports
    merged = p.merged()
    full = p.pushall()
    for k in ("gcode_state", "mc_percent", "layer_num", "subtask_name",
              "task_id", "print_error"):
        assert merged[k] == full[k], k


def test_x1c_pushes_full_frames_every_time(farm):
    _, (p,) = farm(["X1C:2"])
    n = len(p.watch.messages)
    p.wait_push(lambda d: True, after=n + 2, timeout=10)   # 3 periodic ones
    for f in p.pushes():
        check_full(f)
    full = p.pushes()[-1]
    assert full["ams"]["ams_exist_bits"] == "3"
    assert len(full["ams"]["ams"]) == 2


def test_reconnect_after_offline_sends_a_full_frame_unasked(farm):
    sim, (p,) = farm(["P1S"])
    sim.control(p.serial, {"offline": True})
    sim.wait_state(p.serial, lambda s: not s["online"])
    n = len(p.watch.messages)
    p.request("pushing", "pushall", expect_answer=False)
    time.sleep(1.5)
    assert len(p.watch.messages) == n, "an offline printer answered"
    sim.control(p.serial, {"offline": False})
    sim.wait_state(p.serial, lambda s: s["online"])
    full = p.wait_push(lambda d: d["msg"] == 0, after=n)
    check_full(full)


def test_silent_printer_publishes_nothing_until_resumed(farm):
    sim, (p,) = farm(["X1C"])
    sim.control(p.serial, {"silent": True})
    sim.wait_state(p.serial, lambda s: s["silent"])
    time.sleep(0.3)
    n = len(p.watch.messages)
    p.request("pushing", "pushall", expect_answer=False)
    p.request("info", "get_version", expect_answer=False)
    time.sleep(2)                  # four idle push periods
    assert len(p.watch.messages) == n
    assert sim.state(p.serial)["online"] is True
    sim.control(p.serial, {"silent": False})
    p.wait_push(lambda d: True, after=n)


# --- acks and commands -------------------------------------------------------

def test_get_version_answers_info_modules(farm):
    _, (p,) = farm(["P1S"])
    a = p.request("info", "get_version")
    assert a["result"] == "success"
    ota = [m for m in a["module"] if m["name"] == "ota"][0]
    assert ota["sw_ver"] and ota["sn"] == p.serial
    assert ota["product_name"] == "Bambu Lab P1S"
    assert ota["project_name"] == "C12"


def test_print_speed_pause_resume(farm):
    sim, (p,) = farm(["P1S"], time_scale=1, job_seconds=3600)
    name = put_file(farm.root)
    assert p.request("print", "pause")["result"] == "failed"   # idle
    assert p.request("print", "project_file",
                     **start_args(name))["result"] == "success"
    a = p.request("print", "print_speed", param="4")
    assert a["result"] == "success" and a["param"] == "4"
    s = p.wait_merged(lambda s: s["spd_lvl"] == 4)
    assert s["spd_mag"] > 100
    assert p.request("print", "print_speed", param=3)["result"] == "failed"
    assert p.request("print", "print_speed",
                     param="9")["result"] == "failed"
    sim.control(p.serial, {})            # no-op control is harmless
    p.wait_merged(lambda s: s["gcode_state"] == "RUNNING")
    assert p.request("print", "pause")["result"] == "success"
    s = p.wait_merged(lambda s: s["gcode_state"] == "PAUSE")
    assert s["stg_cur"] == 16
    assert p.request("print", "resume")["result"] == "success"
    p.wait_merged(lambda s: s["gcode_state"] == "RUNNING")


def test_malformed_and_unknown_requests_never_crash(farm):
    sim, (p,) = farm(["P1S"])
    for junk in (b"", b"not json", b"[1,2,3]", b'"x"', b"{", b"\xff\xfe",
                 b'{"print": 5}', b'{"print": {"sequence_id": "1"}}',
                 b'{"nonsense": {"command": "x"}}',
                 b'{"print": {"command": 7}}', b"{" * 5000):
        p.send(junk)
    a = p.request("print", "no_such_command")
    assert a["result"] == "failed"
    a = p.request("system", "get_access_code")
    assert a["result"] == "success" and a["access_code"] == "12345678"
    a = p.request("print", "project_file", param="Metadata/plate_1.gcode")
    assert a["result"] == "failed"          # no url at all
    a = p.request("print", "project_file",
                  **start_args("../../etc/passwd"))
    assert a["result"] == "failed"
    check_full(p.pushall())
    assert sim.proc.poll() is None


# --- project_file ------------------------------------------------------------

def test_missing_or_empty_file_is_refused(farm):
    sim, (p,) = farm(["P1S"])
    empty = put_file(farm.root, data=b"")
    for name in ("never-uploaded.gcode.3mf", empty):
        a = p.request("print", "project_file", **start_args(name))
        assert a["result"] == "failed"
        assert a["err_code"] == SDCARD
        assert a["sequence_id"] and a["url"].endswith(name)
    s = p.wait_merged(lambda s: s["print_error"] == SDCARD)
    assert s["gcode_state"] == "IDLE"
    p.wait_merged(lambda s: s["print_error"] == 0)    # brief
    sim.wait_state(p.serial, lambda s: s["last_refusal"] == "file")


def test_job_runs_to_finish_and_echoes_the_job(farm):
    sim, (p,) = farm(["X1C"], time_scale=200, job_seconds=600)
    name = put_file(farm.root, seconds=1200, grams=30)
    args = start_args(name, subtask_name="hinge_bracket_v3",
                      task_id="48213377", subtask_id="48213377")
    a = p.request("print", "project_file", **args)
    assert a["result"] == "success"
    for k, v in args.items():
        assert a[k] == v, f"ack does not echo {k}"
    seen = set()

    def states(s):
        seen.add(s["gcode_state"])
        return s["gcode_state"] == "FINISH"
    p.wait_push(states, timeout=40)
    assert {"PREPARE", "RUNNING", "FINISH"} <= seen
    fin = p.pushes()[-1]
    assert fin["gcode_state"] == "FINISH"
    assert fin["mc_percent"] == 100 and fin["mc_remaining_time"] == 0
    assert fin["subtask_name"] == "hinge_bracket_v3"
    assert fin["task_id"] == "48213377"
    assert fin["gcode_file"] == "/data/Metadata/plate_1.gcode"
    assert fin["layer_num"] == fin["total_layer_num"] > 0
    run = [x for x in p.pushes() if x["gcode_state"] == "RUNNING"][0]
    assert run["nozzle_temper"] >= 200 and run["bed_target_temper"] > 0
    time.sleep(1)
    assert p.pushall()["gcode_state"] == "FINISH"        # persists
    sim.wait_state(p.serial, lambda st: st["jobs_finished"] == 1)
    # the 3MF's estimate (1200 s) was used, not --job-seconds
    first = p.wait_push(lambda d: d["gcode_state"] == "PREPARE")
    assert first["mc_remaining_time"] >= 20
    # FINISH is start-able
    assert p.request("print", "project_file",
                     **start_args(name))["result"] == "success"


def test_start_while_busy_is_refused_with_the_busy_shape(farm):
    sim, (p,) = farm(["A1"], time_scale=1, job_seconds=3600)
    name = put_file(farm.root)
    assert p.request("print", "project_file",
                     **start_args(name))["result"] == "success"
    a = p.request("print", "project_file", **start_args(name))
    assert a["result"] == "failed"
    assert "busy" in a["reason"]
    assert a["err_code"] == BUSY
    s = p.wait_merged(lambda s: s["print_error"] == BUSY)
    assert s["gcode_state"] in ("PREPARE", "RUNNING")
    s = p.wait_merged(lambda s: s["print_error"] == 0)
    assert s["gcode_state"] in ("PREPARE", "RUNNING")   # job untouched
    sim.wait_state(p.serial, lambda s: s["refusals"] == 1)


def test_bad_ams_mapping_and_use_ams_type_are_refused(farm):
    _, (p, q) = farm(["P1S", "P1S:0"])
    name = put_file(farm.root)
    a = p.request("print", "project_file",
                  **start_args(name, ams_mapping=[254]))
    assert a["result"] == "failed" and a["err_code"] == AMS_MAP
    a = p.request("print", "project_file",
                  **start_args(name, use_ams="true"))
    assert a["result"] == "failed"
    a = q.request("print", "project_file", **start_args(name))
    assert a["result"] == "failed" and a["err_code"] == AMS_MAP
    a = q.request("print", "project_file",
                  **start_args(name, use_ams=False, ams_mapping=[-1]))
    assert a["result"] == "success"
    assert q.wait_merged(lambda s: s["ams"]["tray_now"] == "254")


# --- faults ------------------------------------------------------------------

def test_injected_failure_gives_failed_with_error_and_hms(farm):
    sim, (p,) = farm(["P1S"], time_scale=5, job_seconds=3600)
    name = put_file(farm.root)
    p.request("print", "project_file", **start_args(name))
    p.wait_merged(lambda s: s["gcode_state"] == "RUNNING")
    sim.control(p.serial, {"fail": {"print_error": FAIL_ERROR,
                                    "hms": FAIL_HMS}})
    s = p.wait_merged(lambda s: s["gcode_state"] == "FAILED")
    assert s["print_error"] == FAIL_ERROR
    assert s["hms"] == FAIL_HMS
    time.sleep(3)                                  # no brief error here
    s = p.pushall()
    assert s["gcode_state"] == "FAILED" and s["print_error"] == FAIL_ERROR
    # the next job clears it
    p.request("print", "project_file", **start_args(name))
    s = p.wait_merged(lambda s: s["gcode_state"] in ("PREPARE", "RUNNING"))
    assert s["print_error"] == 0 and s["hms"] == []


def test_failure_armed_at_a_percentage(farm):
    sim, (p,) = farm(["X1C"], time_scale=100, job_seconds=600)
    sim.control(p.serial, {"fail": {"print_error": 0x0C004002,
                                    "at_percent": 40}})
    sim.wait_state(p.serial, lambda s: s["fail_armed"])
    name = put_file(farm.root)
    p.request("print", "project_file", **start_args(name))
    s = p.wait_push(lambda d: d["gcode_state"] == "FAILED", timeout=30)
    assert s["print_error"] == 0x0C004002
    assert 40 <= s["mc_percent"] < 100


@pytest.mark.parametrize("how", ["screen", "stop"])
def test_cancel_gives_0300400C_then_0(farm, how):
    sim, (p,) = farm(["P1S"], time_scale=1, job_seconds=3600)
    name = put_file(farm.root)
    p.request("print", "project_file", **start_args(name))
    p.wait_merged(lambda s: s["gcode_state"] in ("PREPARE", "RUNNING"))
    if how == "screen":
        sim.control(p.serial, {"cancel": True})
    else:
        assert p.request("print", "stop")["result"] == "success"
    s = p.wait_merged(lambda s: s["gcode_state"] == "FAILED")
    assert s["print_error"] == CANCELLED
    s = p.wait_merged(lambda s: s["print_error"] == 0)
    assert s["gcode_state"] == "FAILED"
    sim.wait_state(p.serial, lambda s: s["jobs_cancelled"] == 1)


def test_locked_firmware_rejects_control_but_keeps_reporting(farm):
    sim, (p,) = farm(["X1C"], time_scale=50)
    name = put_file(farm.root)
    sim.control(p.serial, {"locked": True})
    sim.wait_state(p.serial, lambda s: s["locked"])
    for cmd, extra in (("project_file", start_args(name)), ("pause", {}),
                       ("print_speed", {"param": "2"})):
        a = p.request("print", cmd, **extra)
        assert a["result"] == "failed"
        assert a["reason"] == "mqtt message verify failed"
    s = p.wait_merged(lambda s: {"attr": VERIFY_ATTR,
                                 "code": VERIFY_CODE} in s["hms"])
    assert s["gcode_state"] == "IDLE"
    assert int(s["fun"], 16) & 0x20000000
    # reads and the chamber light still work
    check_full(p.pushall())
    assert p.request("info", "get_version")["result"] == "success"
    a = p.request("system", "ledctrl", led_node="chamber_light",
                  led_mode="off", led_on_time=500, led_off_time=500,
                  loop_times=0, interval_time=0)
    assert a["result"] == "success"
    sim.control(p.serial, {"locked": False})
    s = p.wait_merged(lambda s: s["hms"] == [])
    assert not int(s["fun"], 16) & 0x20000000
    assert p.request("print", "project_file",
                     **start_args(name))["result"] == "success"


# --- AMS ---------------------------------------------------------------------

def tray_of(state, slot):
    return state["ams"]["ams"][slot // 4]["tray"][slot % 4]


def test_ams_control_changes_and_empties_trays(farm):
    sim, (p,) = farm(["P1S"])
    sim.control(p.serial, {"ams": {"slot": 2, "type": "PETG",
                                   "color": "00FF00FF", "remain": 40}})
    s = p.wait_merged(lambda s: tray_of(s, 2).get("tray_color") ==
                      "00FF00FF")
    t = tray_of(s, 2)
    assert t["tray_type"] == "PETG" and t["remain"] == 40
    assert t["tray_weight"] == "1000"
    sim.control(p.serial, {"ams": {"slot": 1, "empty": True}})
    s = p.wait_merged(lambda s: set(tray_of(s, 1)) == {"id"})
    assert int(s["ams"]["tray_exist_bits"], 16) == 0b1101
    full = p.pushall()
    assert tray_of(full, 1) == {"id": "1"}
    assert tray_of(full, 2)["tray_type"] == "PETG"
    sim.wait_state(p.serial, lambda st: st["trays"][1]["empty"] and
                   st["trays"][2]["remain"] == 40)
    # refill a slot, bad slots are ignored
    sim.control(p.serial, {"ams": {"slot": 9, "type": "PLA"}})
    sim.control(p.serial, {"ams": {"slot": 1, "type": "ABS",
                                   "color": "ff0000"}})
    s = p.wait_merged(lambda s: tray_of(s, 1).get("tray_type") == "ABS")
    assert tray_of(s, 1)["tray_color"] == "FF0000FF"


def test_remain_drops_on_the_mapped_tray_while_printing(farm):
    sim, (p,) = farm(["P1S"], time_scale=60, job_seconds=600,
                     extra_args=["--grams-per-job", "300"])
    full = p.pushall()
    before, other = tray_of(full, 1)["remain"], tray_of(full, 3)["remain"]
    name = put_file(farm.root)
    p.request("print", "project_file",
              **start_args(name, ams_mapping=[1]))
    s = p.wait_merged(lambda s: s["gcode_state"] == "RUNNING")
    assert s["ams"]["tray_now"] == "1"
    s = p.wait_merged(lambda s: tray_of(s, 1)["remain"] <= before - 10)
    sim.control(p.serial, {"finish_now": True})
    s = p.wait_merged(lambda s: s["gcode_state"] == "FINISH")
    assert tray_of(s, 1)["remain"] == before - 30      # 300 g of 1000 g
    assert tray_of(s, 3)["remain"] == other


# --- scale and lifecycle -----------------------------------------------------

def test_two_hundred_printers(bambu_sim, broker, mqtt_watch):
    w = mqtt_watch(broker, ["device/+/report"])
    prefix = serial("M")[:6]
    sim = bambu_sim(count=200, model="P1S", serial_prefix=prefix,
                    extra_args=["--idle-push", "5"])
    assert len(sim.serials) == 200
    for s in sim.serials:
        w.publish(f"device/{s}/request",
                  {"pushing": {"sequence_id": "1", "command": "pushall"}},
                  qos=0)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with w.cond:
            full = {t.split("/")[1] for t, p in w.messages
                    if json.loads(p)["print"].get("msg") == 0}
        if full >= set(sim.serials):
            break
        time.sleep(0.2)
    assert full >= set(sim.serials)
    for s in sim.serials[:3]:
        sim.wait_state(s, lambda st: st["pushalls"] == 1)


def test_sigterm_exits_cleanly(bambu_sim):
    sim = bambu_sim(printers=[(serial(), "X1C"), (serial(), "A1")])
    proc = sim.proc
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0
    text = sim.log.read_text()
    assert "AddressSanitizer" not in text and "LeakSanitizer" not in text
    sim.wait_state(sim.serials[0], lambda st: st["online"] is False)


def test_bad_command_lines_are_refused():
    exe = str(bin_dir() / "bambu-sim")
    for args in ([], ["--printer", "S1"], ["--printer", "S1:Z9"],
                 ["--printer", "S/1:P1S"], ["--count", "0"],
                 ["--printer", "S1:P1S:2"], ["--time-scale", "x"],
                 ["--printer", "S1:P1S", "--printer", "S1:X1C"]):
        p = subprocess.run([exe] + args, capture_output=True, timeout=30,
                           text=True)
        assert p.returncode == 2, args
        assert "usage" in p.stderr


def test_reconnects_after_the_broker_restarts_with_a_new_key(
        bambu_sim, private_broker, mqtt_watch):
    s = serial()
    bambu_sim(printers=[(s, "P1S")], broker_=private_broker,
              extra_args=FAST)
    old_pin = private_broker.pin
    private_broker.restart()                     # same CA, new key
    assert private_broker.pin != old_pin
    st = mqtt_watch(private_broker, [f"sim/{s}/state"])
    assert st.wait_for(lambda t, p: json.loads(p)["online"], 30)
    w = mqtt_watch(private_broker, [f"device/{s}/report"])
    full = None
    for _ in range(10):
        w.publish(f"device/{s}/request",
                  {"pushing": {"sequence_id": "9", "command": "pushall"}})
        full = w.wait_for(
            lambda t, p: json.loads(p)["print"].get("msg") == 0, 2)
        if full:
            break
    assert full is not None
    check_full(json.loads(full[1])["print"])
