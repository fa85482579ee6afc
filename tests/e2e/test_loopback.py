"""Our tests and benchmarks send nothing beyond this machine: every address
they give a printer, a webhook or a mail server is on loopback.

The scan covers the Python and shell files under tests/ and tools/:
  - every IPv4 literal is in 127.0.0.0/8 (a dotted version such as
    01.08.02.00, with its leading zeros, is not an address);
  - every printer host ("host": "...", host=..., --host ...) is a loopback
    address or localhost;
  - every URL names a loopback address, localhost, or a name that cannot
    resolve (one without a dot, as in "http://x" in an escaping test, or
    one in the reserved .example, .test, .invalid and .localhost
    domains). A real name (a Discord or Slack webhook, say) is allowed
    only to check format detection, on a line that says "never delivered"
    or on one of the two lines below it.
farm-dispatch and farm-deliver run only on a test's own stack (stack.py,
need_own_stack), so the API tests' printers and preferences are never
dialled or delivered to at all.
"""

import ipaddress
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

IPV4 = re.compile(r"(?<![\w.])(\d{1,3}(?:\.\d{1,3}){3})(?![\w.])")
HOST = re.compile(r"""(?:["']host["']\s*:\s*|\bhost\s*=\s*|--host["',\s]+)"""
                  r"""["']([^"'$]*)["']""")
URL = re.compile(r"\b[a-z][a-z0-9+.-]*://([A-Za-z0-9.-]*)")
RESERVED = (".example", ".test", ".invalid", ".localhost")
MARK = "never delivered"


def is_ip(text):
    parts = text.split(".")
    if len(parts) != 4 or any(len(p) > 1 and p[0] == "0" for p in parts):
        return False                    # 01.08.02.00 is a firmware version
    try:
        ipaddress.IPv4Address(text)
        return True
    except ValueError:
        return False


def loopback(host):
    if host == "localhost":
        return True
    return is_ip(host) and ipaddress.IPv4Address(host).is_loopback


def problems(text):
    """(line number, finding) for every address in text off loopback."""
    out = []
    lines = text.splitlines()
    for n, line in enumerate(lines, 1):
        marked = any(MARK in x for x in lines[max(0, n - 3):n])
        for ip in IPV4.findall(line):
            if is_ip(ip) and not loopback(ip):
                out.append((n, f"address {ip}"))
        for host in HOST.findall(line):
            if host and not loopback(host):
                out.append((n, f"printer host {host!r}"))
        for host in URL.findall(line):
            if not host or loopback(host) or is_ip(host):
                continue                # IP literals are checked above
            if "." not in host or host.lower().endswith(RESERVED) or marked:
                continue                # "http://x" in an escaping test
            out.append((n, f"URL host {host!r}"))
    return out


def scanned_files():
    files = [p for p in (ROOT / "tests").rglob("*")
             if p.suffix in (".py", ".sh") and p.is_file()]
    files += [p for p in (ROOT / "tools").iterdir()
              if p.suffix in (".py", ".sh") and p.is_file()]
    me = Path(__file__).resolve()       # its examples are the scan's test
    return sorted(p for p in files if p.resolve() != me)


def test_every_address_in_tests_and_tools_is_on_loopback():
    found = []
    files = scanned_files()
    assert any(p.name == "bench_outbox.sh" for p in files)
    for p in files:
        text = p.read_text(errors="replace")
        found += [f"{p.relative_to(ROOT)}:{n}: {what}"
                  for n, what in problems(text)]
    assert not found, "off loopback:\n" + "\n".join(found)


def test_the_scan_finds_what_it_must():
    far = ".".join(["192", "0", "2", "7"])          # TEST-NET-1
    lan = ".".join(["10", "0", "0", "9"])
    assert problems(f'{{"host": "{far}", "port": 8883}}')
    assert problems(f'body = {{"host": "{lan}"}}')
    assert problems('{"host": "printer.lan"}')
    assert problems('new_printer(api, host="printer.lan")')
    assert problems('["--host", "printer.lan"]')
    assert problems(f"url = 'http://{far}:8080/hook'")
    assert problems("hook = 'https://" + "discord.com/api/webhooks/1/x'")
    assert problems("smtp = 'smtp://" + "mail.example.com:25'")
    # loopback, reserved names, versions, and marked detection checks pass
    assert not problems('{"host": "127.0.0.1", "port": 8883}')
    assert not problems("f'http://127.0.0.1:{port}/hook'")
    assert not problems("'https://hooks.example/a' 'https://x.example.test'")
    assert not problems('firmware = "01.08.02.00"')
    assert not problems("""NASTY = '=HYPERLINK("http://x"), "big" part'""")
    assert not problems("# format detection only, never delivered\n"
                        "url = 'https://" + "discord.com/api/webhooks/1/x'")
