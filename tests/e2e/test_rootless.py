"""Rootless: moat run by an unprivileged user, with a config from `moat spec --rootless`."""
import json
import os
import shutil
import subprocess
import uuid

from conftest import MOAT, run_files

UID = 1000


def as_user(*argv, input=None):
    return run_files(["setpriv", "--reuid", str(UID), "--regid", str(UID), "--clear-groups", MOAT, *argv],
                     input=input, env={"PATH": os.environ["PATH"], "XDG_RUNTIME_DIR": ""})


def user_dir(path):
    path.mkdir()
    os.chown(path, UID, UID)
    return path


def rootless_bundle(tmp_path, base_rootfs, args):
    os.chmod(tmp_path, 0o755)
    b = tmp_path / "rl"
    b.mkdir()
    shutil.copytree(base_rootfs / "rootfs", b / "rootfs", symlinks=True)
    subprocess.run(["chown", "-R", f"{UID}:{UID}", str(b)], check=True)
    r = subprocess.run(["setpriv", "--reuid", str(UID), "--regid", str(UID), "--clear-groups", MOAT, "spec",
                        "--rootless", "--bundle", str(b)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    cfg = json.loads((b / "config.json").read_text())
    assert any(n["type"] == "user" for n in cfg["linux"]["namespaces"])
    assert cfg["linux"]["uidMappings"] == [{"containerID": 0, "hostID": UID, "size": 1}]
    cfg["process"]["terminal"] = False
    cfg["process"]["args"] = args
    cfg["root"]["readonly"] = False
    (b / "config.json").write_text(json.dumps(cfg))
    return b


def test_rootless_run_and_exec(tmp_path, base_rootfs):
    b = rootless_bundle(tmp_path, base_rootfs, ["sh", "-c", "id -u; cat /proc/self/uid_map; touch /tmp/w && echo w"])
    state = user_dir(tmp_path / "state")
    r = as_user("--root", str(state), "run", "-b", str(b), "rl1")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "0" and lines[1].split() == ["0", str(UID), "1"] and lines[2] == "w"
    # the file the container made belongs to the user on the host
    assert os.stat(b / "rootfs" / "tmp" / "w").st_uid == UID

    cfg = json.loads((b / "config.json").read_text())
    cfg["process"]["args"] = ["sleep", "30"]
    (b / "config.json").write_text(json.dumps(cfg))
    assert as_user("--root", str(state), "run", "-d", "-b", str(b), "rl2").returncode == 0
    r = as_user("--root", str(state), "exec", "rl2", "id", "-u")
    assert r.returncode == 0 and r.stdout == "0\n", r.stderr
    assert as_user("--root", str(state), "delete", "-f", "rl2").returncode == 0
    assert [d for d in os.listdir(state) if not d.startswith(".")] == []


def test_rootless_default_state_dir_is_per_user(tmp_path, base_rootfs):
    b = rootless_bundle(tmp_path, base_rootfs, ["true"])
    cid = "rl3-" + uuid.uuid4().hex[:8]
    r = as_user("run", "-d", "-b", str(b), cid)
    assert r.returncode == 0, r.stderr
    assert os.path.isdir(f"/tmp/moat-{UID}/{cid}")
    assert as_user("delete", "-f", cid).returncode == 0
    assert not os.path.exists(f"/tmp/moat-{UID}/{cid}")


def test_rootless_cannot_map_other_ids(tmp_path, base_rootfs):
    b = rootless_bundle(tmp_path, base_rootfs, ["true"])
    cfg = json.loads((b / "config.json").read_text())
    cfg["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 0, "size": 1}]
    (b / "config.json").write_text(json.dumps(cfg))
    state = user_dir(tmp_path / "state")
    r = as_user("--root", str(state), "run", "-b", str(b), "rl4")
    assert r.returncode == 1 and "newuidmap" in r.stderr
    assert not os.path.exists(state / "rl4")
