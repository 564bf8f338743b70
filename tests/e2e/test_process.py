"""What the container process gets: the config's user, capabilities, rlimits,
environment, cwd, namespaces, mounts, devices and protections."""
import json
import os
import subprocess

import pytest


def run_out(moat, bundle, script, copy_rootfs=False, edit=None, **changes):
    b, cid, cfg = bundle(["sh", "-c", script], copy_rootfs=copy_rootfs, **changes)
    if edit:
        edit(cfg)
        with open(os.path.join(b, "config.json"), "w") as f:
            json.dump(cfg, f)
    r = moat.cmd("run", "-b", b, cid)
    assert r.returncode == 0, r.stderr
    return r.stdout


def status_field(text, name):
    for line in text.splitlines():
        if line.startswith(name + ":"):
            return line.split(":", 1)[1].strip()
    raise KeyError(name)


def test_user_and_groups(moat, bundle):
    def edit(c):
        c["process"]["user"] = {"uid": 1234, "gid": 5678, "additionalGids": [10, 11], "umask": 0o077}
    out = run_out(moat, bundle, "id -u; id -g; cat /proc/self/status | grep ^Groups; umask", edit=edit)
    lines = out.split("\n")
    assert lines[0] == "1234" and lines[1] == "5678"
    assert lines[2].split()[1:] == ["10", "11"]
    assert lines[3] == "0077"


def test_capabilities_are_exactly_the_configured_sets(moat, bundle):
    def edit(c):
        c["process"]["capabilities"] = {"bounding": ["CAP_CHOWN", "CAP_KILL"], "effective": ["CAP_CHOWN"],
                                        "permitted": ["CAP_CHOWN"], "inheritable": [], "ambient": []}
    out = run_out(moat, bundle, "cat /proc/self/status", edit=edit)
    # sh is not privileged-aware: effective caps survive exec only if ambient; check the init's view via bounding
    assert int(status_field(out, "CapBnd"), 16) == (1 << 0) | (1 << 5)


def test_ambient_capabilities_reach_the_process(moat, bundle):
    def edit(c):
        c["process"]["user"] = {"uid": 1000, "gid": 1000}
        caps = ["CAP_NET_BIND_SERVICE"]
        c["process"]["capabilities"] = {k: caps for k in ["bounding", "effective", "permitted", "inheritable", "ambient"]}
    out = run_out(moat, bundle, "cat /proc/self/status", edit=edit)
    assert int(status_field(out, "CapEff"), 16) == 1 << 10
    assert int(status_field(out, "CapAmb"), 16) == 1 << 10


def test_no_new_privileges(moat, bundle):
    out = run_out(moat, bundle, "grep NoNewPrivs /proc/self/status")
    assert out.split()[1] == "1"

    def edit(c):
        c["process"]["noNewPrivileges"] = False
    out = run_out(moat, bundle, "grep NoNewPrivs /proc/self/status", edit=edit)
    assert out.split()[1] == "0"


def test_rlimits(moat, bundle):
    def edit(c):
        c["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 123, "hard": 456},
                                   {"type": "RLIMIT_CORE", "soft": 0, "hard": 0}]
    out = run_out(moat, bundle, "ulimit -n; ulimit -Hn; ulimit -c", edit=edit)
    assert out.split() == ["123", "456", "0"]


def test_raising_a_hard_rlimit_fails_clearly(moat, bundle):
    # this host's root lacks CAP_SYS_RESOURCE: raising a hard limit must fail, with the limit named
    hard = int(subprocess.run(["sh", "-c", "ulimit -Hn"], capture_output=True, text=True).stdout)
    b, cid, cfg = bundle(["true"])
    cfg["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": hard + 1, "hard": hard + 1}]
    with open(os.path.join(b, "config.json"), "w") as f:
        json.dump(cfg, f)
    r = moat.cmd("create", "-b", b, cid)
    if r.returncode == 0:
        pytest.skip("this host allows raising RLIMIT_NOFILE")
    assert "rlimits[0]" in r.stderr and "setrlimit" in r.stderr


def test_env_cwd_args(moat, bundle):
    def edit(c):
        c["process"]["env"] = ["PATH=/bin", "FOO=bar baz"]
        c["process"]["cwd"] = "/tmp/work/dir"
        c["process"]["args"] = ["sh", "-c", 'echo "$FOO"; pwd; echo "$0 $1"', "arg0", "arg 1"]
    out = run_out(moat, bundle, "", copy_rootfs=True, edit=edit)
    assert out.splitlines() == ["bar baz", "/tmp/work/dir", "arg0 arg 1"]


def test_hostname_domainname(moat, bundle):
    out = run_out(moat, bundle, "hostname; cat /proc/sys/kernel/domainname", hostname="box1", domainname="example.org")
    assert out.split() == ["box1", "example.org"]


def test_pid_namespace_and_init_is_pid_1(moat, bundle):
    out = run_out(moat, bundle, "echo $$; ps -o pid= | wc -l")
    assert out.split()[0] == "1"
    # only the container's processes are visible: sh and ps (and wc)
    assert int(out.split()[1]) <= 3


def test_network_namespace_has_only_loopback(moat, bundle):
    out = run_out(moat, bundle, "ls /sys/class/net")
    assert out.split() == ["lo"]


def test_readonly_root_and_writable_tmpfs(moat, bundle):
    out = run_out(moat, bundle, "touch /x 2>/dev/null; echo $?; touch /dev/shm/y; echo $?")
    assert out.split() == ["1", "0"]


def test_writable_root_when_asked(moat, bundle):
    out = run_out(moat, bundle, "touch /x && echo ok", copy_rootfs=True)
    assert out.strip() == "ok"


def test_masked_and_readonly_paths(moat, bundle):
    def edit(c):
        c["linux"]["maskedPaths"] = ["/proc/kcore", "/proc/keys", "/sys/firmware", "/etc/secret"]
        c["linux"]["readonlyPaths"] = ["/proc/sys"]
    out = run_out(moat, bundle, "cat /proc/keys | wc -c; ls /sys/firmware | wc -l; "
                  "echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null; echo w=$?", edit=edit)
    assert out.split() == ["0", "0", "w=1"]


def test_devices_default_and_configured(moat, bundle):
    def edit(c):
        c["linux"]["devices"] = [{"path": "/dev/mynull", "type": "c", "major": 1, "minor": 3, "fileMode": 0o600,
                                  "uid": 0, "gid": 0}]
        c["linux"].setdefault("resources", {})["devices"] = [
            {"allow": False, "access": "rwm"},
            {"allow": True, "type": "c", "major": 1, "minor": 3, "access": "rwm"}]
    out = run_out(moat, bundle, "for d in null zero full random urandom tty; do test -c /dev/$d && echo $d; done; "
                  "stat -c '%a %t,%T' /dev/mynull; echo hi > /dev/mynull && echo wrote; readlink /dev/ptmx; readlink /dev/fd",
                  edit=edit)
    lines = out.splitlines()
    assert lines[:6] == ["null", "zero", "full", "random", "urandom", "tty"]
    assert lines[6] == "600 1,3" and lines[7] == "wrote"
    assert lines[8:] == ["pts/ptmx", "/proc/self/fd"]


def test_bind_mount_readonly_and_propagation(moat, bundle, tmp_path):
    src = tmp_path / "data"
    src.mkdir()
    (src / "f").write_text("host data\n")

    def edit(c):
        c["mounts"].append({"destination": "/data", "type": "bind", "source": str(src), "options": ["rbind", "ro", "rprivate"]})
        c["mounts"].append({"destination": "/rw", "type": "bind", "source": str(src), "options": ["bind"]})
    out = run_out(moat, bundle, "cat /data/f; touch /data/g 2>/dev/null; echo ro=$?; echo new > /rw/h; echo rw=$?", edit=edit)
    assert out.splitlines() == ["host data", "ro=1", "rw=0"]
    assert (src / "h").read_text() == "new\n"
    assert not (src / "g").exists()


def test_sysctl(moat, bundle):
    def edit(c):
        c["linux"]["sysctl"] = {"net.ipv4.ip_forward": "1", "kernel.msgmax": "4321"}
    out = run_out(moat, bundle, "cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax", edit=edit)
    assert out.split() == ["1", "4321"]
    with open("/proc/sys/kernel/msgmax") as f:
        assert f.read().strip() != "4321", "sysctl leaked to the host"


def test_oom_score_adj(moat, bundle):
    def edit(c):
        c["process"]["oomScoreAdj"] = 500
    out = run_out(moat, bundle, "cat /proc/self/oom_score_adj", edit=edit)
    assert out.strip() == "500"


def test_user_namespace_with_mappings(moat, bundle, tmp_path):
    def edit(c):
        c["linux"]["namespaces"].append({"type": "user"})
        c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
        c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
        c["mounts"] = [m for m in c["mounts"] if m["destination"] != "/sys/fs/cgroup"]
        c["mounts"] = [m for m in c["mounts"] if m["destination"] != "/sys"] + [
            {"destination": "/sys", "type": "none", "source": "/sys", "options": ["rbind", "nosuid", "noexec", "nodev", "ro"]}]
        for m in c["mounts"]:
            if m["destination"] == "/dev/pts":
                m["options"] = [o for o in m["options"] if o != "gid=5"]
    out = run_out(moat, bundle, "id -u; cat /proc/self/uid_map", edit=edit)
    lines = out.split("\n")
    assert lines[0] == "0"
    assert lines[1].split() == ["0", "100000", "65536"]


def test_time_namespace_offsets(moat, bundle):
    def edit(c):
        c["linux"]["namespaces"].append({"type": "time"})
        c["linux"]["timeOffsets"] = {"boottime": {"secs": 86400 * 365, "nanosecs": 0}}
    out = run_out(moat, bundle, "cut -d. -f1 /proc/uptime", edit=edit)
    # the sentry counts uptime from the container's start: the offset and a few ms
    assert int(out) >= 86400 * 365


def test_join_existing_namespace_by_path(moat, bundle):
    b, cid, _ = bundle(["sleep", "30"], hostname="shared-uts")
    moat.ok("run", "-d", "-b", b, cid)
    pid = moat.state(cid)["pid"]

    def edit(c):
        c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] not in ("uts", "network")]
        c["linux"]["namespaces"] += [{"type": "uts", "path": f"/proc/{pid}/ns/uts"},
                                     {"type": "network", "path": f"/proc/{pid}/ns/net"}]
        c.pop("hostname", None)
    out = run_out(moat, bundle, "hostname; readlink /proc/self/ns/net", edit=edit)
    assert out.split()[0] == "shared-uts"
    assert out.split()[1] == os.readlink(f"/proc/{pid}/ns/net")
    moat.ok("delete", "-f", cid)


def test_join_existing_pid_namespace(moat, bundle):
    b, cid, _ = bundle(["sleep", "30"])
    moat.ok("run", "-d", "-b", b, cid)
    pid = moat.state(cid)["pid"]

    def edit(c):
        c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "pid"]
        c["linux"]["namespaces"].append({"type": "pid", "path": f"/proc/{pid}/ns/pid"})
    out = run_out(moat, bundle, "cat /proc/1/cmdline; echo; readlink /proc/self/ns/pid", edit=edit)
    assert out.splitlines()[0].replace("\0", " ").strip() == "sleep 30"
    assert out.splitlines()[1] == os.readlink(f"/proc/{pid}/ns/pid")
    moat.ok("delete", "-f", cid)


def test_unlimited_rlimit_as_podman_writes_it(moat, bundle):
    """2^64-1 means RLIM_INFINITY; jansson alone refuses integers above INT64_MAX."""
    def edit(c):
        c["process"]["rlimits"] = [{"type": "RLIMIT_CORE", "soft": 18446744073709551615, "hard": 18446744073709551615}]
    out = run_out(moat, bundle, "ulimit -c; ulimit -Hc", edit=edit)
    assert out.split() == ["unlimited", "unlimited"]


def test_rlimit_above_64_bits_is_refused(moat, bundle):
    b, cid, cfg = bundle(["true"])
    cfg["process"]["rlimits"] = [{"type": "RLIMIT_CORE", "soft": 18446744073709551616, "hard": 1}]
    with open(os.path.join(b, "config.json"), "w") as f:
        json.dump(cfg, f)
    r = moat.cmd("create", "-b", b, cid)
    assert r.returncode == 1 and "process.rlimits[0].soft" in r.stderr
