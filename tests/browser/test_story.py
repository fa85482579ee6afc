"""The story of a new farm owner, through the browser alone, on a fresh
install: the first account, a simulated printer that comes online with its
AMS, a file uploaded, two chained prints queued and watched as they start
and finish on the overview without a reload, a product and an order
scheduled with one click, notifications set and a test sent to local
receivers, the finished prints on /history and /analytics, and an API
token created and used with curl.

The printer is bambu-sim on the test broker and FTPS server (127.0.0.1);
farm-dispatch --watch drives it. Screenshots of every page go to
build/screenshots/ at 1280 and 375 px.
"""

import re
import subprocess

from chrome import Chrome
from dispatch_helpers import FAST, make_3mf, new_serial
from printers import ACCESS_CODE, bin_dir
from stack import Stack

PASSWORD = "story-password-1"
JOB_SECONDS = 12  # real seconds a print takes (time scale 1): long
                  # enough for the overview's 5 s refresh to see it run


def start_dispatcher(stack, tmp_path, smtp_sink):
    env = stack.env()
    env.pop("FARM_PRINTER_CA", None)
    env["FARM_SMTP_URL"] = smtp_sink.url
    env["FARM_SMTP_FROM"] = "farm@story.test"
    return subprocess.Popen(
        [str(bin_dir() / "farm-dispatch"), "--watch", "--interval-s", "1"],
        stdin=subprocess.DEVNULL, stdout=open(tmp_path / "dispatch.log", "w"),
        stderr=subprocess.STDOUT, env=env, cwd=str(tmp_path))


def stop(proc, tmp_path):
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log = (tmp_path / "dispatch.log").read_text()
    assert "ERROR: AddressSanitizer" not in log, log[-4000:]
    assert "runtime error:" not in log, log[-4000:]


def card_text(c, pid, field):
    return c.text(f'[data-printer="{pid}"] [data-field="{field}"]')


def first_account(c, st):
    c.page("/")
    assert c.d.current_url.endswith("/setup")
    c.shot("setup")
    code = st.farmctl("setup-code").stdout.strip()   # as make run prints it
    c.fill({"setup_code": code, "email": "owner@story.test",
            "password": PASSWORD, "password2": PASSWORD})
    c.submit("form[action='/setup'] button[type=submit]")
    c.wait(lambda: c.d.current_url.rstrip("/") == c.url, what="overview")
    assert "No printers yet." in c.d.page_source


def add_printer(c, broker, ftps_server, serial):
    c.page("/printers/new")
    c.shot("printer-new")
    c.fill({"name": "Story X1C", "model": "X1C", "serial": serial,
            "host": "127.0.0.1", "port": str(broker.port),
            "ftp_port": str(ftps_server.port), "access_code": ACCESS_CODE})
    c.submit("main form button[type=submit]")
    c.wait(lambda: re.search(r"/printers/\d+$", c.d.current_url),
           what="the new printer's page")
    return int(c.d.current_url.rsplit("/", 1)[1])


def upload(c, tmp_path):
    path = tmp_path / "story-cube.3mf"
    path.write_bytes(make_3mf(seconds=JOB_SECONDS, grams=5))
    c.page("/files")
    c.find('input[type="file"]').send_keys(str(path))
    c.submit("form[enctype='multipart/form-data'] button[type=submit]")
    c.wait(lambda: "story-cube.3mf" in c.d.page_source, what="the file")
    c.shot("files")


def queue_two_chained(c, printer_name):
    c.page("/queue")
    c.fill({"name": "Cube A", "file": "story-cube.3mf",
            "printer_id": printer_name, "estimated_minutes": "1"})
    c.submit("form[action='/queue'] button[type=submit]")
    c.wait(lambda: "Cube A" in c.d.page_source, what="Cube A queued")
    c.fill({"name": "Cube B", "file": "story-cube.3mf",
            "printer_id": printer_name, "estimated_minutes": "1",
            "chain_after_id": "Cube A", "chain_offset_minutes": "0"})
    c.submit("form[action='/queue'] button[type=submit]")
    c.wait(lambda: "Cube B" in c.d.page_source, what="Cube B queued")
    c.shot("queue")


def watch_on_overview(c, pid):
    """Both prints start and finish while the overview stays loaded."""
    c.page("/")
    c.d.execute_script("window.storyMarker = 42;")
    seen = set()

    def progressed():
        name = card_text(c, pid, "job_name")
        status = card_text(c, pid, "status")
        busy = "Printing" in status or "Preparing" in status
        if busy:
            if not seen:
                c.shot("overview-printing", widths=(1280,))
            seen.add(name)
        return {"Cube A", "Cube B"} <= seen and not busy

    c.wait(progressed, timeout=120, what="both prints to run and end")
    assert c.d.execute_script("return window.storyMarker") == 42, \
        "the overview was reloaded"
    c.check_console("/ while live")
    c.shot("overview")


def product_and_order(c):
    c.page("/products/new")
    c.fill({"name": "Story cube", "sku": "STORY-CUBE", "file":
            "story-cube.3mf", "estimated_minutes": "1"})
    c.submit("main form button[type=submit]")
    c.wait(lambda: "Product Story cube" in c.d.page_source,
           what="the product's notice")
    c.shot("products")
    c.page("/orders/new")
    c.fill({"external_id": "ETSY-1001", "buyer": "Ada"})
    c.fill({"items[0].title": "Story cube", "items[0].quantity": "2",
            "items[0].sku": "STORY-CUBE"})
    c.submit("main form button[type=submit]")
    c.wait(lambda: re.search(r"/orders/\d+$", c.d.current_url),
           what="the order's page")
    c.submit("form[action$='/schedule'] button[type=submit]")
    c.wait(lambda: "Scheduled 2 prints" in c.d.page_source,
           what="the order's prints")
    c.shot("order")


def notifications(c, pid, smtp_sink, webhook_receiver):
    c.page(f"/printers/{pid}")
    c.fill({"email_enabled": True, "email_address": "owner@story.test",
            "webhook_url": webhook_receiver.url(), "on_print_failed": True})
    c.submit("form[action$='/notifications'] button[type=submit]")
    c.wait(lambda: "saved" in c.d.page_source.lower()
           or "whsec_" in c.d.page_source, what="the preferences saved")
    c.submit("form[action$='/notifications/test'] button[type=submit]")
    webhook_receiver.wait_for(1, timeout=30)
    c.wait(lambda: smtp_sink.messages(), timeout=30, what="the test email")
    c.page(f"/printers/{pid}")
    c.shot("printer")


def history_and_analytics(c):
    c.page("/history")
    assert "Cube A" in c.d.page_source and "Cube B" in c.d.page_source
    c.shot("history")
    c.page("/analytics")
    assert "No prints in this range" not in c.d.page_source
    c.shot("analytics")


def token_for_curl(c, url):
    c.page("/account")
    c.fill({"name": "story script"})
    c.submit("form[action='/account/tokens'] button[type=submit]")
    c.wait(lambda: c.finds("#a-new-token"), what="the new token")
    token = c.find("#a-new-token").get_attribute("value")
    assert len(token) > 20
    c.shot("account")
    out = subprocess.run(
        ["curl", "-sS", "-H", f"Authorization: Bearer {token}",
         f"{url}/api/printers"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert '"Story X1C"' in out.stdout, out.stdout


def test_a_new_farm_owner_runs_the_farm_from_the_browser(
        broker, ftps_server, bambu_sim, smtp_sink, webhook_receiver,
        tmp_path):
    with Stack(workers=2) as st:
        c = Chrome(st.url)
        dispatcher = None
        try:
            first_account(c, st)
            serial = new_serial("ST")
            pid = add_printer(c, broker, ftps_server, serial)
            bambu_sim(printers=[(serial, "X1C")], time_scale=1,
                      job_seconds=JOB_SECONDS, extra_args=FAST)
            dispatcher = start_dispatcher(st, tmp_path, smtp_sink)
            c.page(f"/printers/{pid}")
            c.wait(lambda: "Idle" in card_text(c, pid, "status"),
                   timeout=60, what="the printer online")
            c.page(f"/printers/{pid}")
            assert c.finds(".ams .slot:not(.empty-slot)"), "no AMS shown"
            upload(c, tmp_path)
            queue_two_chained(c, "Story X1C")
            watch_on_overview(c, pid)
            product_and_order(c)
            notifications(c, pid, smtp_sink, webhook_receiver)
            history_and_analytics(c)
            token_for_curl(c, st.url)
        finally:
            if dispatcher is not None:
                stop(dispatcher, tmp_path)
            c.close()
