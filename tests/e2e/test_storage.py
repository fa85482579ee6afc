"""Storage for print files, through nginx and the worker pool:

- a per-user quota (FARM_FILE_QUOTA): an upload that would pass it is 507
  quota_exceeded, by its Content-Length before a byte is read or counted
  while it streams; a replaced file counts with its new size only; nothing
  is written (no row, no file, no temporary); GET /api/files says the use;
- a full disk: an upload whose write, fsync or rename fails with ENOSPC or
  EDQUOT is 507 storage_full with nothing half-written (the old file of a
  replace intact), and the worker goes on serving. The disk is made full by
  the test build's FARM_DISK_FULL hook (lib/domain/printfile.c: "write:N,
  fsync:N:edquot,rename:N" fails that step once an upload holds more than N
  bytes), as nothing portable fills a real disk without root;
- upload temporaries that a killed worker left are swept when a worker
  starts and by farmctl migrate: those older than an hour go, fresh ones
  (an upload under way) stay.
"""

import os
import signal
import time
from pathlib import Path

import pytest

from helpers import error_of, new_file
from stack import Stack
from test_pages import assert_html, sign_in
from test_pages_shop import csrf_of, upload

OCTET = {"Content-Type": "application/octet-stream"}
QUOTA = 100_000
# an upload of more than N bytes fails at that step (see the docstring)
FAULTS = "write:300000,fsync:200000:edquot,rename:100000"


def put(api, name, data):
    return api.put(f"/api/files/{name}", data=data, headers=OCTET)


def user_dir(stack, user):
    uid = user.api.get("/api/me").json()["id"]
    return stack.data_dir / "files" / str(uid)


def on_disk(stack, user):
    """Every entry of the user's directory (temporaries included)."""
    d = user_dir(stack, user)
    return sorted(p.name for p in d.iterdir()) if d.exists() else []


def names(user):
    return [f["name"] for f in user.api.get("/api/files").json()["files"]]


def workers(stack):
    """The pids of the stack's farm.fcgi workers (started in its temp
    dir)."""
    out = []
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            if (os.readlink(p / "cwd") == str(stack.tmp) and
                    (p / "cmdline").read_bytes().split(b"\0")[0]
                    .endswith(b"farm.fcgi")):
                out.append(int(p.name))
        except OSError:
            pass
    return sorted(out)


@pytest.fixture(scope="module")
def quota_stack():
    with Stack(workers=2, env={"FARM_FILE_QUOTA": str(QUOTA)}) as s:
        yield s


@pytest.fixture(scope="module")
def full_stack():
    with Stack(workers=1, env={"FARM_DISK_FULL": FAULTS}) as s:
        yield s


@pytest.fixture
def quser(quota_stack):
    u = quota_stack.make_user()
    yield u
    u.api.close()


@pytest.fixture
def fuser(full_stack):
    u = full_stack.make_user()
    yield u
    u.api.close()


# --- the quota ------------------------------------------------------------

def test_over_quota_is_507_and_nothing_is_written(quota_stack, quser):
    assert put(quser.api, "a.3mf", b"a" * 60_000).status_code == 201
    r = put(quser.api, "b.3mf", b"b" * 50_000)
    err = error_of(r, 507, "quota_exceeded")
    assert "60000 of your 100000 bytes" in err["message"], err
    assert "50000" in err["message"], err
    error_of(quser.api.get("/api/files/b.3mf"), 404, "not_found")
    assert on_disk(quota_stack, quser) == ["a.3mf"]
    got = quser.api.get("/api/files").json()
    assert got["storage"] == {"used_bytes": 60_000, "quota_bytes": QUOTA}
    # what still fits is fine
    assert put(quser.api, "b.3mf", b"b" * 40_000).status_code == 201
    assert quser.api.get("/api/files").json()["storage"]["used_bytes"] == \
        100_000
    # full to the byte: the next one is refused however small
    err = error_of(put(quser.api, "c.gcode", b"c"), 507, "quota_exceeded")
    assert "delete files first" in err["message"]
    assert on_disk(quota_stack, quser) == ["a.3mf", "b.3mf"]


def test_a_replace_counts_the_difference(quota_stack, quser):
    assert put(quser.api, "a.3mf", b"a" * 60_000).status_code == 201
    # 60 000 -> 95 000: only the new size counts
    assert put(quser.api, "a.3mf", b"A" * 95_000).status_code == 200
    error_of(put(quser.api, "b.3mf", b"b" * 10_000), 507, "quota_exceeded")
    # a replace that would pass it keeps the old bytes
    error_of(put(quser.api, "a.3mf", b"X" * 100_001), 507, "quota_exceeded")
    assert (user_dir(quota_stack, quser) / "a.3mf").read_bytes() == \
        b"A" * 95_000
    assert quser.api.get("/api/files/a.3mf").json()["size"] == 95_000
    assert put(quser.api, "a.3mf", b"a" * 90_000).status_code == 200
    assert put(quser.api, "b.3mf", b"b" * 10_000).status_code == 201
    assert on_disk(quota_stack, quser) == ["a.3mf", "b.3mf"]


def test_quota_counted_while_streaming(quota_stack, quser):
    """Without a Content-Length the bytes are counted as they arrive; the
    upload stops at the quota and its temporary file goes."""
    auth = {"Authorization": f"Bearer {quser.token}", **OCTET}
    r = quota_stack.cgi("PUT", "/api/files/big.3mf", body=b"x" * 150_000,
                        headers=auth, env={"CONTENT_LENGTH": None})
    assert r.status == 507, r.body
    assert b'"quota_exceeded"' in r.body
    assert names(quser) == []
    assert on_disk(quota_stack, quser) == []


def test_quota_is_per_user(quota_stack, quser):
    assert put(quser.api, "a.3mf", b"a" * QUOTA).status_code == 201
    other = quota_stack.make_user()
    try:
        assert put(other.api, "a.3mf", b"o" * QUOTA).status_code == 201
        # a delete gives the room back
        error_of(put(quser.api, "b.3mf", b"b"), 507, "quota_exceeded")
        assert quser.api.delete("/api/files/a.3mf").status_code == 204
        assert put(quser.api, "b.3mf", b"b" * 1000).status_code == 201
    finally:
        other.api.close()


def test_the_files_page_says_the_quota(quota_stack, quser):
    b = sign_in(quota_stack, quser)
    token = csrf_of(b)
    assert upload(b, token, "a.3mf", b"a" * 70_000).status_code == 303
    r = upload(b, token, "b.3mf", b"b" * 40_000)
    assert_html(r, 507)
    assert "storage quota exceeded" in r.text
    assert "Your files use 68.4 KB of your 97.7 KB." in r.text
    assert names(quser) == ["a.3mf"]
    assert on_disk(quota_stack, quser) == ["a.3mf"]


def test_no_quota_by_default(stack, user):
    got = user.api.get("/api/files").json()
    assert got["storage"] == {"used_bytes": 0,
                              "quota_bytes": 10 * 1024 ** 3}


# --- a full disk ----------------------------------------------------------

@pytest.mark.parametrize("size,step,says", [
    (400_000, "write", "disk is full"),
    (250_000, "fsync", "disk quota is used up"),
    (150_000, "rename", "disk is full"),
])
def test_disk_full_is_507_with_nothing_half_written(full_stack, fuser, size,
                                                    step, says):
    before = workers(full_stack)
    assert len(before) == 1
    log = full_stack.worker_log_size()
    err = error_of(put(fuser.api, f"{step}.3mf", b"x" * size), 507,
                   "storage_full")
    assert says in err["message"], err
    error_of(fuser.api.get(f"/api/files/{step}.3mf"), 404, "not_found")
    assert on_disk(full_stack, fuser) == []
    text = full_stack.read_worker_log(log)
    assert f"printfile: {step} " in text and "disk full" in text, text
    # the same worker goes on
    assert put(fuser.api, "fine.3mf", b"f" * 50_000).status_code == 201
    assert workers(full_stack) == before
    assert on_disk(full_stack, fuser) == ["fine.3mf"]


def test_disk_full_replace_keeps_the_old_file(full_stack, fuser):
    old = new_file(fuser.api, "keep.3mf", b"old bytes")
    for size in (150_000, 250_000, 400_000):
        error_of(put(fuser.api, "keep.3mf", b"n" * size), 507,
                 "storage_full")
        assert fuser.api.get("/api/files/keep.3mf").json() == old
        assert (user_dir(full_stack, fuser) / "keep.3mf").read_bytes() == \
            b"old bytes"
        assert on_disk(full_stack, fuser) == ["keep.3mf"]


def test_disk_full_on_the_files_page(full_stack, fuser):
    b = sign_in(full_stack, fuser)
    r = upload(b, csrf_of(b), "page.3mf", b"p" * 400_000)
    assert_html(r, 507)
    assert "the server&#39;s disk is full" in r.text or \
        "the server's disk is full" in r.text
    assert on_disk(full_stack, fuser) == []


# --- abandoned upload temporaries ----------------------------------------

def test_stale_temporaries_swept_at_start(tmp_path):
    """A worker killed in the middle of an upload leaves its temporary
    file. The next worker to start removes those older than an hour;
    farmctl migrate does the same; a fresh one (an upload under way in
    another worker) and anything that is not an upload temporary stay."""
    with Stack(workers=1) as s:
        u = s.make_user()
        new_file(u.api, "part.3mf")
        d = user_dir(s, u)
        old, fresh = d / ".upload-Abc123", d / ".upload-Def456"
        stale_file = d / "old-part.3mf"        # a file, however old
        elsewhere = s.data_dir / "files" / "lost+found"
        elsewhere.mkdir()
        for p in (old, fresh, stale_file, elsewhere / ".upload-Zzz999"):
            p.write_bytes(b"half an upload")
        hours_ago = time.time() - 2 * 3600
        for p in (old, stale_file, elsewhere / ".upload-Zzz999"):
            os.utime(p, (hours_ago, hours_ago))

        pid, = workers(s)
        os.kill(pid, signal.SIGKILL)        # multiwatch starts another
        deadline = time.monotonic() + 20
        while old.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not old.exists(), "the new worker did not sweep"
        assert workers(s) and workers(s) != [pid]
        assert fresh.exists() and stale_file.exists()
        assert (elsewhere / ".upload-Zzz999").exists()
        assert "removed 1 upload temporaries" in s.read_worker_log()
        assert u.api.get("/api/files/part.3mf").status_code == 200

        # an hour and more later, farmctl migrate takes the other one
        p = s.farmctl("migrate")
        assert fresh.exists(), p.stderr
        env = {"FARM_NOW": str(int(time.time()) + 3601)}
        s.extra_env.update(env)
        try:
            p = s.farmctl("migrate")
        finally:
            s.extra_env.pop("FARM_NOW")
        assert not fresh.exists(), p.stderr
        assert "removed 1 upload temporaries" in p.stderr
        assert stale_file.exists()
        assert sorted(x.name for x in d.iterdir()) == \
            ["old-part.3mf", "part.3mf"]
