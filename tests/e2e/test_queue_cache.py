"""Workers keep rendered queues until the printer's queue_version moves:
every kind of change behind a queue answer must show on the next read,
whichever worker serves it."""


import pytest

from helpers import new_file, new_material, new_print, new_printer
from stack import Stack


def queue(api, printer_id, reads=6):
    """Reads the queue several times (every worker answers at least once
    with two workers) and checks they all agree."""
    answers = [api.get(f"/api/bambu/scheduled-prints/{printer_id}/queue")
               for _ in range(reads)]
    assert all(a.status_code == 200 for a in answers)
    bodies = [a.json()["queue"] for a in answers]
    assert all(b == bodies[0] for b in bodies)
    return bodies[0]


def test_changes_show_on_the_next_read(stack, user):
    api = user.api
    new_file(api)
    p = new_printer(api)
    new_material(api, p["id"], slot=0, cost_per_kg=20.00)
    a = new_print(api, p["id"], material_slot=0, grams=100)
    b = new_print(api, p["id"], name="second")
    assert [e["id"] for e in queue(api, p["id"])] == [a["id"], b["id"]]
    assert queue(api, p["id"])[0]["material_cost"] == 2.0

    # a print's priority moves it
    api.put(f"/api/bambu/scheduled-prints/{b['id']}", json={"priority": 5})
    assert [e["id"] for e in queue(api, p["id"])] == [b["id"], a["id"]]

    # a material's price changes the cost shown
    mats = api.get(f"/api/bambu/materials/{p['id']}").json()["materials"]
    api.put(f"/api/bambu/materials/{mats[0]['id']}", json={"cost_per_kg": 30})
    assert queue(api, p["id"])[1]["material_cost"] == 3.0

    # a new print and a cancel
    c = new_print(api, p["id"], name="third", priority=9)
    assert queue(api, p["id"])[0]["id"] == c["id"]
    api.delete(f"/api/bambu/scheduled-prints/{c['id']}")
    assert c["id"] not in [e["id"] for e in queue(api, p["id"])]

    # a write that bypasses the API (as the dispatcher's does)
    stack.db_write("UPDATE scheduled_prints SET name = 'renamed' WHERE id = ?",
                   (a["id"],))
    assert "renamed" in [e["name"] for e in queue(api, p["id"])]


@pytest.fixture(scope="module")
def one_worker():
    """A stack of its own with a single worker, so the answer a test reads
    is the one that worker kept."""
    s = Stack(workers=1)
    s.start()
    try:
        yield s
    finally:
        s.stop()


def test_a_material_sync_keeps_the_cached_queue(one_worker):
    """What the dispatcher writes on every step for a spool that did not
    change (synced_at, the remaining share) leaves queue_version alone, so
    the worker's rendered queue survives it; a price change does not."""
    u = one_worker.make_user()
    api = u.api
    new_file(api)
    p = new_printer(api)
    m = new_material(api, p["id"], slot=0, cost_per_kg=20.00)
    a = new_print(api, p["id"], material_slot=0, grams=100)
    assert queue(api, p["id"])[0]["name"] == a["name"]

    db = one_worker.db()
    # A rename the version does not see (its bump taken back): from here on
    # only an answer kept from before can still show the old name.
    with db.transaction() as con:
        con.execute("UPDATE scheduled_prints SET name = 'behind' "
                    "WHERE id = ?", (a["id"],))
        con.execute("UPDATE printers SET queue_version = queue_version - 1 "
                    "WHERE id = ?", (p["id"],))
        con.execute("UPDATE materials SET synced_at = 1700000000 "
                    "WHERE id = ?", (m["id"],))
    assert queue(api, p["id"])[0]["name"] == a["name"]

    db.execute("UPDATE materials SET synced_at = 1700000060, "
               "remaining_percent = 42, tray_uuid = 'U1', "
               "low_notified_at = 1700000060 WHERE id = ?", (m["id"],))
    assert queue(api, p["id"])[0]["name"] == a["name"]

    db.execute("UPDATE materials SET cost_per_kg = 3000 WHERE id = ?",
               (m["id"],))
    head = queue(api, p["id"])[0]
    assert (head["name"], head["material_cost"]) == ("behind", 3.0)
    u.api.close()


def test_paging_is_cached_apart(user):
    api = user.api
    new_file(api)
    p = new_printer(api)
    ids = [new_print(api, p["id"], name=f"p{i}")["id"] for i in range(3)]
    first = api.get(f"/api/bambu/scheduled-prints/{p['id']}/queue?limit=1")
    second = api.get(
        f"/api/bambu/scheduled-prints/{p['id']}/queue?limit=1&offset=1")
    assert [e["id"] for e in first.json()["queue"]] == ids[:1]
    assert [e["id"] for e in second.json()["queue"]] == ids[1:2]
    assert second.json()["queue"][0]["position"] == 2
