"""The config's linux.seccomp profile: enforced in the container and in exec'd
processes, errno values, kill actions, argument filters, bad profiles, and the
SCMP_ACT_NOTIFY listener (listenerPath)."""
import errno
import json
import os
import select
import signal
import socket
import struct

import pytest

from conftest import unix_listener, write_config
from test_lifecycle import wait_status

AF_INET = 2


def profile(*rules, default="SCMP_ACT_ALLOW", **extra):
    return {"defaultAction": default, "syscalls": list(rules), **extra}


def rule(names, action, **kw):
    return {"names": names, "action": action, **kw}


def run_with(moat, bundle, script, seccomp, copy_rootfs=False):
    b, cid, cfg = bundle(["sh", "-c", script], copy_rootfs=copy_rootfs)
    cfg["linux"]["seccomp"] = seccomp
    write_config(b, cfg)
    return moat.cmd("run", "-b", b, cid)


def test_errno_rule_denies_with_eperm(moat, bundle):
    sc = profile(rule(["mkdir", "mkdirat"], "SCMP_ACT_ERRNO", errnoRet=1))
    r = run_with(moat, bundle, "mkdir /dev/shm/x; echo rc=$?; test -d /dev/shm/x || echo absent; "
                 "touch /dev/shm/f && echo touched", sc)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["rc=1", "absent", "touched"]
    assert "Operation not permitted" in r.stderr


def test_errno_defaults_to_eperm(moat, bundle):
    sc = profile(rule(["mkdir", "mkdirat"], "SCMP_ACT_ERRNO"))
    r = run_with(moat, bundle, "mkdir /dev/shm/x", sc)
    assert r.returncode == 1
    assert "Operation not permitted" in r.stderr


def test_custom_errno_value(moat, bundle):
    sc = profile(rule(["unlink", "unlinkat"], "SCMP_ACT_ERRNO", errnoRet=errno.ENOSYS),
                 rule(["mkdir", "mkdirat"], "SCMP_ACT_ERRNO", errnoRet=errno.ENOSPC))
    r = run_with(moat, bundle, "touch /dev/shm/f; rm /dev/shm/f; test -e /dev/shm/f && echo still-there; "
                 "mkdir /dev/shm/d", sc)
    assert r.returncode == 1
    assert r.stdout == "still-there\n"
    assert "Function not implemented" in r.stderr
    assert "No space left on device" in r.stderr


def test_without_a_profile_nothing_is_filtered(moat, bundle):
    moat.level = "none"  # about the config's own filter alone
    b, cid, cfg = bundle(["sh", "-c", "grep ^Seccomp: /proc/self/status; mkdir /dev/shm/x && echo made"])
    assert "seccomp" not in cfg["linux"]
    r = moat.cmd("run", "-b", b, cid)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["Seccomp:", "0", "made"]


@pytest.mark.parametrize("action", ["SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD"])
def test_kill_action_kills_with_sigsys(moat, bundle, action):
    b, cid, cfg = bundle(["mkdir", "/dev/shm/x"])
    cfg["linux"]["seccomp"] = profile(rule(["mkdir", "mkdirat"], action))
    write_config(b, cfg)
    r = moat.cmd("run", "-b", b, cid)
    assert r.returncode == 128 + signal.SIGSYS, (r.returncode, r.stderr)


def test_kill_action_in_a_child_leaves_the_shell(moat, bundle):
    sc = profile(rule(["mkdir", "mkdirat"], "SCMP_ACT_KILL_PROCESS"))
    # the shell itself never calls mkdir: only the child it forks dies
    r = run_with(moat, bundle, "/bin/mkdir /dev/shm/x; echo child=$?", sc)
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"child={128 + signal.SIGSYS}\n"


def test_argument_filter(moat, bundle):
    """socket(AF_INET, ...) is refused; netlink sockets (ip) still work."""
    sc = profile(rule(["socket"], "SCMP_ACT_ERRNO", errnoRet=errno.EAFNOSUPPORT,
                      args=[{"index": 0, "value": AF_INET, "op": "SCMP_CMP_EQ"}]))
    r = run_with(moat, bundle, "ip -o link show lo | cut -d' ' -f2; nc 127.0.0.1 9; echo nc=$?", sc)
    assert r.stdout.splitlines() == ["lo:", "nc=1"], r.stderr
    assert "Address family not supported by protocol" in r.stderr


PER_LINUX, PER_LINUX32 = 0x0000, 0x0008


@pytest.mark.parametrize("conds, linux32_ok, linux64_ok", [
    # two conditions on one argument are OR-ed, as runc does
    ([{"index": 0, "value": PER_LINUX32, "op": "SCMP_CMP_EQ"},
      {"index": 0, "value": PER_LINUX, "op": "SCMP_CMP_EQ"}], False, False),
    ([{"index": 0, "value": 0xff, "valueTwo": PER_LINUX32, "op": "SCMP_CMP_MASKED_EQ"}], False, True),
    ([{"index": 0, "value": PER_LINUX32, "op": "SCMP_CMP_NE"}], True, False),
])
def test_argument_filter_operators(moat, bundle, conds, linux32_ok, linux64_ok):
    """busybox linux32 / linux64 call personality(PER_LINUX32) / personality(PER_LINUX), then exec."""
    sc = profile(rule(["personality"], "SCMP_ACT_ERRNO", errnoRet=errno.EACCES, args=conds))
    r = run_with(moat, bundle, "linux32 true; echo $?; linux64 true; echo $?", sc)
    assert r.stdout.split() == ["0" if linux32_ok else "1", "0" if linux64_ok else "1"], r.stderr
    assert ("Permission denied" in r.stderr) == (not (linux32_ok and linux64_ok))


def test_unknown_syscall_names_are_skipped(moat, bundle):
    sc = profile(rule(["no_such_syscall_at_all", "mkdir", "mkdirat"], "SCMP_ACT_ERRNO"))
    r = run_with(moat, bundle, "mkdir /dev/shm/x", sc)
    assert r.returncode == 1
    assert "Operation not permitted" in r.stderr


@pytest.mark.parametrize("sc, message", [
    (profile(rule(["mkdir"], "SCMP_ACT_BOGUS")), "linux.seccomp.syscalls[0].action: unknown action 'SCMP_ACT_BOGUS'"),
    (profile(default="SCMP_ACT_NOPE"), "linux.seccomp.defaultAction: unknown action 'SCMP_ACT_NOPE'"),
    ({"syscalls": []}, "linux.seccomp.defaultAction: required"),
    (profile(rule(["mkdir"], "SCMP_ACT_ALLOW"), rule(["socket"], "SCMP_ACT_ERRNO",
                                                        args=[{"index": 0, "value": 2, "op": "SCMP_CMP_ALMOST"}])),
     "linux.seccomp.syscalls[1].args[0].op: unknown operator 'SCMP_CMP_ALMOST'"),
    (profile(rule(["socket"], "SCMP_ACT_ERRNO", args=[{"index": 6, "value": 2, "op": "SCMP_CMP_EQ"}])),
     "linux.seccomp.syscalls[0].args[0].index:"),
    (profile(architectures=["SCMP_ARCH_Z80"]), "linux.seccomp.architectures[0]: unknown architecture 'SCMP_ARCH_Z80'"),
    (profile(flags=["SECCOMP_FILTER_FLAG_BOGUS"]), "linux.seccomp.flags[0]: unknown flag 'SECCOMP_FILTER_FLAG_BOGUS'"),
    (profile(rule([], "SCMP_ACT_ERRNO")), "linux.seccomp.syscalls[0].names: at least one syscall name is required"),
    (profile(rule(["mkdir"], "SCMP_ACT_KILL", errnoRet=1)), "linux.seccomp.syscalls[0].errnoRet: SCMP_ACT_KILL takes no errno"),
    (profile(rule(["mkdir"], "SCMP_ACT_NOTIFY")), "linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is used"),
    (profile(rule(["write"], "SCMP_ACT_NOTIFY"), listenerPath="/tmp/x.sock"),
     "linux.seccomp.syscalls[0]: SCMP_ACT_NOTIFY cannot be used for 'write'"),
    (profile(default="SCMP_ACT_NOTIFY", listenerPath="/tmp/x.sock"),
     "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action"),
])
def test_malformed_profile_fails_create(moat, bundle, sc, message):
    b, cid, cfg = bundle(["true"])
    cfg["linux"]["seccomp"] = sc
    write_config(b, cfg)
    r = moat.cmd("create", "-b", b, cid)
    assert r.returncode != 0
    assert message in r.stderr, r.stderr
    assert moat.cmd("state", cid).returncode != 0
    assert not os.path.exists(os.path.join(moat.root, cid))


def test_exec_gets_the_same_filter(moat, bundle):
    moat.level = "none"  # about the config's own filter alone
    b, cid, cfg = bundle(["sleep", "60"])
    cfg["linux"]["seccomp"] = profile(rule(["mkdir", "mkdirat"], "SCMP_ACT_ERRNO", errnoRet=errno.ENOSPC))
    write_config(b, cfg)
    moat.ok("run", "-d", "-b", b, cid)
    try:
        pid = moat.state(cid)["pid"]
        with open(f"/proc/{pid}/status") as f:
            status = f.read()
        assert "\nSeccomp:\t2\n" in status and "\nSeccomp_filters:\t1\n" in status
        r = moat.ok("exec", cid, "sh", "-c", "grep -E '^Seccomp(_filters)?:' /proc/self/status")
        assert r.stdout.split() == ["Seccomp:", "2", "Seccomp_filters:", "1"]
        r = moat.cmd("exec", cid, "mkdir", "/dev/shm/x")
        assert r.returncode == 1 and "No space left on device" in r.stderr
        # without noNewPrivileges the filter is loaded too (while the exec still holds CAP_SYS_ADMIN)
        proc = dict(cfg["process"], args=["mkdir", "/dev/shm/y"], noNewPrivileges=False)
        pf = os.path.join(b, "process.json")
        with open(pf, "w") as f:
            json.dump(proc, f)
        r = moat.cmd("exec", "--process", pf, cid)
        assert r.returncode == 1 and "No space left on device" in r.stderr
    finally:
        moat.cmd("delete", "-f", cid)


def test_filter_without_no_new_privileges(moat, bundle):
    b, cid, cfg = bundle(["sh", "-c", "grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status; mkdir /dev/shm/x"])
    cfg["process"]["noNewPrivileges"] = False
    cfg["linux"]["seccomp"] = profile(rule(["mkdir", "mkdirat"], "SCMP_ACT_ERRNO"))
    write_config(b, cfg)
    r = moat.cmd("run", "-b", b, cid)
    assert r.returncode == 1
    assert r.stdout.split() == ["NoNewPrivs:", "0", "Seccomp:", "2"]
    assert "Operation not permitted" in r.stderr


# struct seccomp_notif: u64 id; u32 pid; u32 flags; struct seccomp_data {s32 nr; u32 arch; u64 ip; u64 args[6]}
NOTIF = struct.Struct("=QIIiIQ6Q")
# struct seccomp_notif_resp: u64 id; s64 val; s32 error; u32 flags
NOTIF_RESP = struct.Struct("=QqiI")
SECCOMP_IOCTL_NOTIF_RECV = 0xc0000000 | (NOTIF.size << 16) | (ord("!") << 8) | 0
SECCOMP_IOCTL_NOTIF_SEND = 0xc0000000 | (NOTIF_RESP.size << 16) | (ord("!") << 8) | 1


@pytest.fixture
def listener():
    with unix_listener("moat-sc-", "listener.sock") as l:
        yield l


def receive_listener_message(s):
    conn, _ = s.accept()
    with conn:
        conn.settimeout(10)
        data, fds, _, _ = socket.recv_fds(conn, 65536, 4)
        while True:  # the state may come in more than one chunk
            more = conn.recv(65536)
            if not more:
                break
            data += more
    return json.loads(data), fds


def test_notify_listener_gets_the_fd_and_state(moat, bundle, listener):
    moat.level = "none"  # about the config's own filter alone
    import fcntl
    path, s = listener
    b, cid, cfg = bundle(["sh", "-c", "mkdir /dev/shm/n 2>/tmp/err; echo rc=$? > /tmp/result; cat /tmp/err >> /tmp/result"],
                         copy_rootfs=True)
    cfg["linux"]["seccomp"] = profile(rule(["mkdir", "mkdirat"], "SCMP_ACT_NOTIFY"), listenerPath=path,
                                      listenerMetadata="some metadata")
    write_config(b, cfg)
    moat.ok("create", "-b", b, cid)
    st = moat.state(cid)
    msg, fds = receive_listener_message(s)
    assert len(fds) == 1
    fd = fds[0]
    try:
        assert os.readlink(f"/proc/self/fd/{fd}") == "anon_inode:seccomp notify"
        assert msg["ociVersion"].startswith("1.")
        assert msg["fds"] == ["seccompFd"]
        assert msg["pid"] == st["pid"]
        assert msg["metadata"] == "some metadata"
        assert msg["state"]["id"] == cid
        assert msg["state"]["pid"] == st["pid"]
        assert msg["state"]["bundle"] == b
        assert msg["state"]["status"] in ("creating", "created")

        # answer the container's mkdir with an errno of our choosing
        moat.ok("start", cid)
        r, _, _ = select.select([fd], [], [], 10)
        assert r, "no notification arrived"
        buf = bytearray(NOTIF.size)
        fcntl.ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, buf, True)
        nid, npid, _, nr, _, _, *args = NOTIF.unpack(buf)
        if os.uname().machine == "x86_64":
            assert nr in (83, 258)  # mkdir, mkdirat
        # the shell's forked mkdir, named by its host pid
        with open(f"/proc/{npid}/stat") as f:
            ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        assert st["pid"] in (npid, ppid)
        fcntl.ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, bytearray(NOTIF_RESP.pack(nid, 0, -errno.EXDEV, 0)), True)
        wait_status(moat, cid, "stopped")
    finally:
        os.close(fd)
    with open(os.path.join(b, "rootfs", "tmp", "result")) as f:
        result = f.read()
    assert result.startswith("rc=1\n") and os.strerror(errno.EXDEV) in result, result
    moat.ok("delete", cid)


def test_notify_unanswered_then_container_killed(moat, bundle, listener):
    """The listener takes the fd and never answers: the container runs on until it
    makes a notified call, and is killed and deleted cleanly."""
    moat.level = "none"  # about the config's own filter alone
    path, s = listener
    b, cid, cfg = bundle(["sleep", "60"])
    cfg["linux"]["seccomp"] = profile(rule(["mkdir", "mkdirat"], "SCMP_ACT_NOTIFY"), listenerPath=path)
    write_config(b, cfg)
    moat.ok("run", "-d", "-b", b, cid)
    msg, fds = receive_listener_message(s)
    try:
        assert len(fds) == 1 and msg["fds"] == ["seccompFd"] and msg["metadata"] == ""
        assert moat.state(cid)["status"] == "running"
        # exec refuses a notify profile rather than hang on it
        r = moat.cmd("exec", cid, "true")
        assert r.returncode != 0 and "SCMP_ACT_NOTIFY are not supported for exec" in r.stderr
        moat.ok("kill", cid, "KILL")
        wait_status(moat, cid, "stopped")
        moat.ok("delete", cid)
    finally:
        for fd in fds:
            os.close(fd)


def test_notify_listener_unreachable_fails_create(moat, bundle, tmp_path):
    moat.level = "none"  # about the config's own filter alone
    b, cid, cfg = bundle(["true"])
    missing = str(tmp_path / "nobody.sock")
    cfg["linux"]["seccomp"] = profile(rule(["mkdir", "mkdirat"], "SCMP_ACT_NOTIFY"), listenerPath=missing)
    write_config(b, cfg)
    r = moat.cmd("create", "-b", b, cid)
    assert r.returncode != 0
    assert f"connecting to the seccomp listener {missing}" in r.stderr
    assert moat.cmd("state", cid).returncode != 0
