"""Bad input: one line naming the problem, a non-zero exit, nothing left behind.

The `moat` and `bundle` fixtures check after each test that no state
directory, cgroup or mount remains."""
import json
import os

import pytest


def create_fails(moat, b, cid, *words):
    r = moat.cmd("create", "--bundle", b, cid)
    assert r.returncode == 1, r
    line = r.stderr.strip()
    assert "\n" not in line, f"expected one line, got: {r.stderr!r}"
    for w in words:
        assert w in line, f"{w!r} not in {line!r}"
    assert moat.cmd("state", cid).returncode != 0
    return line


def test_malformed_json(moat, bundle):
    b, cid, _ = bundle()
    with open(os.path.join(b, "config.json"), "w") as f:
        f.write('{"ociVersion": "1.0.2", "root": {"path": "rootfs"},,}')
    create_fails(moat, b, cid, "config.json", "line 1")


def test_missing_config(moat, tmp_path):
    create_fails(moat, str(tmp_path), "nocfg", "config.json", "No such file")


def test_missing_rootfs(moat, bundle):
    b, cid, _ = bundle(root={"path": "does-not-exist"})
    create_fails(moat, b, cid, "root.path", "does-not-exist")


@pytest.mark.parametrize("field,value,words", [
    ("ociVersion", "2.0.0", ["ociVersion", "2.0.0"]),
    ("ociVersion", 1, ["ociVersion", "string"]),
    ("hostname", ["x"], ["hostname", "string"]),
    ("mounts", {"a": 1}, ["mounts", "array"]),
    ("mounts", [{"destination": "relative", "type": "tmpfs"}], ["mounts[0].destination", "absolute"]),
    ("mounts", [{"destination": "/x"}], ["mounts[0].type", "required"]),
    ("annotations", {"a": 1}, ["annotations.a", "string"]),
])
def test_top_level_fields(moat, bundle, field, value, words):
    b, cid, _ = bundle(**{field: value})
    create_fails(moat, b, cid, *words)


@pytest.mark.parametrize("change,words", [
    (lambda p: p.update(args=[]), ["process.args", "non-empty"]),
    (lambda p: p.update(args="sh"), ["process.args", "array"]),
    (lambda p: p.update(cwd="relative"), ["process.cwd", "absolute"]),
    (lambda p: p["capabilities"]["bounding"].append("CAP_NOT_A_CAP"), ["unknown capability", "CAP_NOT_A_CAP"]),
    (lambda p: p.update(rlimits=[{"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1}]), ["rlimits[0].type", "RLIMIT_BOGUS"]),
    (lambda p: p.update(rlimits=[{"type": "RLIMIT_NOFILE", "soft": 10, "hard": 5}]), ["rlimits[0]", "soft"]),
    (lambda p: p.update(user={"uid": -1}), ["process.user.uid", "range"]),
    (lambda p: p.update(oomScoreAdj=5000), ["oomScoreAdj", "range"]),
    (lambda p: p.update(args=["/no/such/binary"]), ["/no/such/binary"]),
    (lambda p: p.update(args=["no-such-command"]), ["no-such-command", "not found"]),
])
def test_process_fields(moat, bundle, change, words):
    b, cid, cfg = bundle()
    change(cfg["process"])
    with open(os.path.join(b, "config.json"), "w") as f:
        json.dump(cfg, f)
    create_fails(moat, b, cid, *words)


@pytest.mark.parametrize("change,words", [
    (lambda l: l["namespaces"].append({"type": "bogus"}), ["linux.namespaces", "bogus"]),
    (lambda l: l["namespaces"].append({"type": "pid"}), ["namespaces", "twice"]),
    (lambda l: l["namespaces"].append({"type": "user"}), ["uidMappings"]),
    (lambda l: l["namespaces"].append({"type": "ipc", "path": "/no/such/ns"}) or
     l.update(namespaces=[n for n in l["namespaces"] if n["type"] != "ipc"] + [{"type": "ipc", "path": "/no/such/ns"}]),
     ["/no/such/ns"]),
    (lambda l: l.update(namespaces=[n for n in l["namespaces"] if n["type"] != "mount"]), ["mount namespace"]),
    (lambda l: l.update(devices=[{"path": "/dev/x", "type": "z", "major": 1, "minor": 1}]), ["devices[0].type"]),
    (lambda l: l.update(rootfsPropagation="sideways"), ["rootfsPropagation", "sideways"]),
    (lambda l: l.update(sysctl={"net.ipv4.ip_forward": 1}), ["sysctl", "string"]),
])
def test_linux_fields(moat, bundle, change, words):
    b, cid, cfg = bundle()
    change(cfg["linux"])
    with open(os.path.join(b, "config.json"), "w") as f:
        json.dump(cfg, f)
    create_fails(moat, b, cid, *words)


def test_bad_mount_source_fails_and_cleans_up(moat, bundle):
    b, cid, cfg = bundle()
    cfg["mounts"].append({"destination": "/data", "type": "bind", "source": "/no/such/dir", "options": ["rbind"]})
    with open(os.path.join(b, "config.json"), "w") as f:
        json.dump(cfg, f)
    create_fails(moat, b, cid, "mounts[", "/no/such/dir")


def test_unknown_filesystem_type(moat, bundle):
    b, cid, cfg = bundle()
    cfg["mounts"].append({"destination": "/data", "type": "nosuchfs", "source": "none"})
    with open(os.path.join(b, "config.json"), "w") as f:
        json.dump(cfg, f)
    create_fails(moat, b, cid, "nosuchfs", "/data")


def test_invalid_container_id(moat, bundle):
    b, _, _ = bundle()
    for bad in ["../escape", "a/b", "..", "with space", ".cache"]:
        r = moat.cmd("create", "-b", b, bad)
        assert r.returncode == 1 and "invalid container id" in r.stderr


def test_every_1x_version_is_accepted(moat, bundle):
    for v in ["1.0.0", "1.0.2-dev", "1.1.0", "1.2.1", "1.3.0"]:
        b, cid, _ = bundle(["true"], ociVersion=v)
        r = moat.cmd("run", "-b", b, cid)
        assert r.returncode == 0, (v, r.stderr)


def test_unknown_sandbox_level_and_unbuilt_levels(moat, bundle):
    b, cid, cfg = bundle(["true"], annotations={"run.moat.sandbox": "castle"})
    r = moat.cmd("run", "-b", b, cid)
    assert r.returncode == 1 and "run.moat.sandbox" in r.stderr and "castle" in r.stderr
    r = moat.cmd("run", "-b", b, cid, global_args=("--sandbox", "bogus"))
    assert r.returncode == 1 and "bogus" in r.stderr


def test_error_goes_to_log_in_json_when_asked(moat, bundle, tmp_path):
    b, cid, _ = bundle(root={"path": "nope"})
    log = tmp_path / "log.json"
    r = moat.cmd("create", "-b", b, cid, global_args=("--log", str(log), "--log-format", "json"))
    assert r.returncode == 1
    rec = json.loads(log.read_text().strip().splitlines()[-1])
    assert rec["level"] == "error" and "root.path" in rec["msg"] and "time" in rec
    # and the plain message on stderr, as runc
    assert "root.path" in r.stderr


def test_error_text_log_format(moat, bundle):
    b, cid, _ = bundle(root={"path": "nope"})
    r = moat.cmd("create", "-b", b, cid)
    assert r.stderr.startswith('time="') and 'level=error msg="' in r.stderr
