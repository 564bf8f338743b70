"""The OCI lifecycle through runc's command line: create, start, state, kill, delete, run."""
import json
import os
import signal
import subprocess
import time

import pytest


def wait_status(moat, cid, want, timeout=5):
    deadline = time.time() + timeout
    st = None
    while time.time() < deadline:
        r = moat.cmd("state", cid)
        if r.returncode == 0:
            st = json.loads(r.stdout)
            if st["status"] == want:
                return st
        time.sleep(0.02)
    raise AssertionError(f"{cid} never became {want}: {st}")


def test_run_prints_and_exits_with_the_container_code(moat, bundle):
    b, cid, _ = bundle(["sh", "-c", "echo hello from $(hostname); exit 7"])
    r = moat.cmd("run", "--bundle", b, cid)
    assert r.returncode == 7, r.stderr
    assert r.stdout == "hello from moat\n"
    # run deletes the container once it exits
    assert moat.cmd("state", cid).returncode != 0


def test_run_killed_by_signal_exits_128_plus_signal(moat, bundle):
    from conftest import MOAT
    b, cid, _ = bundle(["sleep", "30"])
    p = subprocess.Popen([MOAT, "--root", moat.root, "run", "-b", b, cid])
    wait_status(moat, cid, "running")
    moat.ok("kill", cid, "KILL")
    assert p.wait(timeout=10) == 128 + 9


def test_run_forwards_signals_to_the_container(moat, bundle):
    from conftest import MOAT
    b, cid, _ = bundle(["sh", "-c", "trap 'echo got TERM; exit 4' TERM; while true; do sleep 0.05; done"])
    p = subprocess.Popen([MOAT, "--root", moat.root, "run", "-b", b, cid], stdout=subprocess.PIPE, text=True)
    wait_status(moat, cid, "running")
    time.sleep(0.2)
    p.send_signal(signal.SIGTERM)
    out, _ = p.communicate(timeout=10)
    assert p.returncode == 4 and out == "got TERM\n"


def test_create_start_state_delete(moat, bundle, tmp_path):
    b, cid, _ = bundle(["sh", "-c", "echo started > /tmp/../dev/shm/x; sleep 30"])
    pidfile = tmp_path / "pid"
    moat.ok("create", "--bundle", b, "--pid-file", str(pidfile), cid)
    st = moat.state(cid)
    assert st["status"] == "created"
    assert st["id"] == cid and st["bundle"] == b and st["ociVersion"].startswith("1.")
    assert int(pidfile.read_text()) == st["pid"] > 0
    # the init waits: the user process has not run
    assert os.path.exists(f"/proc/{st['pid']}")
    moat.ok("start", cid)
    st = wait_status(moat, cid, "running")
    # a running container cannot be deleted without --force
    r = moat.cmd("delete", cid)
    assert r.returncode != 0 and "running" in r.stderr
    moat.ok("kill", cid, "KILL")
    wait_status(moat, cid, "stopped")
    assert moat.state(cid)["pid"] == 0
    moat.ok("delete", cid)
    r = moat.cmd("state", cid)
    assert r.returncode != 0 and "does not exist" in r.stderr


def test_start_twice_fails(moat, bundle):
    b, cid, _ = bundle(["sleep", "30"])
    moat.ok("create", "-b", b, cid)
    moat.ok("start", cid)
    r = moat.cmd("start", cid)
    assert r.returncode != 0
    moat.ok("delete", "--force", cid)


def test_delete_of_created_container_needs_force(moat, bundle):
    b, cid, _ = bundle(["true"])
    moat.ok("create", "-b", b, cid)
    r = moat.cmd("delete", cid)
    assert r.returncode != 0 and "created" in r.stderr
    assert moat.state(cid)["status"] == "created"
    pid = moat.state(cid)["pid"]
    moat.ok("delete", "--force", cid)
    assert not os.path.exists(f"/proc/{pid}/status") or "zombie" in open(f"/proc/{pid}/status").read()


def test_kill_signal_names_and_numbers(moat, bundle):
    b, cid, _ = bundle(["sh", "-c", "trap 'exit 3' USR1; while true; do sleep 0.05; done"])
    moat.ok("run", "-d", "-b", b, cid)
    wait_status(moat, cid, "running")
    time.sleep(0.2)
    moat.ok("kill", cid, "SIGUSR1")
    wait_status(moat, cid, "stopped")
    moat.ok("delete", cid)
    b2, cid2, _ = bundle(["sleep", "30"])
    moat.ok("run", "-d", "-b", b2, cid2)
    moat.ok("kill", cid2, "9")
    wait_status(moat, cid2, "stopped")
    r = moat.cmd("kill", cid2, "NOTASIGNAL")
    assert r.returncode != 0 and "unknown signal" in r.stderr
    moat.ok("delete", cid2)


def test_kill_all(moat, bundle):
    b, cid, _ = bundle(["sh", "-c", "sleep 30 & sleep 30 & wait"])
    moat.ok("run", "-d", "-b", b, cid)
    wait_status(moat, cid, "running")
    moat.ok("kill", "--all", cid, "KILL")
    wait_status(moat, cid, "stopped")
    moat.ok("delete", cid)


def test_list_table_and_json(moat, bundle):
    b, cid, _ = bundle(["sleep", "30"])
    moat.ok("create", "-b", b, cid)
    out = moat.ok("list").stdout
    assert out.splitlines()[0].split()[:3] == ["ID", "PID", "STATUS"]
    assert cid in out and "created" in out
    items = json.loads(moat.ok("list", "--format", "json").stdout)
    assert [i["id"] for i in items] == [cid] and items[0]["status"] == "created"
    assert moat.ok("list", "-q").stdout.split() == [cid]
    moat.ok("delete", "-f", cid)
    assert json.loads(moat.ok("list", "--format", "json").stdout) == []


def test_duplicate_id_is_refused_and_first_survives(moat, bundle):
    b, cid, _ = bundle(["sleep", "30"])
    moat.ok("create", "-b", b, cid)
    r = moat.cmd("create", "-b", b, cid)
    assert r.returncode == 1 and "already exists" in r.stderr
    assert moat.state(cid)["status"] == "created"
    moat.ok("delete", "-f", cid)


def test_detached_run_survives_moat(moat, bundle):
    b, cid, _ = bundle(["sleep", "30"])
    moat.ok("run", "--detach", "-b", b, cid)
    st = moat.state(cid)
    assert st["status"] == "running"
    moat.ok("delete", "--force", cid)


def test_stdio_is_passed_through(moat, bundle):
    b, cid, _ = bundle(["sh", "-c", "read x; echo got:$x; echo err >&2"])
    r = moat.cmd("run", "-b", b, cid, input="line\n")
    assert r.returncode == 0
    assert r.stdout == "got:line\n" and r.stderr == "err\n"


def test_config_without_process_can_be_created_not_started(moat, bundle, tmp_path):
    b, cid, cfg = bundle()
    del cfg["process"]
    with open(os.path.join(b, "config.json"), "w") as f:
        json.dump(cfg, f)
    moat.ok("create", "-b", b, cid)
    assert moat.state(cid)["status"] == "created"
    r = moat.cmd("start", cid)
    assert r.returncode != 0 and "no process" in r.stderr
    moat.ok("delete", "-f", cid)


def test_version_and_help():
    from conftest import MOAT
    r = subprocess.run([MOAT, "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and "moat version" in r.stdout
    r = subprocess.run([MOAT, "nosuchcommand"], capture_output=True, text=True)
    assert r.returncode == 1 and "unknown command" in r.stderr


def _slow_hook_bundle(bundle, tmp_path, seconds):
    hook = tmp_path / "slow-hook"
    hook.write_text(f"#!/bin/sh\nsleep {seconds}\n")
    hook.chmod(0o755)
    return bundle(["sleep", "30"], hooks={"createRuntime": [{"path": str(hook)}]})


def test_signal_during_create_undoes_it(moat, bundle, tmp_path):
    from conftest import MOAT, cgroup_dirs
    b, cid, _ = _slow_hook_bundle(bundle, tmp_path, 1)
    p = subprocess.Popen([MOAT, "--root", moat.root, "create", "-b", b, cid], stderr=subprocess.PIPE,
                         stdout=subprocess.DEVNULL, text=True)
    time.sleep(0.4)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=10)
    assert p.returncode == 1 and "interrupted" in err
    assert moat.cmd("state", cid).returncode != 0
    assert cgroup_dirs(cid) == []


def test_create_killed_midway_is_cleaned_by_delete_force(moat, bundle, tmp_path):
    from conftest import MOAT, cgroup_dirs
    b, cid, _ = _slow_hook_bundle(bundle, tmp_path, 2)
    p = subprocess.Popen([MOAT, "--root", moat.root, "create", "-b", b, cid],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    pid = json.loads(moat.ok("state", cid).stdout)["pid"]
    assert moat.state(cid)["status"] == "creating"
    p.kill()
    p.wait()
    moat.ok("delete", "--force", cid)
    assert cgroup_dirs(cid) == []
    time.sleep(0.1)
    assert not os.path.exists(f"/proc/{pid}/cmdline") or open(f"/proc/{pid}/cmdline").read() == ""


def test_no_pivot_and_no_new_keyring(moat, bundle):
    b, cid, _ = bundle(["sh", "-c", "ls /; grep -c . /proc/keys 2>/dev/null; echo ok"])
    r = moat.cmd("run", "--no-pivot", "--no-new-keyring", "-b", b, cid)
    assert r.returncode == 0, r.stderr
    assert "bin" in r.stdout.split() and r.stdout.strip().endswith("ok")

