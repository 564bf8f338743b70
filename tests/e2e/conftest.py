"""End-to-end fixtures: drive the moat binary the way runc's and crun's suites do.

Each test gets its own --root and container ids, and after it the `leaks`
check proves that nothing was left behind: no state directory, no cgroup, no
mount of the test's rootfs, no process of the test's containers.
"""
import contextlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import uuid

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MOAT = os.environ.get("MOAT", os.path.join(REPO, "build", "moat"))
# MOAT_TEST_SANDBOX=sentry runs every test that does not pick a level itself at that level
SANDBOX = os.environ.get("MOAT_TEST_SANDBOX")
CGROUP_ROOT = "/sys/fs/cgroup"


def cgroup_dirs(name):
    """Every directory named `name` under a cgroup hierarchy's test parent."""
    found = []
    for h in os.listdir(CGROUP_ROOT):
        p = os.path.join(CGROUP_ROOT, h, "moat-test", name)
        if os.path.isdir(p) and not os.path.islink(os.path.join(CGROUP_ROOT, h)):
            found.append(p)
    return found


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False


def sentry_helpers(init_pid):
    """The sentries and watchdogs serving the container whose init is init_pid:
    a watchdog holds a pidfd of it, a sentry is a watchdog's child.  Other
    containers on the machine (other test runs) have their own."""
    out = subprocess.run(["pgrep", "-x", "moat-sentry|moat-watchdog"], capture_output=True, text=True).stdout
    found = set()
    for p in (int(x) for x in out.split()):
        try:
            for fd in os.listdir(f"/proc/{p}/fdinfo"):
                with open(f"/proc/{p}/fdinfo/{fd}") as f:
                    if f"Pid:\t{init_pid}\n" in f.read():
                        found.add(p)
        except OSError:
            continue
    for p in (int(x) for x in out.split()):
        try:
            with open(f"/proc/{p}/status") as f:
                ppid = int(next(l for l in f if l.startswith("PPid:")).split()[1])
            if ppid in found:
                found.add(p)
        except (OSError, StopIteration):
            continue
    return {p for p in found if alive(p)}


def run_files(argv, input=None, timeout=30, env=None):
    """subprocess.run with output through files, not pipes: a detached container
    inherits moat's stdout and stderr and would hold pipes open."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        r = subprocess.run(argv, input=input, stdin=None if input is not None else subprocess.DEVNULL,
                           stdout=out, stderr=err, text=True, timeout=timeout, env=env)
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(argv, r.returncode, out.read(), err.read())


class Moat:
    def __init__(self, root):
        self.root = root
        # the sandbox level of every command; a test about one level pins it
        self.level = SANDBOX

    def cmd(self, *args, input=None, timeout=30, env=None, global_args=()):
        if self.level and "--sandbox" not in global_args:
            global_args = ("--sandbox", self.level, *global_args)
        return run_files([MOAT, "--root", self.root, *global_args, *args], input=input, timeout=timeout, env=env)

    def ok(self, *args, **kw):
        r = self.cmd(*args, **kw)
        assert r.returncode == 0, f"moat {' '.join(args)} failed ({r.returncode}): {r.stderr}"
        return r

    def state(self, cid):
        return json.loads(self.ok("state", cid).stdout)


@pytest.fixture(scope="session")
def base_rootfs(tmp_path_factory):
    d = tmp_path_factory.mktemp("base")
    # containers with a user namespace run as unprivileged host ids: let them reach the rootfs
    for p in [d, d.parent, d.parent.parent]:
        os.chmod(p, 0o755)
    subprocess.run([os.path.join(REPO, "scripts", "mkbundle"), str(d)], check=True,
                   env={**os.environ, "MOAT": MOAT}, capture_output=True)
    return d


@pytest.fixture(scope="session")
def base_config(base_rootfs):
    with open(base_rootfs / "config.json") as f:
        return json.load(f)


@pytest.fixture
def moat(tmp_path):
    root = tmp_path / "state"
    m = Moat(str(root))
    yield m
    # Delete whatever the test left, then prove it is all gone.
    if root.exists():
        ids = [d for d in os.listdir(root) if not d.startswith(".")]  # dot entries: moat's cache
        for cid in ids:
            m.cmd("delete", "--force", cid)
        assert [d for d in os.listdir(root) if not d.startswith(".")] == [], "state directories left behind"


@pytest.fixture
def bundle(tmp_path, base_rootfs, base_config):
    """bundle(args, **changes) -> path of a new bundle sharing the read-only base rootfs.

    copy_rootfs=True gives the bundle its own writable rootfs copy."""
    made = []

    def make(args=None, copy_rootfs=False, **changes):
        cid = "t-" + uuid.uuid4().hex[:10]
        b = tmp_path / cid
        b.mkdir()
        cfg = json.loads(json.dumps(base_config))
        if copy_rootfs:
            shutil.copytree(base_rootfs / "rootfs", b / "rootfs", symlinks=True)
            cfg["root"] = {"path": "rootfs", "readonly": False}
        else:
            cfg["root"] = {"path": str(base_rootfs / "rootfs"), "readonly": True}
        if args is not None:
            cfg["process"]["args"] = args
        cfg["linux"]["cgroupsPath"] = f"/moat-test/{cid}"
        for k, v in changes.items():
            cfg[k] = v
        with open(b / "config.json", "w") as f:
            json.dump(cfg, f)
        made.append(cid)
        return str(b), cid, cfg

    yield make
    for cid in made:
        assert cgroup_dirs(cid) == [], f"cgroups of {cid} left behind"
    with open("/proc/self/mountinfo") as f:
        mounts = f.read()
    assert str(base_rootfs) not in mounts and str(tmp_path) not in mounts, "mounts left behind"


@contextlib.contextmanager
def unix_listener(prefix, name):
    """A listening unix socket at a short path (sun_path holds 108 bytes): (path, socket)."""
    d = tempfile.mkdtemp(prefix=prefix)
    path = os.path.join(d, name)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.listen(4)
    s.settimeout(10)
    try:
        yield path, s
    finally:
        s.close()
        shutil.rmtree(d)


def write_config(path, cfg):
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(cfg, f)
