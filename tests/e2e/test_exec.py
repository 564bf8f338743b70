"""moat exec: inline flags and --process, into a running container."""
import json
import os
import time

import pytest


@pytest.fixture
def running(moat, bundle):
    b, cid, cfg = bundle(["sleep", "60"], copy_rootfs=True)
    moat.ok("run", "-d", "-b", b, cid)
    yield cid, cfg
    moat.cmd("delete", "-f", cid)


def test_exec_inline_runs_in_the_container(moat, running):
    cid, _ = running
    r = moat.ok("exec", cid, "sh", "-c", "hostname; echo $$; cat /proc/1/cmdline | tr '\\0' ' '")
    lines = r.stdout.splitlines()
    assert lines[0] == "moat"
    assert int(lines[1]) > 1
    assert lines[2].strip() == "sleep 60"


def test_exec_exit_code_and_stdio(moat, running):
    cid, _ = running
    r = moat.cmd("exec", cid, "sh", "-c", "read x; echo out:$x; echo err >&2; exit 5", input="in\n")
    assert r.returncode == 5 and r.stdout == "out:in\n" and r.stderr == "err\n"


def test_exec_env_cwd_user_caps(moat, running):
    cid, _ = running
    r = moat.ok("exec", "--env", "A=1", "-e", "PATH=/bin", "--cwd", "/tmp", "--user", "1000:1001",
                "--cap", "CAP_NET_RAW", cid, "sh", "-c", 'echo $A $PATH; pwd; id -u; id -g; grep CapAmb /proc/self/status')
    lines = r.stdout.splitlines()
    assert lines[0] == "1 /bin"
    assert lines[1] == "/tmp" and lines[2] == "1000" and lines[3] == "1001"
    assert int(lines[4].split()[1], 16) & (1 << 13)


def test_exec_process_json(moat, running, tmp_path):
    cid, cfg = running
    proc = dict(cfg["process"])
    proc["args"] = ["sh", "-c", "echo from-json $X"]
    proc["env"] = ["PATH=/bin", "X=42"]
    p = tmp_path / "process.json"
    p.write_text(json.dumps(proc))
    r = moat.ok("exec", "--process", str(p), cid)
    assert r.stdout == "from-json 42\n"


def test_exec_detach_pid_file(moat, running, tmp_path):
    cid, _ = running
    pf = tmp_path / "exec.pid"
    moat.ok("exec", "-d", "--pid-file", str(pf), cid, "sh", "-c", "echo detached > /tmp/d; sleep 30")
    pid = int(pf.read_text())
    assert os.path.exists(f"/proc/{pid}")
    for _ in range(100):
        if moat.cmd("exec", cid, "cat", "/tmp/d").stdout == "detached\n":
            break
        time.sleep(0.02)
    else:
        raise AssertionError("detached exec did not run")
    # the exec'd process is inside the container's cgroup: killing all reaches it
    moat.ok("kill", "--all", cid, "KILL")


def test_exec_into_stopped_container_fails(moat, bundle):
    b, cid, _ = bundle(["true"])
    moat.ok("create", "-b", b, cid)
    moat.ok("start", cid)
    for _ in range(100):
        if moat.state(cid)["status"] == "stopped":
            break
        time.sleep(0.02)
    r = moat.cmd("exec", cid, "true")
    assert r.returncode == 1 and "stopped" in r.stderr
    moat.ok("delete", cid)


def test_exec_missing_command_is_clear(moat, running):
    cid, _ = running
    r = moat.cmd("exec", cid, "no-such-tool")
    assert r.returncode == 1 and "no-such-tool" in r.stderr and "not found" in r.stderr


def test_exec_gets_container_seccomp_and_no_new_privs(moat, running):
    cid, _ = running
    r = moat.ok("exec", cid, "grep", "-E", "NoNewPrivs|Seccomp:", "/proc/self/status")
    assert "NoNewPrivs:\t1" in r.stdout
