"""The container's /proc and /sys under the sentry: memory and CPU files show
its cgroup's limits and cpuset, host-revealing files read as empty, and
process memory and /proc/sys cannot be opened for writing.  Each claim is
checked against level none, where the host's values show (the control)."""
import json
import os
import shutil
import subprocess

import pytest

from test_lifecycle import wait_status

LIMITS = {"memory": {"limit": 256 << 20}, "cpu": {"quota": 100000, "period": 100000, "cpus": "0"}}

VIEW = ("free -m | awk '/^Mem:/{print $2}'; grep MemTotal /proc/meminfo; nproc; grep -c ^processor /proc/cpuinfo; "
        "cat /sys/devices/system/cpu/online; cut -d' ' -f1 /proc/uptime; grep -c '^cpu[0-9]' /proc/stat")

# glibc's own answers (Python's os.cpu_count() and os.sysconf are these calls)
SYSCONF_C = r"""
#include <stdio.h>
#include <unistd.h>
int main(void)
{
	long mib = sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE) >> 20;
	printf("%ld %ld %ld\n", sysconf(_SC_NPROCESSORS_ONLN), sysconf(_SC_NPROCESSORS_CONF), mib);
	return 0;
}
"""


def host(path):
    with open(path) as f:
        return f.read()


def host_memtotal():
    return next(l.split()[1] for l in host("/proc/meminfo").splitlines() if l.startswith("MemTotal:"))


def host_cpus():
    return host("/proc/cpuinfo").count("\nprocessor") + host("/proc/cpuinfo").startswith("processor")


def run(moat, bundle, level, script, resources=None, rootfs=None, edit=None, **kw):
    moat.level = level
    b, cid, cfg = bundle(["sh", "-c", script], **kw)
    if resources:
        cfg["linux"].setdefault("resources", {}).update(resources)
    if rootfs:
        cfg["root"] = {"path": str(rootfs), "readonly": True}
    if edit:
        edit(cfg)
    with open(os.path.join(b, "config.json"), "w") as f:
        json.dump(cfg, f)
    r = moat.cmd("run", "-b", b, cid)
    assert r.returncode == 0, r.stderr
    return r.stdout.splitlines()


@pytest.fixture(scope="session")
def sysconf_rootfs(tmp_path_factory, base_rootfs):
    d = tmp_path_factory.mktemp("sysconfroot")
    root = d / "rootfs"
    shutil.copytree(base_rootfs / "rootfs", root, symlinks=True)
    src = d / "sysconf.c"
    src.write_text(SYSCONF_C)
    subprocess.run(["gcc", "-static", "-O1", "-o", str(root / "bin" / "sysconf"), str(src)], check=True,
                   capture_output=True)
    os.chmod(d, 0o755)
    return root


def test_limits_show_under_the_sentry(moat, bundle):
    out = run(moat, bundle, "sentry", VIEW, LIMITS)
    assert out[0] == "256"
    assert out[1].split() == ["MemTotal:", str(256 << 10), "kB"]
    assert out[2:5] == ["1", "1", "0"]
    assert float(out[5]) < 30
    assert out[6] == "1"


def test_host_values_show_without_the_sentry(moat, bundle):
    out = run(moat, bundle, "none", VIEW, LIMITS)
    assert out[1].split()[1] == host_memtotal()
    assert int(out[3]) == host_cpus()
    assert out[4] == host("/sys/devices/system/cpu/online").strip()
    assert abs(float(out[5]) - float(host("/proc/uptime").split()[0])) < 30


@pytest.mark.parametrize("quota,cpus", [(100000, 1), (150000, 2)])
def test_quota_alone_bounds_the_cpus(moat, bundle, quota, cpus):
    """Without a cpuset, the quota rounded up is the CPU count (never more than the host has)."""
    shown = min(cpus, host_cpus())
    out = run(moat, bundle, "sentry", "grep -c ^processor /proc/cpuinfo; cat /sys/devices/system/cpu/online "
              "/sys/devices/system/cpu/possible", {"cpu": {"quota": quota, "period": 100000}})
    expect = "0" if shown == 1 else f"0-{shown - 1}"
    assert out == [str(shown), expect, expect]


def test_glibc_sees_the_limits(moat, bundle, sysconf_rootfs):
    assert run(moat, bundle, "sentry", "sysconf", LIMITS, rootfs=sysconf_rootfs) == ["1 1 256"]


def test_file_identity_not_its_name_decides(moat, bundle):
    """A symlink, "..", a relative path from /proc and a reopen through
    /proc/self/fd all reach the container's meminfo."""
    script = ("ln -s /proc/meminfo /dev/shm/m; grep MemTotal /dev/shm/m; grep MemTotal /proc/self/../meminfo; "
              "cd /proc && grep MemTotal ./meminfo; exec 4</proc/meminfo; grep MemTotal /proc/self/fd/4")
    out = run(moat, bundle, "sentry", script, LIMITS)
    assert [l.split()[1] for l in out] == [str(256 << 10)] * 4


def test_update_shows_at_once(moat, bundle):
    moat.level = "sentry"
    b, cid, cfg = bundle(["sleep", "30"])
    cfg["linux"].setdefault("resources", {}).update(LIMITS)
    with open(os.path.join(b, "config.json"), "w") as f:
        json.dump(cfg, f)
    moat.ok("run", "-d", "-b", b, cid)
    wait_status(moat, cid, "running")
    moat.ok("update", "--memory", "128m", cid)
    r = moat.ok("exec", cid, "grep", "MemTotal", "/proc/meminfo")
    assert r.stdout.split()[1] == str(128 << 10)
    moat.ok("delete", "-f", cid)


def test_virtual_files_are_read_only(moat, bundle):
    out = run(moat, bundle, "sentry", "(exec 3<>/proc/meminfo) 2>/dev/null && echo rw || echo refused; "
              "exec 3</proc/meminfo; echo x >&3 2>/dev/null && echo written || echo ro", LIMITS)
    assert out == ["refused", "ro"]


HOST_FILES = "wc -c < /proc/kallsyms; wc -c < /sys/kernel/notes; cat /sys/kernel/mm/transparent_hugepage/enabled"


@pytest.mark.skipif(not (os.path.exists("/proc/kallsyms") and os.path.exists("/sys/kernel/notes")),
                    reason="the host has no kallsyms or kernel notes")
@pytest.mark.parametrize("level", ["sentry", "none"])
def test_host_revealing_files_read_as_empty(moat, bundle, level):
    out = run(moat, bundle, level, HOST_FILES)
    sizes = [int(n) for n in out[:2]]
    assert sizes == [0, 0] if level == "sentry" else all(n > 0 for n in sizes)
    # allocators read the transparent hugepage policy: it stays
    assert out[2] == host("/sys/kernel/mm/transparent_hugepage/enabled").strip()


WRITES = ("for f in /proc/self/mem /proc/$$/mem /proc/sys/net/ipv4/ip_forward; do "
          "(exec 3<>$f) 2>/dev/null && echo opened || echo refused; done; "
          "(exec 3</proc/self/mem) && echo read")


@pytest.mark.parametrize("level,expect", [("sentry", ["refused", "refused", "refused", "read"]),
                                          ("none", ["opened", "opened", "opened", "read"])])
def test_process_memory_and_sysctl_writes_are_refused(moat, bundle, level, expect):
    """/proc/sys is left writable and CAP_NET_ADMIN given, so that at level none
    the container could write its own network sysctls: the refusal is the sentry's."""
    def edit(c):
        c["linux"]["readonlyPaths"] = []
        caps = c["process"]["capabilities"]
        for k in ("bounding", "effective", "permitted"):
            caps[k] = caps[k] + ["CAP_NET_ADMIN"]
    assert run(moat, bundle, level, WRITES, edit=edit) == expect
