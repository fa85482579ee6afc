"""farm-dispatch --once and the events that come from watching printers
over time, through bambu-sim and a real webhook receiver: a spool running
low notifies once per spool (not on every run, not again for a small
rise, again for a new spool; never with the threshold at 0), and a printer
that is offline for longer than the grace period notifies once, then once
more when it is back; a shorter outage says nothing. Time moves forward
with FARM_NOW instead of sleeping, and runs that only see a printer stay
silent are given a short budget (QUIET_MS).
"""

import json
import time

import pytest

from dispatch_helpers import QUIET_MS, farm, new_serial  # noqa: F401
from receivers import webhook_receiver  # noqa: F401

# farm-dispatch and farm-deliver act on a whole database: every test
# here runs on a stack of its own (conftest.py).
pytestmark = pytest.mark.own_stack

NEW_SPOOL = "A1B2C3D4E5F60718293A4B5C6D7E8F90"


def hooks(receiver, path, type_):
    """The bodies of the webhooks of one type that reached path."""
    out = []
    for q in list(receiver.requests):
        if q.path != path:
            continue
        body = json.loads(q.body)
        if body["type"] == type_:
            out.append(body)
    return out


def watched_printer(farm, receiver, path, **prefs):
    serial = new_serial()
    sim = farm.sim([(serial, "X1C")])
    p = farm.printer(serial)
    body = {"webhook_url": receiver.url(path), **prefs}
    r = farm.api.put(f"/api/bambu/notifications/{p['id']}", json=body)
    assert r.status_code == 200, r.text
    return serial, sim, p


def set_tray(sim, serial, slot, **fields):
    sim.control(serial, {"ams": {"slot": slot, **fields}})
    want = fields.get("remain")
    sim.wait_state(serial, lambda s: any(
        t["slot"] == slot and (want is None or t.get("remain") == want)
        for t in s["trays"]))


def test_material_low_fires_once_per_spool(farm, webhook_receiver):
    path = "/low"
    serial, sim, p = watched_printer(farm, webhook_receiver, path,
                                     on_material_change=True)
    farm.dispatch()                      # slot 1 holds PLA at 80 %
    low = lambda: hooks(webhook_receiver, path, "material.low")  # noqa: E731
    assert low() == []
    assert farm.events(printer_id=p["id"], kind="material_low") == []

    set_tray(sim, serial, 1, remain=9)
    farm.dispatch()
    got = low()
    assert len(got) == 1, got
    d = got[0]["data"]
    assert d["printer"]["id"] == p["id"], d
    assert "slot 1" in d["detail"] and "9 %" in d["detail"], d
    assert "#1B1B1B" in d["detail"] and "90 g" in d["detail"], d

    # lower still, several runs, a small rise and a fall: still one
    set_tray(sim, serial, 1, remain=7)
    farm.dispatch()
    farm.dispatch()
    set_tray(sim, serial, 1, remain=12)
    farm.dispatch()
    set_tray(sim, serial, 1, remain=6)
    farm.dispatch()
    assert len(low()) == 1, low()
    assert len(farm.events(printer_id=p["id"], kind="material_low")) == 1

    # a new spool in the same slot, used down past the threshold: again
    set_tray(sim, serial, 1, remain=100, uuid=NEW_SPOOL)
    farm.dispatch()
    assert len(low()) == 1
    set_tray(sim, serial, 1, remain=10)
    farm.dispatch()
    got = low()
    assert len(got) == 2, got
    assert "10 %" in got[1]["data"]["detail"], got[1]
    assert len(farm.events(printer_id=p["id"], kind="material_low")) == 2


def test_material_low_threshold_zero_sends_nothing(farm, webhook_receiver):
    path = "/low0"
    serial, sim, p = watched_printer(farm, webhook_receiver, path,
                                     on_material_change=True)
    farm.db_write("UPDATE notification_settings SET material_low_percent = 0 "
                  "WHERE printer_id = ?", (p["id"],))
    set_tray(sim, serial, 2, remain=3)
    farm.dispatch()
    farm.dispatch()
    assert farm.events(printer_id=p["id"], kind="material_low") == []
    assert hooks(webhook_receiver, path, "material.low") == []
    # the material itself was synced, so the check did run
    m = [m for m in farm.materials(p["id"]) if m["slot"] == 2][0]
    assert m["remaining_percent"] == 3, m


def test_material_low_respects_the_preference(farm, webhook_receiver):
    path = "/low-off"
    serial, sim, p = watched_printer(farm, webhook_receiver, path,
                                     on_material_change=False)
    set_tray(sim, serial, 0, remain=4)
    farm.dispatch()
    # the event is recorded (history), but nothing is sent
    assert len(farm.events(printer_id=p["id"], kind="material_low")) == 1
    assert [o for o in farm.outbox(p["id"])
            if o["event"] == "material_low"] == []
    assert hooks(webhook_receiver, path, "material.low") == []


def test_offline_fires_once_after_the_grace_period(farm, webhook_receiver):
    path = "/offline"
    serial, sim, p = watched_printer(farm, webhook_receiver, path,
                                     on_maintenance=True)
    t0 = int(time.time())

    def at(dt):
        return {"FARM_NOW": t0 + dt}

    def status(want):
        return lambda: farm.get_printer(p["id"])["status"] == want

    def sent():
        return (hooks(webhook_receiver, path, "printer.offline"),
                hooks(webhook_receiver, path, "printer.online"))

    farm.dispatch(env=at(0))
    assert farm.get_printer(p["id"])["online"] is True

    # a short outage (under the default 5 minutes) says nothing
    sim.control(serial, {"offline": True})
    sim.wait_state(serial, lambda s: s["online"] is False)
    farm.dispatch_until(status("offline"), env=at(60), what="offline",
                        budget_ms=QUIET_MS)
    farm.dispatch(env=at(120), budget_ms=QUIET_MS)
    sim.control(serial, {"offline": False})
    sim.wait_state(serial, lambda s: s["online"] is True)
    farm.dispatch_until(lambda: farm.get_printer(p["id"])["online"],
                        env=at(180), what="back online")
    assert sent() == ([], []), sent()

    # a long one: one offline message after the grace, however many runs
    sim.control(serial, {"offline": True})
    sim.wait_state(serial, lambda s: s["online"] is False)
    farm.dispatch_until(status("offline"), env=at(1000), what="offline",
                        budget_ms=QUIET_MS)
    farm.dispatch(env=at(1200), budget_ms=QUIET_MS)
    assert sent() == ([], [])
    for dt in (1310, 1400, 2000):
        farm.dispatch(env=at(dt), budget_ms=QUIET_MS)
    off, on = sent()
    assert len(off) == 1 and on == [], (off, on)
    assert "offline for 5 min" in off[0]["data"]["detail"], off[0]
    assert len(farm.events(printer_id=p["id"], kind="printer_offline")) == 1

    # back: one online message
    sim.control(serial, {"offline": False})
    sim.wait_state(serial, lambda s: s["online"] is True)
    farm.dispatch_until(lambda: farm.get_printer(p["id"])["online"],
                        env=at(2100), what="back online")
    farm.dispatch(env=at(2200))
    off, on = sent()
    assert len(off) == 1 and len(on) == 1, (off, on)
    assert "back after 18 min" in on[0]["data"]["detail"], on[0]
    assert len(farm.events(printer_id=p["id"], kind="printer_online")) == 1


def test_offline_grace_is_a_setting(farm, webhook_receiver):
    path = "/grace"
    serial, sim, p = watched_printer(farm, webhook_receiver, path,
                                     on_maintenance=True)
    t0 = int(time.time())
    grace = {"FARM_OFFLINE_GRACE": 30}
    farm.dispatch(env={"FARM_NOW": t0, **grace})
    sim.control(serial, {"offline": True})
    sim.wait_state(serial, lambda s: s["online"] is False)
    farm.dispatch_until(
        lambda: farm.get_printer(p["id"])["status"] == "offline",
        env={"FARM_NOW": t0 + 200, **grace}, what="offline",
        budget_ms=QUIET_MS)
    farm.dispatch(env={"FARM_NOW": t0 + 240, **grace}, budget_ms=QUIET_MS)
    assert len(hooks(webhook_receiver, path, "printer.offline")) == 1
    # a bad value is refused with a clear message, nothing half-done
    r = farm.dispatch(env={"FARM_OFFLINE_GRACE": "soon"}, check=False)
    assert r.returncode != 0
    assert "FARM_OFFLINE_GRACE" in r.stderr, r
