"""Full cost and profit (issue 13, item 6): a printer's power and machine
rate, the energy price setting, every print's energy/machine/total cost
from its actual duration (else its estimate), and an order's revenue, cost
and profit, through the API and on the pages. Expected values are worked
out from what the server answers (started_at, completed_at), never from
the test's clock."""

from datetime import datetime

from helpers import new_file, new_material, new_order, new_printer
from test_pages import get, hidden_csrf, post, sign_in


def secs(iso):
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())


def cents(v):
    return round(v * 100)


def half_up(num, den):
    return (num + den // 2) // den


def expect(p, watts, rate, price):
    if p["started_at"] and p["completed_at"]:
        s = secs(p["completed_at"]) - secs(p["started_at"])
    else:
        s = p["estimated_minutes"] * 60
    energy = half_up(watts * s * price, 3600000)
    machine = half_up(rate * s, 3600)
    material = cents(p["material_cost"]) if p["material_cost"] is not None else 0
    return energy, machine, material + energy + machine


def test_printer_power_defaults_and_rate(user):
    api = user.api
    p = new_printer(api, model="X1C")
    assert p["power_watts"] is None and p["effective_power_watts"] == 150
    assert p["machine_rate"] == 0
    for model, watts in [("P1S", 130), ("A1", 95), ("A1M", 80), ("H2D", 200),
                         ("other", 120)]:
        r = api.put(f"/api/printers/{p['id']}", json={"model": model})
        assert r.status_code == 200, r.text
        assert r.json()["effective_power_watts"] == watts
    r = api.put(f"/api/printers/{p['id']}",
                json={"power_watts": 175, "machine_rate": 0.85})
    assert r.status_code == 200, r.text
    assert r.json()["power_watts"] == 175
    assert r.json()["effective_power_watts"] == 175
    assert r.json()["machine_rate"] == 0.85
    r = api.put(f"/api/printers/{p['id']}", json={"power_watts": None})
    assert r.json()["power_watts"] is None
    assert r.json()["effective_power_watts"] == 120
    r = api.put(f"/api/printers/{p['id']}",
                json={"power_watts": 0, "machine_rate": -1})
    assert r.status_code == 422
    fields = set(r.json()["error"]["fields"])
    assert fields == {"power_watts", "machine_rate"}


def test_settings(user):
    api = user.api
    r = api.get("/api/settings")
    assert r.status_code == 200 and r.json() == {"energy_price_per_kwh": 0}
    r = api.put("/api/settings", json={"energy_price_per_kwh": 0.32})
    assert r.status_code == 200 and r.json() == {"energy_price_per_kwh": 0.32}
    assert api.get("/api/settings").json()["energy_price_per_kwh"] == 0.32
    r = api.put("/api/settings", json={"energy_price_per_kwh": "x"})
    assert r.status_code == 422


def test_settings_are_per_user(stack, user):
    other = stack.make_user()
    user.api.put("/api/settings", json={"energy_price_per_kwh": 0.5})
    assert other.api.get("/api/settings").json() == {
        "energy_price_per_kwh": 0}
    other.api.close()


def test_account_and_printer_forms(stack, user):
    pr = new_printer(user.api, model="A1M")
    b = sign_in(stack, user)
    page = get(b, "/account").text
    assert 'name="energy_price_per_kwh"' in page
    r = post(b, "/account/costs", {"csrf": hidden_csrf(page),
                                   "energy_price_per_kwh": "abc"})
    assert r.status_code == 422 and "energy_price_per_kwh" in r.text
    r = post(b, "/account/costs", {"csrf": hidden_csrf(page),
                                   "energy_price_per_kwh": "0.41"})
    assert r.status_code == 303, r.text[:300]
    assert user.api.get("/api/settings").json()["energy_price_per_kwh"] == 0.41
    page = get(b, f"/printers/{pr['id']}").text
    assert 'name="power_watts"' in page and 'placeholder="80"' in page
    form = {"csrf": hidden_csrf(page), "name": pr["name"], "model": "A1M",
            "serial": pr["serial"], "host": pr["host"], "port": "8883",
            "ftp_port": "990", "access_code": "", "power_watts": "90",
            "machine_rate": "1.25"}
    r = post(b, f"/printers/{pr['id']}", form)
    assert r.status_code == 303, r.text[:500]
    got = user.api.get(f"/api/printers/{pr['id']}").json()
    assert got["power_watts"] == 90 and got["machine_rate"] == 1.25


def test_print_costs_estimate_then_actual(user):
    api = user.api
    new_file(api, "part.3mf")
    pr = new_printer(api, model="P1S")
    api.put(f"/api/printers/{pr['id']}",
            json={"power_watts": 130, "machine_rate": 1.50})
    new_material(api, pr["id"], cost_per_kg=24.99)
    api.put("/api/settings", json={"energy_price_per_kwh": 0.30})
    r = api.post("/api/bambu/scheduled-prints", json={
        "printer_id": pr["id"], "name": "Hook", "file": "part.3mf",
        "estimated_minutes": 120, "grams": 40, "material_slot": 0})
    assert r.status_code == 201, r.text
    p = r.json()
    # 40 g x 24.99/kg = 1.00; 130 W x 2 h x 0.30 = 0.078 -> 0.08;
    # 1.50 x 2 h = 3.00
    assert p["material_cost"] == 1.00
    assert p["energy_cost"] == 0.08
    assert p["machine_cost"] == 3.00
    assert p["total_cost"] == 4.08
    pid = p["id"]
    r = api.put(f"/api/bambu/scheduled-prints/{pid}", json={"status": "started"})
    assert r.status_code == 200, r.text
    r = api.put(f"/api/bambu/scheduled-prints/{pid}", json={"status": "completed"})
    assert r.status_code == 200, r.text
    p = r.json()
    e, m, t = expect(p, 130, 150, 30)
    assert (cents(p["energy_cost"]), cents(p["machine_cost"]),
            cents(p["total_cost"])) == (e, m, t)
    # a short actual run costs less than the two-hour estimate
    assert p["total_cost"] < 4.08
    # the list and the queue answer the same numbers
    listed = [x for x in
              api.get("/api/bambu/scheduled-prints").json()["prints"]
              if x["id"] == pid]
    assert listed[0]["total_cost"] == p["total_cost"]


def test_queue_costs_follow_the_price(user):
    api = user.api
    new_file(api, "part.3mf")
    pr = new_printer(api, model="H2D")
    r = api.post("/api/bambu/scheduled-prints", json={
        "printer_id": pr["id"], "name": "Box", "file": "part.3mf",
        "estimated_minutes": 60})
    assert r.status_code == 201
    q = api.get(f"/api/bambu/scheduled-prints/{pr['id']}/queue").json()["queue"]
    assert q[0]["energy_cost"] == 0 and q[0]["total_cost"] == 0
    api.put("/api/settings", json={"energy_price_per_kwh": 1.00})
    q = api.get(f"/api/bambu/scheduled-prints/{pr['id']}/queue").json()["queue"]
    assert q[0]["energy_cost"] == 0.20  # 200 W x 1 h x 1.00
    api.put(f"/api/printers/{pr['id']}", json={"machine_rate": 2})
    q = api.get(f"/api/bambu/scheduled-prints/{pr['id']}/queue").json()["queue"]
    assert q[0]["machine_cost"] == 2.00 and q[0]["total_cost"] == 2.20


def test_order_profit_is_revenue_minus_print_costs(stack, user):
    api = user.api
    new_file(api, "part.3mf")
    pr = new_printer(api, model="A1")
    api.put(f"/api/printers/{pr['id']}", json={"machine_rate": 0.75})
    new_material(api, pr["id"], cost_per_kg=20.00)
    api.put("/api/settings", json={"energy_price_per_kwh": 0.25})
    prod = api.post("/api/products", json={
        "name": "Planter", "sku": "PL-COST", "file": "part.3mf",
        "estimated_minutes": 95, "grams": 33, "material_slot": 0})
    assert prod.status_code == 201, prod.text
    gift = new_order(api, [{"title": "Gift wrap", "quantity": 2,
                            "price": 1.25}, {"title": "Card", "quantity": 1}])
    assert gift["items"][0]["price"] == 1.25 and gift["items"][1]["price"] is None
    assert gift["revenue"] == 2.50 and gift["cost"] == 0
    assert gift["profit"] == 2.50
    order = new_order(api, [{"title": "Planter", "quantity": 3,
                             "sku": "PL-COST", "price": 12.50}])
    assert order["revenue"] == 37.50 and order["profit"] == 37.50
    oid = order["id"]
    r = api.post(f"/api/orders/{oid}/schedule-prints",
                 json={"printer_id": pr["id"]})
    assert r.status_code == 201, r.text
    ids = [p["id"] for p in r.json()["prints"]]
    # the first one runs; the others keep their estimate
    api.put(f"/api/bambu/scheduled-prints/{ids[0]}", json={"status": "started"})
    api.put(f"/api/bambu/scheduled-prints/{ids[0]}", json={"status": "completed"})
    every = api.get("/api/bambu/scheduled-prints").json()["prints"]
    prints = [x for x in every if x["id"] in ids]
    assert len(prints) == 3
    total = 0
    for p in prints:
        e, m, t = expect(p, 95, 75, 25)
        assert cents(p["total_cost"]) == t
        total += t
    o = api.get(f"/api/orders/{oid}").json()
    assert cents(o["revenue"]) == 3750
    assert cents(o["cost"]) == total
    assert cents(o["profit"]) == 3750 - total
    listed = [x for x in api.get("/api/orders").json()["orders"]
              if x["id"] == oid][0]
    assert listed["profit"] == o["profit"]
    # the order page and /analytics show the same numbers
    b = sign_in(stack, user)
    page = get(b, f"/orders/{oid}").text
    assert f"{o['profit']:.2f}" in page and f"{o['revenue']:.2f}" in page
    stats = get(b, "/analytics").text
    assert "Per product" in stats and "Planter" in stats
    assert f"{o['profit']:.2f}" in stats


def test_order_without_prices_has_no_profit(user):
    o = new_order(user.api, [{"title": "Thing", "quantity": 1}])
    assert o["revenue"] is None and o["profit"] is None and o["cost"] == 0
    r = user.api.post("/api/orders", json={"items": [
        {"title": "Thing", "quantity": 1, "price": -1}]})
    assert r.status_code == 422
    assert "items[0].price" in r.json()["error"]["fields"]
