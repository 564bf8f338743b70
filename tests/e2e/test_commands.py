"""features, spec, check, and process attributes less often used: preserve-fds,
personality, scheduler, I/O priority."""
import json
import os
import subprocess

from conftest import MOAT


def test_features_document(moat):
    f = json.loads(moat.ok("features").stdout)
    assert f["ociVersionMin"].startswith("1.0") and f["ociVersionMax"].startswith("1.")
    assert set(f["hooks"]) == {"prestart", "createRuntime", "createContainer", "startContainer", "poststart",
                               "poststop"}
    assert {"bind", "rbind", "ro", "nosuid", "rslave"} <= set(f["mountOptions"])
    lx = f["linux"]
    assert set(lx["namespaces"]) == {"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"}
    assert "CAP_SYS_ADMIN" in lx["capabilities"]
    assert lx["seccomp"]["enabled"] and "SCMP_ACT_NOTIFY" in lx["seccomp"]["actions"]
    assert "SCMP_ARCH_X86_64" in lx["seccomp"]["archs"]
    assert lx["cgroup"]["v1"] and lx["cgroup"]["v2"]
    assert moat.cmd("features", "extra").returncode == 1


def test_spec_writes_a_config_moat_runs(moat, tmp_path, base_rootfs):
    b = tmp_path / "specb"
    b.mkdir()
    r = subprocess.run([MOAT, "spec", "--bundle", str(b)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    cfg = json.loads((b / "config.json").read_text())
    assert cfg["process"]["args"] == ["sh"] and cfg["root"] == {"path": "rootfs", "readonly": True}
    # refuses to overwrite
    r = subprocess.run([MOAT, "spec", "--bundle", str(b)], capture_output=True, text=True)
    assert r.returncode == 1 and "exists" in r.stderr
    os.symlink(base_rootfs / "rootfs", b / "rootfs")
    cfg["process"]["terminal"] = False
    cfg["process"]["args"] = ["true"]
    (b / "config.json").write_text(json.dumps(cfg))
    moat.ok("run", "-b", str(b), "from-spec")


def test_check_reports_each_level(moat):
    out = moat.ok("check").stdout
    for word in ["cgroup", "seccomp", "none", "sentry", "vm"]:
        assert word in out
    j = json.loads(moat.ok("check", "--format", "json").stdout)
    assert isinstance(j, dict) and j


def test_preserve_fds(moat, bundle, tmp_path):
    b, cid, _ = bundle(["sh", "-c", "cat <&3; ls /proc/self/fd"])
    secret = tmp_path / "passed"
    secret.write_text("through fd 3\n")
    with open(secret) as f:
        r = subprocess.run([MOAT, "--root", moat.root, "run", "--preserve-fds", "1", "-b", b, cid],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, pass_fds=(3,),
                           preexec_fn=lambda: os.dup2(f.fileno(), 3))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "through fd 3"
    assert sorted(lines[1:]) == ["0", "1", "2", "3", "4"]


def edited(bundle, args, fn):
    b, cid, cfg = bundle(args)
    fn(cfg)
    with open(os.path.join(b, "config.json"), "w") as f:
        json.dump(cfg, f)
    return b, cid


def test_personality_linux32(moat, bundle):
    b, cid = edited(bundle, ["uname", "-m"], lambda c: c["linux"].update(personality={"domain": "LINUX32"}))
    assert moat.ok("run", "-b", b, cid).stdout.strip() in ("i686", "i386")


def test_scheduler_policy(moat, bundle):
    b, cid = edited(bundle, ["sh", "-c", "grep -E '^policy' /proc/self/sched"],
                    lambda c: c["process"].update(scheduler={"policy": "SCHED_BATCH", "nice": 5}))
    out = moat.ok("run", "-b", b, cid).stdout
    assert out.split()[-1] == "3"  # SCHED_BATCH


def test_io_priority(moat, bundle):
    b, cid = edited(bundle, ["ionice"],
                    lambda c: c["process"].update(ioPriority={"class": "IOPRIO_CLASS_IDLE", "priority": 0}))
    out = moat.ok("run", "-b", b, cid).stdout
    assert "idle" in out


def test_apparmor_profile_is_refused_where_apparmor_is_absent(moat, bundle):
    if os.path.exists("/sys/kernel/security/apparmor"):
        return
    b, cid = edited(bundle, ["true"], lambda c: c["process"].update(apparmorProfile="docker-default"))
    r = moat.cmd("run", "-b", b, cid)
    assert r.returncode == 1 and "AppArmor" in r.stderr
