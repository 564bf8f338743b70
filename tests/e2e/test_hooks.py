"""OCI hooks through the lifecycle: which run where, in what order, with what
state on stdin, and what a failing or slow hook does."""
import json
import os
import socket
import time

from conftest import write_config
from test_lifecycle import wait_status

HOST_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# Appends "<kind> <status> <pid> <hostname>" to $LOG and keeps the whole state
# as $DIR/<kind>.json.  Plain POSIX sh + sed: it also runs on the container's busybox.
LOGGER = r"""#!/bin/sh
state=$(cat)
printf '%s\n' "$state" > "$DIR/$1.json"
status=$(printf '%s' "$state" | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p')
pid=$(printf '%s' "$state" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
echo "$1 $status $pid $(cat /proc/sys/kernel/hostname)" >> "$LOG"
"""


def script(path, body):
    with open(path, "w") as f:
        f.write(body)
    os.chmod(path, 0o755)
    return str(path)


def hook(path, name, log_dir, **kw):
    return {"path": path, "args": [path, name], "env": [HOST_PATH, f"LOG={log_dir}/log", f"DIR={log_dir}"], **kw}


def read_log(log_dir):
    try:
        with open(os.path.join(log_dir, "log")) as f:
            return [l.split() for l in f.read().splitlines()]
    except FileNotFoundError:
        return []


def wait_log(log_dir, kind, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        entries = read_log(log_dir)
        if any(e[0] == kind for e in entries):
            return entries
        time.sleep(0.02)
    raise AssertionError(f"{kind} hook never ran: {read_log(log_dir)}")


def test_all_hooks_in_order_with_state(moat, bundle, tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    host_hook = script(tmp_path / "hook.sh", LOGGER)
    b, cid, cfg = bundle(["sleep", "30"], copy_rootfs=True, hostname="hookbox")
    # startContainer runs after pivot_root: its path is in the container's rootfs,
    # and it logs into a directory bound into the container
    script(os.path.join(b, "rootfs", "hook.sh"), LOGGER)
    cfg["mounts"].append({"destination": "/hooklog", "type": "bind", "source": str(logs), "options": ["rbind", "rw"]})
    cfg["annotations"] = {"org.example.key": "value"}
    cfg["hooks"] = {
        "prestart": [hook(host_hook, "prestart", logs), hook(host_hook, "prestart2", logs)],
        "createRuntime": [hook(host_hook, "createRuntime", logs)],
        "createContainer": [hook(host_hook, "createContainer", logs)],
        "startContainer": [hook("/hook.sh", "startContainer", "/hooklog")],
        "poststart": [hook(host_hook, "poststart", logs)],
        "poststop": [hook(host_hook, "poststop", logs)],
    }
    write_config(b, cfg)
    host = socket.gethostname()

    moat.ok("create", "-b", b, cid)
    pid = moat.state(cid)["pid"]
    # prestart and createRuntime run in the runtime's namespaces, createContainer in the container's
    assert read_log(logs) == [
        ["prestart", "creating", str(pid), host],
        ["prestart2", "creating", str(pid), host],
        ["createRuntime", "creating", str(pid), host],
        ["createContainer", "creating", str(pid), "hookbox"],
    ]

    moat.ok("start", cid)
    entries = wait_log(logs, "startContainer")
    # poststart runs before start returns; startContainer runs in the init once it is released
    assert entries[:4] == read_log(logs)[:4]
    later = sorted(entries[4:])
    assert later == [["poststart", "running", str(pid), host], ["startContainer", "created", str(pid), "hookbox"]]
    assert moat.state(cid)["status"] == "running"

    moat.ok("kill", cid, "KILL")
    wait_status(moat, cid, "stopped")
    assert len(read_log(logs)) == 6, "a hook ran on kill"
    moat.ok("delete", cid)
    entries = read_log(logs)
    assert len(entries) == 7
    assert entries[6] == ["poststop", "stopped", "0", host]

    # the whole state document each hook got
    for kind in ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]:
        st = json.loads((logs / f"{kind}.json").read_text())
        assert st["id"] == cid, kind
        assert st["bundle"] == b, kind
        assert st["ociVersion"].startswith("1."), kind
        assert st["annotations"] == {"org.example.key": "value"}, kind


def test_failing_prestart_fails_create_and_leaves_nothing(moat, bundle, tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    ok_hook = script(tmp_path / "ok.sh", LOGGER)
    bad = script(tmp_path / "bad.sh", "#!/bin/sh\necho 'the prestart hook broke' >&2\nexit 7\n")
    b, cid, cfg = bundle(["sleep", "30"])
    cfg["hooks"] = {"prestart": [hook(ok_hook, "prestart", logs), {"path": bad}, hook(ok_hook, "after", logs)],
                    "createContainer": [hook(ok_hook, "createContainer", logs)],
                    "poststart": [hook(ok_hook, "poststart", logs)]}
    write_config(b, cfg)
    r = moat.cmd("create", "-b", b, cid)
    assert r.returncode != 0
    assert f"prestart hook #1 ({bad}) failed: exit status 7: the prestart hook broke" in r.stderr
    # the hooks after the failing one, and the later kinds, never ran
    assert [e[0] for e in read_log(logs)] == ["prestart"]
    assert moat.cmd("state", cid).returncode != 0
    assert not os.path.exists(os.path.join(moat.root, cid))


def test_failing_create_runtime_and_create_container_hooks(moat, bundle, tmp_path):
    bad = script(tmp_path / "bad.sh", "#!/bin/sh\necho \"$1 says no\" >&2\nexit 3\n")
    for kind in ["createRuntime", "createContainer"]:
        b, cid, cfg = bundle(["sleep", "30"])
        cfg["hooks"] = {kind: [{"path": bad, "args": [bad, kind]}]}
        write_config(b, cfg)
        r = moat.cmd("create", "-b", b, cid)
        assert r.returncode != 0, kind
        assert f"{kind} hook #0 ({bad}) failed: exit status 3: {kind} says no" in r.stderr
        assert moat.cmd("state", cid).returncode != 0


def test_missing_hook_binary_fails_create(moat, bundle, tmp_path):
    b, cid, cfg = bundle(["true"])
    missing = str(tmp_path / "no-such-hook")
    cfg["hooks"] = {"createRuntime": [{"path": missing}]}
    write_config(b, cfg)
    r = moat.cmd("create", "-b", b, cid)
    assert r.returncode != 0
    assert f"createRuntime hook #0 ({missing}) failed: exit status 127" in r.stderr
    assert "No such file or directory" in r.stderr


def test_hook_exceeding_its_timeout_fails_create(moat, bundle, tmp_path):
    slow = script(tmp_path / "slow.sh", "#!/bin/sh\nexec sleep 20\n")
    b, cid, cfg = bundle(["true"])
    cfg["hooks"] = {"prestart": [{"path": slow, "timeout": 1}]}
    write_config(b, cfg)
    t0 = time.time()
    r = moat.cmd("create", "-b", b, cid, timeout=15)
    took = time.time() - t0
    assert r.returncode != 0
    assert f"prestart hook #0 ({slow}) failed: timed out after 1 s" in r.stderr
    assert 0.9 <= took < 5, took
    assert moat.cmd("state", cid).returncode != 0


def test_hook_within_its_timeout_is_fine(moat, bundle, tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    h = script(tmp_path / "h.sh", "#!/bin/sh\nsleep 0.2\n" + LOGGER.split("\n", 1)[1])
    b, cid, cfg = bundle(["true"])
    cfg["hooks"] = {"prestart": [hook(h, "prestart", logs, timeout=5)]}
    write_config(b, cfg)
    moat.ok("run", "-b", b, cid)
    assert [e[0] for e in read_log(logs)] == ["prestart"]


def test_failing_start_container_hook_stops_the_process(moat, bundle, tmp_path):
    b, cid, cfg = bundle(["sh", "-c", "echo the process ran"], copy_rootfs=True)
    script(os.path.join(b, "rootfs", "bad.sh"), "#!/bin/sh\necho inside says no >&2\nexit 4\n")
    cfg["hooks"] = {"startContainer": [{"path": "/bad.sh"}]}
    write_config(b, cfg)
    r = moat.cmd("run", "-b", b, cid)
    assert r.returncode != 0
    assert "the process ran" not in r.stdout
    assert "startContainer hook #0 (/bad.sh) failed: exit status 4: inside says no" in r.stderr


def test_start_container_path_is_resolved_in_the_container(moat, bundle, tmp_path):
    """A startContainer hook runs after pivot_root: a host-only path is not found."""
    host_only = script(tmp_path / "host-only.sh", "#!/bin/sh\nexit 0\n")
    b, cid, cfg = bundle(["sh", "-c", "echo the process ran"])
    cfg["hooks"] = {"startContainer": [{"path": host_only}]}
    write_config(b, cfg)
    r = moat.cmd("run", "-b", b, cid)
    assert r.returncode != 0
    assert "the process ran" not in r.stdout
    assert f"startContainer hook #0 ({host_only}) failed: exit status 127" in r.stderr


def test_poststart_and_poststop_failures_only_warn(moat, bundle, tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    bad = script(tmp_path / "bad.sh", "#!/bin/sh\necho \"$1 failed on purpose\" >&2\nexit 2\n")
    ok_hook = script(tmp_path / "ok.sh", LOGGER)
    b, cid, cfg = bundle(["sleep", "30"])
    cfg["hooks"] = {"poststart": [{"path": bad, "args": [bad, "poststart"]}],
                    "poststop": [{"path": bad, "args": [bad, "poststop"]}, hook(ok_hook, "poststop", logs)]}
    write_config(b, cfg)
    moat.ok("create", "-b", b, cid)
    r = moat.ok("start", cid)
    assert "poststart hook #0" in r.stderr and "poststart failed on purpose" in r.stderr
    assert moat.state(cid)["status"] == "running"
    r = moat.ok("delete", "-f", cid)
    assert f"poststop hook #0 ({bad}) failed: exit status 2: poststop failed on purpose" in r.stderr
    # the container is gone all the same
    assert moat.cmd("state", cid).returncode != 0
    assert not os.path.exists(os.path.join(moat.root, cid))


def test_run_runs_every_hook(moat, bundle, tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    h = script(tmp_path / "hook.sh", LOGGER)
    b, cid, cfg = bundle(["true"])
    cfg["hooks"] = {k: [hook(h, k, logs)] for k in ["prestart", "createRuntime", "createContainer", "poststart",
                                                      "poststop"]}
    write_config(b, cfg)
    moat.ok("run", "-b", b, cid)
    kinds = [e[0] for e in read_log(logs)]
    assert kinds[:3] == ["prestart", "createRuntime", "createContainer"]
    assert kinds[-1] == "poststop"
    assert sorted(kinds) == sorted(["prestart", "createRuntime", "createContainer", "poststart", "poststop"])
