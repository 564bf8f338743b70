"""Fault injection: moat killed (SIGKILL) at every named step of create,
start, exec and delete, then `delete --force`: nothing may be left: no state
directory, cgroup, mount, container process, sentry or watchdog."""
import json
import os
import signal
import subprocess
import time

import pytest

from conftest import alive, cgroup_dirs, sentry_helpers as helpers

CREATE = ["create:claimed", "create:state-saved", "create:cgroup", "create:sentry-spawned", "create:cloned",
          "create:sentry", "create:ready", "create:saved"]


def with_fault(point):
    return {**os.environ, "MOAT_FAULT_AT": point}


def forks_of_create(cid):
    """Live sentries and watchdogs forked by a `create` of cid (a fork keeps the
    runtime's command line), whether or not they serve anything yet."""
    out = subprocess.run(["pgrep", "-x", "moat-sentry|moat-watchdog"], capture_output=True, text=True).stdout
    found = []
    for p in (int(x) for x in out.split()):
        try:
            with open(f"/proc/{p}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if b"create" in argv and cid.encode() in argv and alive(p):
            found.append(p)
    return found


def assert_clean(moat, cid, pids=()):
    # what serves the container now, found while its init still lives
    extra = set().union(*(helpers(p) for p in pids)) if pids else set()
    moat.ok("delete", "--force", cid)
    assert moat.cmd("state", cid).returncode != 0
    assert cgroup_dirs(cid) == []
    everything = set(pids) | extra
    deadline = time.time() + 5
    while time.time() < deadline and any(alive(p) for p in everything):
        time.sleep(0.02)
    for p in everything:
        assert not alive(p), f"process {p} ({'sentry/watchdog' if p in extra else 'container'}) left behind"


@pytest.mark.parametrize("level", ["none", "sentry"])
@pytest.mark.parametrize("point", CREATE)
def test_create_killed_at_each_step(moat, bundle, level, point):
    if point.startswith("create:sentry") and level == "none":
        pytest.skip("no sentry at level none")
    moat.level = level
    b, cid, _ = bundle(["sleep", "30"])
    r = moat.cmd("create", "-b", b, cid, env=with_fault(point))
    assert r.returncode == -signal.SIGKILL, (r.returncode, r.stderr)
    st = moat.cmd("state", cid)
    pid = json.loads(st.stdout)["pid"] if st.returncode == 0 else 0
    if point in ("create:sentry", "create:ready", "create:saved") and level == "sentry":
        # the sentry was running when moat died: the check below must see it go
        assert helpers(pid) or not alive(pid)
    assert_clean(moat, cid, [pid] if pid else [])
    # a sentry that was never handed its process ends with the runtime that made it
    deadline = time.time() + 5
    while time.time() < deadline and forks_of_create(cid):
        time.sleep(0.02)
    assert forks_of_create(cid) == []


@pytest.mark.parametrize("point", ["start:opened", "start:unlinked", "start:released"])
def test_start_killed_at_each_step(moat, bundle, point):
    b, cid, _ = bundle(["sleep", "30"])
    moat.ok("create", "-b", b, cid)
    pid = moat.state(cid)["pid"]
    r = moat.cmd("start", cid, env=with_fault(point))
    assert r.returncode == -signal.SIGKILL
    assert_clean(moat, cid, [pid])


@pytest.mark.parametrize("point", ["exec:spawned", "exec:cgroup", "exec:ready"])
def test_exec_killed_at_each_step(moat, bundle, point):
    b, cid, _ = bundle(["sleep", "30"])
    moat.ok("run", "-d", "-b", b, cid)
    pid = moat.state(cid)["pid"]
    r = moat.cmd("exec", cid, "sleep", "20", env=with_fault(point))
    assert r.returncode == -signal.SIGKILL
    # the container itself is unharmed, and exec works again
    assert moat.state(cid)["status"] == "running"
    assert moat.ok("exec", cid, "echo", "again").stdout == "again\n"
    assert_clean(moat, cid, [pid])


@pytest.mark.parametrize("point", ["delete:killed", "delete:cgroup"])
def test_delete_killed_at_each_step(moat, bundle, point):
    b, cid, _ = bundle(["sleep", "30"])
    moat.ok("run", "-d", "-b", b, cid)
    pid = moat.state(cid)["pid"]
    r = moat.cmd("delete", "--force", cid, env=with_fault(point))
    assert r.returncode == -signal.SIGKILL
    assert_clean(moat, cid, [pid])
