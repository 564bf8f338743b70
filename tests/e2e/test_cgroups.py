"""Cgroups on this host's hybrid layout: limits applied, pause/resume, update, ps, removal."""
import json
import os
import time

from conftest import cgroup_dirs
from test_lifecycle import wait_status


def read(path):
    with open(path) as f:
        return f.read().strip()


def cg(cid, controller, name):
    return read(f"/sys/fs/cgroup/{controller}/moat-test/{cid}/{name}")


def test_limits_are_written_and_removed_on_delete(moat, bundle):
    b, cid, cfg = bundle(["sleep", "30"])
    cfg["linux"]["resources"] = {"memory": {"limit": 64 << 20}, "pids": {"limit": 50},
                                 "cpu": {"shares": 512, "quota": 20000, "period": 100000, "cpus": "0"}}
    with open(os.path.join(b, "config.json"), "w") as f:
        json.dump(cfg, f)
    moat.ok("run", "-d", "-b", b, cid)
    pid = moat.state(cid)["pid"]
    assert cg(cid, "memory", "memory.limit_in_bytes") == str(64 << 20)
    assert cg(cid, "pids", "pids.max") == "50"
    assert cg(cid, "cpu", "cpu.shares") == "512"
    assert cg(cid, "cpu", "cpu.cfs_quota_us") == "20000"
    assert cg(cid, "cpuset", "cpuset.cpus") == "0"
    assert str(pid) in cg(cid, "memory", "cgroup.procs").split()
    moat.ok("delete", "-f", cid)
    assert cgroup_dirs(cid) == []


def test_pids_limit_is_enforced(moat, bundle):
    b, cid, cfg = bundle(["sh", "-c", "for i in 1 2 3 4 5 6 7 8; do sleep 5 & done; "
                          "jobs -p | wc -l"])
    cfg["linux"]["resources"] = {"pids": {"limit": 4}}
    with open(os.path.join(b, "config.json"), "w") as f:
        json.dump(cfg, f)
    r = moat.cmd("run", "-b", b, cid)
    # the fifth process cannot be made: busybox sh gives up
    assert r.returncode != 0 and "can't fork" in r.stderr


def test_memory_limit_is_enforced(moat, bundle):
    # 8 MiB of limit, a shell asked to hold 64 MiB: the OOM killer ends it
    b, cid, cfg = bundle(["sh", "-c", "x=$(head -c 67108864 /dev/zero | tr '\\0' a); echo ${#x}"])
    cfg["linux"]["resources"] = {"memory": {"limit": 8 << 20, "swap": 8 << 20}}
    with open(os.path.join(b, "config.json"), "w") as f:
        json.dump(cfg, f)
    r = moat.cmd("run", "-b", b, cid, timeout=60)
    assert "67108864" not in r.stdout


def test_pause_resume(moat, bundle):
    b, cid, _ = bundle(["sh", "-c", "i=0; while true; do i=$((i+1)); echo $i > /dev/shm/n; sleep 0.01; done"])
    moat.ok("run", "-d", "-b", b, cid)
    wait_status(moat, cid, "running")
    moat.ok("pause", cid)
    assert moat.state(cid)["status"] == "paused"
    assert cg(cid, "freezer", "freezer.state") == "FROZEN"
    r = moat.cmd("exec", cid, "true")
    assert r.returncode == 1 and "paused" in r.stderr
    r = moat.cmd("pause", cid)
    assert r.returncode == 1
    moat.ok("resume", cid)
    assert moat.state(cid)["status"] == "running"
    r = moat.cmd("resume", cid)
    assert r.returncode == 1 and "not paused" in r.stderr
    moat.ok("delete", "-f", cid)


def test_delete_force_of_paused_container(moat, bundle):
    b, cid, _ = bundle(["sleep", "30"])
    moat.ok("run", "-d", "-b", b, cid)
    moat.ok("pause", cid)
    moat.ok("delete", "-f", cid)
    assert cgroup_dirs(cid) == []


def test_update_flags_and_resources_file(moat, bundle, tmp_path):
    b, cid, _ = bundle(["sleep", "30"])
    moat.ok("run", "-d", "-b", b, cid)
    moat.ok("update", "--memory", "128m", "--pids-limit", "77", "--cpu-quota", "50000", cid)
    assert cg(cid, "memory", "memory.limit_in_bytes") == str(128 << 20)
    assert cg(cid, "pids", "pids.max") == "77"
    assert cg(cid, "cpu", "cpu.cfs_quota_us") == "50000"
    res = tmp_path / "res.json"
    res.write_text(json.dumps({"pids": {"limit": 88}}))
    moat.ok("update", "--resources", str(res), cid)
    assert cg(cid, "pids", "pids.max") == "88"
    r = moat.cmd("update", "--memory", "lots", cid)
    assert r.returncode == 1 and "memory" in r.stderr
    moat.ok("delete", "-f", cid)


def test_ps_json_and_table(moat, bundle):
    b, cid, _ = bundle(["sh", "-c", "sleep 30 & exec sleep 31"])
    moat.ok("run", "-d", "-b", b, cid)
    wait_status(moat, cid, "running")
    time.sleep(0.2)
    pids = json.loads(moat.ok("ps", "--format", "json", cid).stdout)
    assert moat.state(cid)["pid"] in pids and len(pids) == 2
    table = moat.ok("ps", cid).stdout.splitlines()
    assert "PID" in table[0] and len(table) == 3
    moat.ok("delete", "-f", cid)


def test_systemd_cgroup_driver_is_a_clear_error_without_systemd(moat, bundle):
    b, cid, cfg = bundle(["true"])
    cfg["linux"]["cgroupsPath"] = "system.slice:moat:" + cid
    with open(os.path.join(b, "config.json"), "w") as f:
        json.dump(cfg, f)
    r = moat.cmd("run", "-b", b, cid, global_args=("--systemd-cgroup",))
    if os.path.isdir("/run/systemd/system"):
        return
    assert r.returncode == 1 and "systemd" in r.stderr
