"""The sentry (--sandbox=sentry): real programs work under it, the denied and
killed classes are refused, emulated calls show the container's view, and the
sentry cannot be taken away from a running container."""
import json
import os
import shutil
import signal
import subprocess
import time

import pytest

from conftest import REPO, alive, sentry_helpers
from test_lifecycle import wait_status

SENTRY = ("--sandbox", "sentry")


@pytest.fixture(scope="session")
def probe_rootfs(tmp_path_factory, base_rootfs):
    """The busybox rootfs plus /bin/sysprobe (tests/e2e/probes/sysprobe.c, static)."""
    d = tmp_path_factory.mktemp("proberoot")
    root = d / "rootfs"
    shutil.copytree(base_rootfs / "rootfs", root, symlinks=True)
    subprocess.run(["gcc", "-static", "-O1", "-o", str(root / "bin" / "sysprobe"),
                    os.path.join(REPO, "tests", "e2e", "probes", "sysprobe.c")], check=True,
                   capture_output=True)
    os.chmod(d, 0o755)
    return root


def srun(moat, bundle, args, probe_rootfs=None, edit=None, timeout=30, **kw):
    b, cid, cfg = bundle(args, **kw)
    if probe_rootfs:
        cfg["root"] = {"path": str(probe_rootfs), "readonly": True}
    if edit:
        edit(cfg)
    with open(os.path.join(b, "config.json"), "w") as f:
        json.dump(cfg, f)
    return moat.cmd("run", "-b", b, cid, global_args=SENTRY, timeout=timeout)


def sentry_of(moat, cid):
    """The pids of the container's sentry and of its watchdog (other test runs
    on the machine have their own)."""
    procs = {}
    for p in sentry_helpers(moat.state(cid)["pid"]):
        with open(f"/proc/{p}/comm") as f:
            procs[f.read().strip()] = p
    return procs.get("moat-sentry"), procs.get("moat-watchdog")


def test_busybox_workloads_run_under_the_sentry(moat, bundle):
    script = ("set -e; echo hi | tr a-z A-Z; ls -R /bin | wc -l >/dev/null; find / -xdev -name busybox | head -1; "
              "cd /tmp && mkdir -p a/b && echo data > a/b/f && tar cf t.tar a && rm -r a && tar xf t.tar && cat a/b/f; "
              "cd a && cat ../a/b/f; ln -s /etc/passwd /tmp/l && head -1 /tmp/l; "
              "for i in 1 2 3 4 5; do sh -c 'exit 0'; done; (sleep 0.1; echo sub) & wait; "
              "trap 'echo trapped' USR1; kill -USR1 $$; stat -c %s /tmp/t.tar >/dev/null; test -r /etc/passwd; "
              "readlink /tmp/l; echo done")
    r = srun(moat, bundle, ["sh", "-c", script], copy_rootfs=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n") == ["HI", "/bin/busybox", "data", "data", "root:x:0:0:root:/root:/bin/sh", "sub",
                                     "trapped", "/etc/passwd", "done", ""]


def test_status_shows_the_filter(moat, bundle):
    r = srun(moat, bundle, ["grep", "-E", "^(Seccomp|NoNewPrivs):", "/proc/self/status"])
    assert r.returncode == 0, r.stderr
    assert "Seccomp:\t2" in r.stdout


def test_uname_and_sysinfo_are_the_containers(moat, bundle, probe_rootfs):
    def edit(c):
        c["linux"]["resources"] = {"memory": {"limit": 256 << 20}}
        c["annotations"] = {"run.moat.kernel-release": "5.10.0-test"}
    r = srun(moat, bundle, ["sh", "-c", "sysprobe uname; sysprobe sysinfo"], probe_rootfs,
             edit=edit, hostname="sentrybox")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "Linux sentrybox 5.10.0-test"
    total, procs = lines[1].split()
    assert int(total) == 256 << 20 and 1 <= int(procs) <= 4


def test_default_release(moat, bundle):
    r = srun(moat, bundle, ["uname", "-r"])
    assert r.stdout.strip() == "6.1.0-moat"


@pytest.mark.parametrize("probe,expect", [
    ("unshare-user", "errno 1 EPERM"),
    ("unshare-mount", "errno 1 EPERM"),
    ("clone-newuser", "errno 1 EPERM"),
    ("clone3", "errno 38 ENOSYS"),
    ("socket-packet", "errno 97 EAFNOSUPPORT"),
    ("socket-alg", "errno 97 EAFNOSUPPORT"),
    ("socket-vsock", "errno 97 EAFNOSUPPORT"),
    ("socket-unix", "ok"),
    ("socket-inet", "ok"),
    ("getppid", "ok"),
    ("personality-rie", "errno 1 EPERM"),
    ("tiocsti", "errno 1 EPERM"),
    ("open-by-handle-at", "errno 1 EPERM"),
    ("mount-tmpfs", "errno 1 EPERM"),
])
def test_denied_classes(moat, bundle, probe_rootfs, probe, expect):
    r = srun(moat, bundle, ["sysprobe", probe], probe_rootfs)
    assert r.stdout.strip() == expect, (r.stdout, r.stderr)


@pytest.mark.parametrize("probe", ["io-uring", "bpf", "userfaultfd", "keyctl", "add-key", "perf-event-open"])
def test_kernel_cve_entry_points_are_refused(moat, bundle, probe_rootfs, probe):
    r = srun(moat, bundle, ["sysprobe", probe], probe_rootfs)
    assert r.stdout.startswith("errno ") or r.returncode == 128 + signal.SIGSYS, (r.stdout, r.stderr)


@pytest.mark.parametrize("probe", ["kexec-load", "init-module"])
def test_kill_class(moat, bundle, probe_rootfs, probe):
    r = srun(moat, bundle, ["sysprobe", probe], probe_rootfs)
    assert r.returncode == 128 + signal.SIGSYS and r.stdout == ""


def test_same_probes_pass_without_the_sentry_where_the_host_allows(moat, bundle, probe_rootfs):
    """The control: at level none, AF_PACKET sockets are refused only by missing
    CAP_NET_RAW, not by a filter: the sentry is what adds the wall."""
    moat.level = "none"
    b, cid, cfg = bundle(["sysprobe", "clone3"])
    cfg["root"] = {"path": str(probe_rootfs), "readonly": True}
    with open(os.path.join(b, "config.json"), "w") as f:
        json.dump(cfg, f)
    r = moat.cmd("run", "-b", b, cid)
    assert r.stdout.strip() != "errno 38 ENOSYS"


def test_emulated_open_uses_the_callers_credentials(moat, bundle):
    def edit(c):
        c["process"]["user"] = {"uid": 1000, "gid": 1000}
    script = ("cat /etc/shadow-test 2>&1 | grep -c 'Permission denied'; echo made > /tmp/mine; stat -c '%u %g %a' /tmp/mine; "
              "umask 077; echo x > /tmp/private; stat -c %a /tmp/private")
    b, cid, cfg = bundle(["sh", "-c", script], copy_rootfs=True)
    edit(cfg)
    root = os.path.join(b, "rootfs")
    with open(os.path.join(root, "etc", "shadow-test"), "w") as f:
        f.write("secret\n")
    os.chmod(os.path.join(root, "etc", "shadow-test"), 0o600)
    with open(os.path.join(b, "config.json"), "w") as f:
        json.dump(cfg, f)
    r = moat.cmd("run", "-b", b, cid, global_args=SENTRY)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[:3] == ["1", "1000 1000 644", "600"]


def test_absolute_symlink_resolves_inside_the_container(moat, bundle, tmp_path):
    secret = tmp_path / "host-secret"
    secret.write_text("host only\n")
    b, cid, cfg = bundle(["sh", "-c", f"cat /tmp/link 2>&1; echo rc=$?"], copy_rootfs=True)
    os.symlink(str(secret), os.path.join(b, "rootfs", "tmp", "link"))
    r = moat.cmd("run", "-b", b, cid, global_args=SENTRY)
    assert "host only" not in r.stdout and "rc=1" in r.stdout


def test_exec_is_under_the_sentry_too(moat, bundle):
    b, cid, _ = bundle(["sleep", "30"])
    moat.ok("run", "-d", "-b", b, cid, global_args=SENTRY)
    r = moat.ok("exec", cid, "sh", "-c", "uname -r; grep ^Seccomp: /proc/self/status")
    assert r.stdout.split("\n")[0] == "6.1.0-moat" and "Seccomp:\t2" in r.stdout
    moat.ok("delete", "-f", cid)


def test_annotation_selects_the_sentry(moat, bundle):
    b, cid, _ = bundle(["uname", "-r"], annotations={"run.moat.sandbox": "sentry"})
    r = moat.ok("run", "-b", b, cid)
    assert r.stdout.strip() == "6.1.0-moat"


def test_killing_the_sentry_kills_the_container(moat, bundle):
    b, cid, _ = bundle(["sleep", "60"])
    moat.ok("run", "-d", "-b", b, cid, global_args=SENTRY)
    wait_status(moat, cid, "running")
    sentry, watchdog = sentry_of(moat, cid)
    assert sentry and watchdog
    os.kill(sentry, signal.SIGKILL)
    wait_status(moat, cid, "stopped")
    moat.ok("delete", cid)


def test_the_sentry_confines_itself(moat, bundle):
    """Every thread of the sentry runs under its own seccomp allowlist, with
    no_new_privs and without the capabilities it has no use for."""
    b, cid, _ = bundle(["sleep", "60"])
    moat.ok("run", "-d", "-b", b, cid, global_args=SENTRY)
    wait_status(moat, cid, "running")
    pid, _ = sentry_of(moat, cid)
    tasks = os.listdir(f"/proc/{pid}/task")
    assert len(tasks) > 1
    for tid in tasks:
        with open(f"/proc/{pid}/task/{tid}/status") as f:
            status = dict(line.split(":\t", 1) for line in f.read().splitlines() if ":\t" in line)
        assert (status["Seccomp"], status["NoNewPrivs"]) == ("2", "1"), tid
        for held in ("CapEff", "CapPrm"):
            caps = int(status[held], 16)
            for cap in (21, 12, 16, 17):  # SYS_ADMIN, NET_ADMIN, SYS_MODULE, SYS_RAWIO
                assert not caps & (1 << cap), (tid, held, cap)
    moat.ok("delete", "-f", cid)


def test_sentry_ends_with_the_container(moat, bundle):
    b, cid, _ = bundle(["sleep", "60"])
    moat.ok("run", "-d", "-b", b, cid, global_args=SENTRY)
    procs = [p for p in sentry_of(moat, cid) if p]
    assert len(procs) == 2
    moat.ok("delete", "-f", cid)
    for _ in range(100):
        if not any(alive(p) for p in procs):
            break
        time.sleep(0.02)
    assert not any(alive(p) for p in procs)


def test_audit_log(moat, bundle, tmp_path):
    log = tmp_path / "audit.jsonl"
    b, cid, _ = bundle(["cat", "/etc/passwd"])
    r = moat.cmd("run", "-b", b, cid, global_args=SENTRY + ("--audit", str(log)))
    assert r.returncode == 0, r.stderr
    lines = [json.loads(l) for l in log.read_text().splitlines()]
    assert any(l["syscall"] in ("open", "openat") and l["action"] == "emulate" for l in lines)


def test_audit_log_names_denied_calls_and_keeps_their_errno(moat, bundle, probe_rootfs, tmp_path):
    log = tmp_path / "audit.jsonl"
    b, cid, cfg = bundle(["sh", "-c", "sysprobe io-uring; sysprobe bpf"])
    cfg["root"] = {"path": str(probe_rootfs), "readonly": True}
    cfg["annotations"] = {"run.moat.audit": str(log)}
    with open(os.path.join(b, "config.json"), "w") as f:
        json.dump(cfg, f)
    r = moat.cmd("run", "-b", b, cid, global_args=SENTRY)
    assert r.stdout.split("\n")[:2] == ["errno 38 ENOSYS", "errno 1 EPERM"], r.stderr
    lines = [json.loads(l) for l in log.read_text().splitlines()]
    denied = {l["syscall"]: l["errno"] for l in lines if l["action"] == "deny"}
    assert denied.get("io_uring_setup") == 38 and denied.get("bpf") == 1
