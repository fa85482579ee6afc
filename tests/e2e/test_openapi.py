"""The OpenAPI document and the route table list the same operations."""

import json
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def routes(stack):
    out = subprocess.run([str(stack.bin_dir / "farm.fcgi"), "--routes"],
                         capture_output=True, text=True, check=True).stdout
    got = set()
    for line in out.splitlines():
        method, path = line.split()
        got.add((method, re.sub(r":(\w+)", r"{\1}", path)))
    return got


def documented():
    doc = json.loads((ROOT / "static" / "openapi.json").read_text())
    ops = set()
    for path, item in doc["paths"].items():
        for method in item:
            if method in ("get", "post", "put", "delete", "patch"):
                ops.add((method.upper(), path))
    return ops


def test_every_route_is_documented_and_back(stack):
    r, d = routes(stack), documented()
    assert r, "farm.fcgi --routes printed nothing"
    assert r - d == set(), f"routes missing from openapi.json: {r - d}"
    assert d - r == set(), f"documented but not routed: {d - r}"


def test_api_md_mentions_every_route(stack):
    text = re.sub(r"\{\w+\}", "{}", (ROOT / "docs" / "API.md").read_text())
    for method, path in routes(stack):
        plain = re.sub(r"\{\w+\}", "{}", path)
        assert f"{method} {plain}" in text, f"{method} {path} not in API.md"
