"""Layer 1 escape attempts that runc has fallen to, each tried for real.

Each test runs the attack inside a container and then checks the host."""
import hashlib
import json
import os
import subprocess
import time

from conftest import MOAT


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def test_cve_2019_5736_runtime_binary_is_a_sealed_copy(moat, bundle):
    """While moat runs a container, its /proc/<pid>/exe is a sealed memfd, not the binary on disk."""
    b, cid, _ = bundle(["sleep", "30"])
    p = subprocess.Popen([MOAT, "--root", moat.root, "run", "-b", b, cid])
    try:
        for _ in range(200):
            if moat.cmd("state", cid).returncode == 0:
                break
            time.sleep(0.02)
        exe = os.readlink(f"/proc/{p.pid}/exe")
        assert exe.startswith("/memfd:moat"), exe
        # the copy cannot be written, even by root on the host
        try:
            with open(f"/proc/{p.pid}/exe", "r+b") as f:
                f.write(b"\0")
            written = True
        except OSError:
            written = False
        assert not written
    finally:
        moat.cmd("kill", cid, "KILL")
        p.wait(timeout=10)


def test_cve_2019_5736_overwrite_attempt_from_inside(moat, bundle):
    """A privileged container races to open every visible /proc/<pid>/exe for writing while
    exec'd processes come and go; the host's moat binary is untouched."""
    before = sha(MOAT)
    b, cid, cfg = bundle(["sh", "-c", "while true; do for e in /proc/[0-9]*/exe; do "
                          "echo x 2>/dev/null >> $e && echo WROTE $e; done; done"])
    caps = ["CAP_SYS_PTRACE", "CAP_DAC_OVERRIDE", "CAP_SYS_ADMIN", "CAP_KILL"]
    cfg["process"]["capabilities"] = {k: caps for k in ["bounding", "effective", "permitted"]}
    with open(os.path.join(b, "config.json"), "w") as f:
        json.dump(cfg, f)
    moat.ok("run", "-d", "-b", b, cid)
    for _ in range(20):
        moat.cmd("exec", cid, "true")
    moat.ok("delete", "-f", cid)
    assert sha(MOAT) == before


def test_cve_2024_21626_no_fd_leaks_into_the_container(moat, bundle):
    b, cid, _ = bundle(["sh", "-c", "ls /proc/self/fd"])
    r = moat.cmd("run", "--preserve-fds", "0", "-b", b, cid)
    assert r.returncode == 0
    # 0,1,2 and ls's own directory fd
    assert sorted(r.stdout.split()) == ["0", "1", "2", "3"]


def test_cve_2024_21626_no_fd_leaks_into_exec(moat, bundle):
    b, cid, _ = bundle(["sleep", "30"])
    moat.ok("run", "-d", "-b", b, cid)
    r = moat.ok("exec", cid, "ls", "/proc/self/fd")
    assert sorted(r.stdout.split()) == ["0", "1", "2", "3"]
    moat.ok("delete", "-f", cid)


def test_cve_2024_21626_cwd_through_a_leaked_fd_is_refused(moat, bundle):
    for fd in range(3, 10):
        b, cid, cfg = bundle(["sh", "-c", "pwd; ls .."])
        cfg["process"]["cwd"] = f"/proc/self/fd/{fd}"
        with open(os.path.join(b, "config.json"), "w") as f:
            json.dump(cfg, f)
        r = moat.cmd("run", "-b", b, cid)
        # either refused, or the cwd is inside the container: never the host's directories
        assert r.returncode != 0 or not r.stdout.startswith("/proc/self/fd") or "(unreachable)" not in r.stdout
        assert "run" not in r.stdout.split() or "moat" not in r.stdout


def test_mount_target_symlink_cannot_leave_the_rootfs(moat, bundle, tmp_path):
    outside = tmp_path / "host-target"
    outside.mkdir()
    b, cid, cfg = bundle(["sh", "-c", "ls /evil /rel"], copy_rootfs=True)
    root = os.path.join(b, "rootfs")
    os.symlink(str(outside), os.path.join(root, "evil"))
    os.symlink("../../../../../../../../" + str(outside).lstrip("/"), os.path.join(root, "rel"))
    cfg["mounts"].append({"destination": "/evil/sub", "type": "tmpfs", "source": "tmpfs"})
    cfg["mounts"].append({"destination": "/rel/sub2", "type": "tmpfs", "source": "tmpfs"})
    with open(os.path.join(b, "config.json"), "w") as f:
        json.dump(cfg, f)
    r = moat.cmd("run", "-b", b, cid)
    assert r.returncode == 0, r.stderr
    # nothing was created or mounted at the host path
    assert os.listdir(outside) == []
    # the mounts landed inside the rootfs, where the symlinks resolve when rooted there
    assert os.path.isdir(os.path.join(root, str(outside).lstrip("/"), "sub"))


def test_mknod_and_device_access_are_blocked(moat, bundle):
    b, cid, _ = bundle(["sh", "-c", "mknod /dev/shm/sda b 8 0 2>/dev/null; echo mknod=$?; "
                        "head -c1 /dev/vda >/dev/null 2>&1; echo vda=$?"])
    r = moat.ok("run", "-b", b, cid)
    assert r.stdout.split() == ["mknod=1", "vda=1"]


def test_cgroup_release_agent_mount_is_blocked(moat, bundle):
    """CVE-2022-0492: mounting a cgroup v1 hierarchy to set release_agent needs CAP_SYS_ADMIN."""
    b, cid, _ = bundle(["sh", "-c", "mkdir -p /dev/shm/cg; mount -t cgroup -o memory cgroup /dev/shm/cg 2>/dev/null; "
                        "echo mount=$?"])
    r = moat.ok("run", "-b", b, cid)
    assert r.stdout.strip() == "mount=1"


def test_proc_and_sys_writes_are_blocked(moat, bundle):
    b, cid, _ = bundle(["sh", "-c", "echo c > /proc/sys/kernel/core_pattern 2>/dev/null; echo core=$?; "
                        "echo 1 > /sys/kernel/profiling 2>/dev/null; echo sys=$?"])
    r = moat.ok("run", "-b", b, cid)
    assert r.stdout.split() == ["core=1", "sys=1"]
