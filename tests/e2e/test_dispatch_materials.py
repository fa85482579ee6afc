"""farm-dispatch --once and filament: the AMS trays a printer reports are
synced into its materials (source printer, type/color/remaining, never a
user's vendor or cost, remaining % only when the printer knows it, empty
trays removed, manual rows left alone) with material_changed events;
unassigned prints go to idle printers by loaded material (type, and color
when asked; same user only) and spread over idle printers; a printer
without enough filament for a print gets nothing. See test_dispatch.py.

bambu-sim's default AMS (one unit): slot 0 PLA F4F4F0 100 %, slot 1 PLA
1B1B1B 80 %, slot 2 PETG 1E73BE 60 %, slot 3 PLA C12E1F 100 %, 1000 g
spools.
"""

import pytest

from dispatch_helpers import farm, new_serial, project_files  # noqa: F401

# farm-dispatch and farm-deliver act on a whole database: every test
# here runs on a stack of its own (conftest.py).
pytestmark = pytest.mark.own_stack

LONG_JOB = 36000


def tray(state, slot):
    return [t for t in state["trays"] if t["slot"] == slot][0]


def by_slot(materials):
    return {m["slot"]: m for m in materials}


def test_ams_changes_reach_materials_and_write_events(farm):
    serial = new_serial()
    sim = farm.sim([(serial, "X1C")])
    p = farm.printer(serial)
    r = farm.api.post(f"/api/bambu/materials/{p['id']}",
                      json={"slot": 6, "material_type": "TPU",
                            "color": "#112233", "vendor": "Hand-Co",
                            "cost_per_kg": 40.00})
    assert r.status_code == 201, r.text
    manual = r.json()

    farm.dispatch()
    ms = by_slot(farm.materials(p["id"]))
    for slot, (typ, color, remain) in {
            0: ("PLA", "#F4F4F0", 100), 1: ("PLA", "#1B1B1B", 80),
            2: ("PETG", "#1E73BE", 60), 3: ("PLA", "#C12E1F", 100)}.items():
        m = ms.get(slot)
        assert m is not None, f"slot {slot} not synced: {ms}"
        assert m["source"] == "printer", m
        assert m["material_type"] == typ, m
        assert m["color"].upper() == color, m
        assert m["remaining_percent"] == remain, m
        assert m["weight_grams"] == 1000, m
        assert m["remaining_grams"] == 10 * remain, m
        assert m["synced_at"] is not None, m
    assert ms[6] == manual, "a manual material was touched"

    # the user prices the PETG spool and corrects slot 1's level by hand
    r = farm.api.put(f"/api/bambu/materials/{ms[2]['id']}",
                     json={"vendor": "Polymaker", "cost_per_kg": 31.50})
    assert r.status_code == 200, r.text
    r = farm.api.put(f"/api/bambu/materials/{ms[1]['id']}",
                     json={"remaining_percent": 42})
    assert r.status_code == 200, r.text
    changes = len(farm.events(printer_id=p["id"], kind="material_changed"))

    sim.control(serial, {"ams": {"slot": 2, "type": "PETG",
                                 "color": "00FF00FF", "remain": 40}})
    sim.control(serial, {"ams": {"slot": 3, "empty": True}})
    sim.control(serial, {"ams": {"slot": 1, "remain": -1}})   # unknown
    sim.wait_state(serial, lambda s: tray(s, 2)["color"] == "00FF00FF" and
                   tray(s, 3)["empty"] and tray(s, 1)["remain"] == -1)

    farm.dispatch_until(
        lambda: (by_slot(farm.materials(p["id"])).get(2) or {}).get(
            "color", "").upper() == "#00FF00", runs=2,
        what="slot 2 re-synced")
    ms = by_slot(farm.materials(p["id"]))
    m2 = ms[2]
    assert m2["material_type"] == "PETG" and m2["source"] == "printer", m2
    assert m2["remaining_percent"] == 40 and m2["remaining_grams"] == 400
    assert m2["vendor"] == "Polymaker", m2           # never overwritten
    assert m2["cost_per_kg"] == pytest.approx(31.50), m2
    assert m2["currency"], m2
    assert 3 not in ms, f"emptied tray still listed: {ms[3]}"
    assert ms[1]["remaining_percent"] == 42, ms[1]   # printer doesn't know
    assert ms[1]["material_type"] == "PLA"
    assert ms[6]["vendor"] == "Hand-Co" and ms[6]["source"] == "manual"
    assert ms[6]["material_type"] == "TPU" and ms[6]["color"] == "#112233"

    new = farm.events(printer_id=p["id"], kind="material_changed")
    assert len(new) > changes, new
    # nothing changed since: a further run writes no more change events
    farm.dispatch()
    assert len(farm.events(printer_id=p["id"],
                           kind="material_changed")) == len(new)


def test_unassigned_prints_go_to_the_printer_with_that_material(farm,
                                                                stack):
    other = stack.make_user()
    try:
        serials = {k: new_serial() for k in ("abs", "asa", "green", "theirs")}
        # one card each: the three starts upload one file at once
        sim = farm.rack([(s, "X1C") for s in serials.values()])
        for key, (typ, color) in {"abs": ("ABS", "FFFFFFFF"),
                                  "asa": ("ASA", "2F9E44FF"),
                                  "green": ("PETG", "00FF00FF"),
                                  "theirs": ("ABS", "FFFFFFFF")}.items():
            sim.control(serials[key], {"ams": {"slot": 0, "type": typ,
                                               "color": color}})
        for key, typ in (("abs", "ABS"), ("asa", "ASA"), ("green", "PETG"),
                         ("theirs", "ABS")):
            sim.wait_state(serials[key],
                           lambda s, t=typ: tray(s, 0)["type"] == t)
        ps = {k: farm.printer(s, ftps=sim.ftps[s])
              for k, s in serials.items() if k != "theirs"}
        theirs = farm.printer(serials["theirs"], api=other.api,
                              ftps=sim.ftps[serials["theirs"]])
        watch = {k: farm.watch_requests(s) for k, s in serials.items()}
        farm.dispatch()                          # learn what is loaded
        assert farm.material_at(ps["green"]["id"], 0)["color"].upper() \
            == "#00FF00"

        name, _ = farm.upload(seconds=LONG_JOB)
        want = {"abs": farm.queue(None, name, name="wants-abs",
                                  material_type="ABS"),
                "asa": farm.queue(None, name, name="wants-asa",
                                  material_type="ASA"),
                "green": farm.queue(None, name, name="wants-green-petg",
                                    material_type="PETG", color="#00ff00")}
        r = farm.api.get("/api/bambu/scheduled-prints",
                         params={"unassigned": 1})
        assert {x["id"] for x in r.json()["prints"]} == \
            {j["id"] for j in want.values()}

        def all_started():
            got = {k: farm.get_print(j["id"]) for k, j in want.items()}
            return got if all(x["status"] == "started"
                              for x in got.values()) else None

        got = farm.dispatch_until(all_started, runs=2,
                                  what="three unassigned prints started")
        for key, j in got.items():
            assert j["printer_id"] == ps[key]["id"], (key, j)
            assert len(project_files(watch[key], j["id"])) == 1
            sim.wait_state(serials[key],
                           lambda s, n=j["name"]: s["subtask_name"] == n)
        # the other user's idle ABS printer got nothing of ours
        assert project_files(watch["theirs"]) == []
        assert sim.state(serials["theirs"])["jobs_started"] == 0
        assert farm.get_printer(theirs["id"], api=other.api)[
            "current_print_id"] is None
    finally:
        other.api.close()


def test_unassigned_prints_spread_over_idle_printers(farm):
    serials = [new_serial() for _ in range(3)]
    # one card each: the three starts upload one file at once
    sim = farm.rack([(s, "X1C") for s in serials])
    ps = [farm.printer(s, ftps=sim.ftps[s]) for s in serials]
    farm.dispatch()
    name, _ = farm.upload(seconds=LONG_JOB)
    jobs = [farm.queue(None, name, name=f"pla-{i}", material_type="PLA",
                       grams=20) for i in range(3)]

    def all_started():
        got = [farm.get_print(j["id"]) for j in jobs]
        return got if all(x["status"] == "started" for x in got) else None

    got = farm.dispatch_until(all_started, runs=2, what="all three started")
    assert sorted(j["printer_id"] for j in got) == \
        sorted(p["id"] for p in ps), got
    for s in serials:
        assert sim.state(s)["jobs_started"] <= 1
    for s in serials:
        sim.wait_state(s, lambda st: st["jobs_started"] == 1)


def test_printer_without_enough_filament_gets_nothing(farm):
    serial = new_serial()
    sim = farm.sim([(serial, "X1C")])
    p = farm.printer(serial)
    w = farm.watch_requests(serial)
    sim.control(serial, {"ams": {"slot": 0, "remain": 5}})     # 50 g left
    sim.wait_state(serial, lambda s: tray(s, 0)["remain"] == 5)
    farm.dispatch()
    assert farm.material_at(p["id"], 0)["remaining_grams"] == 50

    name, _ = farm.upload(seconds=LONG_JOB, grams=100)
    job = farm.queue(p["id"], name, material_slot=0, grams=100)
    # unassigned, wanting more PLA than any loaded spool holds
    big = farm.queue(None, name, name="too-big", material_type="PLA",
                     grams=1500)
    for _ in range(2):
        farm.dispatch()
        assert farm.get_print(job["id"])["status"] == "queued"
        b = farm.get_print(big["id"])
        assert b["status"] == "queued" and b["printer_id"] is None, b
    assert project_files(w) == []
    assert sim.state(serial)["jobs_started"] == 0
    pr = farm.get_printer(p["id"])
    assert pr["status"] == "idle" and pr["current_print_id"] is None, pr

    # with a need that fits, the same print starts
    r = farm.api.put(f"/api/bambu/scheduled-prints/{job['id']}",
                     json={"grams": 40})
    assert r.status_code == 200, r.text
    farm.dispatch_until(
        lambda: farm.get_print(job["id"])["status"] == "started", runs=2,
        what="print started once it fits")
    assert len(project_files(w, job["id"])) == 1
    assert farm.get_print(big["id"])["status"] == "queued"


def test_grams_are_taken_off_a_spool_the_printer_cannot_measure(farm):
    """A tray whose remaining filament the printer does not know (remain
    -1): the print's grams come off the recorded remaining percent when it
    completes, and its cost is recorded."""
    serial = new_serial()
    sim = farm.sim([(serial, "X1C")])
    p = farm.printer(serial)
    sim.control(serial, {"ams": {"slot": 1, "remain": -1}})
    sim.wait_state(serial, lambda s: tray(s, 1)["remain"] == -1)
    farm.dispatch()
    m1 = farm.material_at(p["id"], 1)
    assert m1 is not None and m1["source"] == "printer", m1
    r = farm.api.put(f"/api/bambu/materials/{m1['id']}",
                     json={"remaining_percent": 50, "cost_per_kg": 25.00})
    assert r.status_code == 200, r.text

    name, _ = farm.upload(seconds=120, grams=100)
    job = farm.queue(p["id"], name, material_slot=1, grams=100)
    farm.dispatch()
    assert farm.get_print(job["id"])["status"] == "started"
    sim.wait_state(serial, lambda s: s["gcode_state"] == "FINISH",
                   timeout=60)
    j = farm.dispatch_until(
        lambda: (lambda x: x if x["status"] == "completed" else None)(
            farm.get_print(job["id"])), runs=2, what="print completed")
    assert j["material_cost"] == pytest.approx(2.50), j   # 100 g x 25/kg
    m1 = farm.material_at(p["id"], 1)
    assert m1["remaining_percent"] == 40, m1      # 500 g - 100 g of 1000
    assert m1["remaining_grams"] == 400, m1
    farm.dispatch()                                # not taken off twice
    assert farm.material_at(p["id"], 1)["remaining_percent"] == 40
