"""Real clients drive moat unchanged: podman (through conmon), containerd
(through its runc v2 shim and ctr) and Docker (dockerd --add-runtime, through
its own containerd and shim), all from Debian's packages.

Every client works in its own temporary store, state directories and socket;
the containerd daemon is started here and stopped by its own PID. After each
container is removed, the test proves nothing is left: no moat state
directory, no cgroup of the container in any hierarchy, no live process in
such a cgroup, no process the container had while it ran.

Host quirks (see /work/shared/notes/clients-and-host.md): the bounding set
lacks CAP_SYS_RESOURCE, so podman gets rlimits the host can grant; there is
no CNI, so podman runs with --network none and containerd without its cri
plugin, and dockerd runs without bridge or iptables. A client that is not
installed is a failure, not a skip: scripts/deps installs podman and containerd
and unpacks Docker (installing docker.io would start a daemon on the host).
"""
import glob
import hashlib
import io
import json
import os
import platform
import shutil
import signal
import subprocess
import tarfile
import tempfile
import time
import uuid

import pytest

from conftest import CGROUP_ROOT, MOAT

IMAGE = "localhost/moat-clients:busybox"
# podman does not pass --root to the runtime: moat uses its default
MOAT_DEFAULT_ROOT = "/run/moat"
CTR_NAMESPACE = "moat-clients"
# where scripts/deps unpacks Debian's docker.io
DOCKER_DIR = "/var/cache/moat-tests/docker"
PODMAN_RUN = ["--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096"]


# ---------------------------------------------------------------- helpers

def run(argv, timeout=60):
    """Run a client command, bounded; output through files, not pipes, so a
    daemonized helper (conmon, a shim) inheriting them cannot hold us."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                           text=True, timeout=timeout)
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(argv, r.returncode, out.read(), err.read())


def cleanup(argv, timeout=30):
    """Best-effort cleanup: its failure or timeout must not hide the test's own error."""
    try:
        run(argv, timeout)
    except subprocess.TimeoutExpired:
        pass


def ok(argv, timeout=60):
    r = run(argv, timeout)
    assert r.returncode == 0, f"{' '.join(argv)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}"
    return r


def need(binary):
    path = shutil.which(binary)
    if path is None:
        pytest.fail(f"{binary} is not installed (scripts/deps installs it)")
    return path


def cgroup_dirs(rel):
    """Every directory `rel` (e.g. "libpod_parent/libpod-ID") in any cgroup hierarchy."""
    found = []
    for h in os.listdir(CGROUP_ROOT):
        if os.path.islink(os.path.join(CGROUP_ROOT, h)):
            continue
        p = os.path.join(CGROUP_ROOT, h, rel)
        if os.path.isdir(p):
            found.append(p)
    return found


def proc_stat(pid):
    """(state, starttime) of a process, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = s[s.rindex(")") + 2:].split()
    return fields[0], fields[19]


def live_procs_in_cgroup(rel):
    """{pid: starttime} of live (not zombie) processes whose cgroup, in any
    hierarchy, is `rel` or below it."""
    rel = "/" + rel.strip("/")
    found = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cgroup") as f:
                paths = [line.rstrip("\n").split(":", 2)[2] for line in f if line.count(":") >= 2]
        except (FileNotFoundError, ProcessLookupError):
            continue
        if any(p == rel or p.startswith(rel + "/") for p in paths):
            st = proc_stat(pid)
            if st is not None and st[0] != "Z":
                found[int(pid)] = st[1]
    return found


def still_alive(procs):
    """Those of `procs` ({pid: starttime}) that still run (same process, not a zombie)."""
    alive = []
    for pid, start in procs.items():
        st = proc_stat(pid)
        if st is not None and st[1] == start and st[0] != "Z":
            alive.append(pid)
    return alive


def wait_for(pred, timeout=10.0, step=0.05):
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() > end:
            return v
        time.sleep(step)


def mounts_of(cid):
    with open("/proc/self/mountinfo") as f:
        return [line.split()[4] for line in f if cid in line.split()[4]]


def assert_gone(state_dir, cgroup_rel, cid, procs=None):
    """Nothing of a removed container is left."""
    assert mounts_of(cid) == [], f"mounts of {cid} left behind: {mounts_of(cid)}"
    assert not os.path.exists(state_dir), f"moat state directory {state_dir} left behind"
    assert cgroup_dirs(cgroup_rel) == [], f"cgroups {cgroup_rel} left behind: {cgroup_dirs(cgroup_rel)}"
    assert live_procs_in_cgroup(cgroup_rel) == {}, f"processes left in {cgroup_rel}"
    if procs:
        assert still_alive(procs) == [], f"container processes {still_alive(procs)} still run"


def unmount_under(work):
    """Unmount whatever a client left mounted under `work` (after a failed
    test: the overlay driver's private bind mount, a container's rootfs), deepest first."""
    with open("/proc/self/mountinfo") as f:
        points = [line.split()[4] for line in f]
    for m in sorted((m for m in points if m == work or m.startswith(work + "/")), key=len, reverse=True):
        run(["umount", "-l", m], timeout=20)


def tar_rootfs(rootfs, dest):
    with tarfile.open(dest, "w") as t:
        for name in sorted(os.listdir(rootfs)):
            t.add(os.path.join(rootfs, name), arcname=name)


def oci_archive(rootfs, dest, ref):
    """An OCI image layout archive with one uncompressed layer holding `rootfs`,
    named `ref` for containerd's importer."""
    arch = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "ppc64le": "ppc64le",
            "s390x": "s390x", "riscv64": "riscv64"}.get(platform.machine(), platform.machine())
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for name in sorted(os.listdir(rootfs)):
            t.add(os.path.join(rootfs, name), arcname=name)
    layer = buf.getvalue()
    blobs = {}

    def blob(data, media_type):
        d = "sha256:" + hashlib.sha256(data).hexdigest()
        blobs[d] = data
        return {"mediaType": media_type, "digest": d, "size": len(data)}

    layer_desc = blob(layer, "application/vnd.oci.image.layer.v1.tar")
    config = {"architecture": arch, "os": "linux",
              "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                         "Cmd": ["/bin/sh"]},
              "rootfs": {"type": "layers", "diff_ids": [layer_desc["digest"]]}}
    config_desc = blob(json.dumps(config).encode(), "application/vnd.oci.image.config.v1+json")
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": config_desc, "layers": [layer_desc]}
    man_desc = blob(json.dumps(manifest).encode(), "application/vnd.oci.image.manifest.v1+json")
    man_desc["annotations"] = {"io.containerd.image.name": ref,
                               "org.opencontainers.image.ref.name": ref.rsplit(":", 1)[1]}
    man_desc["platform"] = {"architecture": arch, "os": "linux"}
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
             "manifests": [man_desc]}
    files = {"oci-layout": json.dumps({"imageLayoutVersion": "1.0.0"}).encode(),
             "index.json": json.dumps(index).encode()}
    for d, data in blobs.items():
        files["blobs/sha256/" + d.split(":", 1)[1]] = data
    with tarfile.open(dest, "w") as t:
        for dname in ("blobs", "blobs/sha256"):
            ti = tarfile.TarInfo(dname)
            ti.type = tarfile.DIRTYPE
            ti.mode = 0o755
            t.addfile(ti)
        for name, data in files.items():
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mode = 0o644
            t.addfile(ti, io.BytesIO(data))


# ---------------------------------------------------------------- podman

class Podman:
    def __init__(self, work):
        self.work = work
        self.base = [need("podman"), "--root", f"{work}/root", "--runroot", f"{work}/runroot",
                     "--tmpdir", f"{work}/tmp", "--cgroup-manager", "cgroupfs",
                     "--events-backend", "file", "--runtime", MOAT]

    def cmd(self, *args, timeout=60):
        return run([*self.base, *args], timeout)

    def ok(self, *args, timeout=60):
        return ok([*self.base, *args], timeout)


@pytest.fixture(scope="module")
def podman(base_rootfs):
    """A podman with its own store, the busybox rootfs imported as IMAGE."""
    need("conmon")
    work = tempfile.mkdtemp(prefix="moat-podman-")
    try:
        p = Podman(work)
        tar_rootfs(str(base_rootfs / "rootfs"), f"{work}/rootfs.tar")
        p.ok("import", f"{work}/rootfs.tar", IMAGE, timeout=120)
        yield p
    finally:
        if shutil.which("podman"):
            cleanup([*Podman(work).base, "rm", "--all", "--force", "--time", "0"], timeout=120)
        unmount_under(work)
        shutil.rmtree(work, ignore_errors=True)


def podman_cgroup(cid):
    return f"libpod_parent/libpod-{cid}"


def test_podman_run_rm(podman, tmp_path):
    cidfile = tmp_path / "cid"
    r = podman.ok("run", "--rm", "--cidfile", str(cidfile), *PODMAN_RUN, IMAGE, "/bin/echo", "ok")
    assert r.stdout == "ok\n"
    cid = cidfile.read_text().strip()
    assert podman.cmd("container", "exists", cid).returncode == 1, "podman kept the container"
    assert_gone(os.path.join(MOAT_DEFAULT_ROOT, cid), podman_cgroup(cid), cid)


def test_podman_exit_code(podman, tmp_path):
    cidfile = tmp_path / "cid"
    r = podman.cmd("run", "--rm", "--cidfile", str(cidfile), *PODMAN_RUN, IMAGE, "sh", "-c", "exit 3")
    assert r.returncode == 3, r.stderr
    cid = cidfile.read_text().strip()
    assert_gone(os.path.join(MOAT_DEFAULT_ROOT, cid), podman_cgroup(cid), cid)


def test_podman_detached_exec_stop_rm(podman):
    cid = podman.ok("run", "-d", *PODMAN_RUN, IMAGE, "sleep", "60").stdout.strip()
    try:
        state_dir = os.path.join(MOAT_DEFAULT_ROOT, cid)
        assert os.path.isdir(state_dir), "moat keeps no state where podman's container should be"
        assert cgroup_dirs(podman_cgroup(cid)), "no cgroup for the container"
        pid = int(podman.ok("inspect", "--format", "{{.State.Pid}}", cid).stdout)
        procs = live_procs_in_cgroup(podman_cgroup(cid))
        assert pid in procs, f"container init {pid} is not in its cgroup"

        r = podman.ok("exec", cid, "echo", "hi")
        assert r.stdout == "hi\n"
        r = podman.cmd("exec", cid, "sh", "-c", "exit 5")
        assert r.returncode == 5, r.stderr
        # sleep as PID 1 ignores SIGTERM: podman sends SIGKILL after 1 s (and warns)
        podman.ok("stop", "-t", "1", cid)
        assert podman.ok("inspect", "--format", "{{.State.Status}}", cid).stdout.strip() == "exited"
        podman.ok("rm", cid)
        assert podman.cmd("container", "exists", cid).returncode == 1
        assert_gone(state_dir, podman_cgroup(cid), cid, procs)
    finally:
        cleanup([*podman.base, "rm", "--force", "--time", "0", cid])


# ---------------------------------------------------------------- containerd

class Containerd:
    def __init__(self, work, proc):
        self.work = work
        self.proc = proc
        self.address = f"{work}/containerd.sock"
        self.runc_root = f"{work}/runc-root"
        self.rootfs = f"{work}/rootfs"
        self.base = [need("ctr"), "--address", self.address, "--namespace", CTR_NAMESPACE]
        # how the runc v2 shim is told to use moat, and where moat keeps its state
        self.rt = ["--runc-binary", MOAT, "--runc-root", self.runc_root]

    def cmd(self, *args, timeout=60):
        return run([*self.base, *args], timeout)

    def ok(self, *args, timeout=60):
        return ok([*self.base, *args], timeout)

    def state_dir(self, cid):
        # the shim appends the namespace to --runc-root
        return os.path.join(self.runc_root, CTR_NAMESPACE, cid)

    def shims(self, cid):
        """PIDs of live shims serving container `cid` of this daemon."""
        found = []
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    argv = f.read().decode(errors="replace").split("\0")
            except (FileNotFoundError, ProcessLookupError):
                continue
            if "-id" in argv and cid in argv and any(self.work in a for a in argv):
                st = proc_stat(pid)
                if st is not None and st[0] != "Z":
                    found.append(int(pid))
        return found

    def assert_gone(self, cid, procs=None):
        assert self.cmd("container", "info", cid).returncode != 0, "containerd kept the container"
        assert wait_for(lambda: self.shims(cid) == []), f"shim of {cid} still runs"
        assert not os.path.exists(f"{self.work}/state/io.containerd.runtime.v2.task/{CTR_NAMESPACE}/{cid}")
        assert_gone(self.state_dir(cid), cgroup_rel(cid), cid, procs)


def cgroup_rel(cid):
    # containerd's default cgroupsPath is /NAMESPACE/ID
    return f"{CTR_NAMESPACE}/{cid}"


@pytest.fixture(scope="session")
def containerd(base_rootfs):
    """A private containerd (own config, root, state, sockets; cri plugin off),
    with the busybox rootfs copied for --rootfs and imported as IMAGE."""
    binary = need("containerd")
    need("ctr")
    work = tempfile.mkdtemp(prefix="moat-ctrd-")
    proc = None
    log = None
    try:
        with open(f"{work}/config.toml", "w") as f:
            f.write(f'''version = 2
root = "{work}/root"
state = "{work}/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "{work}/containerd.sock"
[ttrpc]
  address = "{work}/containerd.sock.ttrpc"
''')
        log = open(f"{work}/containerd.log", "w")
        proc = subprocess.Popen([binary, "--config", f"{work}/config.toml"], stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        c = Containerd(work, proc)
        up = wait_for(lambda: proc.poll() is not None or c.cmd("version", timeout=10).returncode == 0,
                      timeout=30, step=0.2)
        if not up or proc.poll() is not None:
            with open(f"{work}/containerd.log") as f:
                pytest.fail("containerd did not start:\n" + f.read()[-4000:])
        shutil.copytree(base_rootfs / "rootfs", c.rootfs, symlinks=True)
        oci_archive(str(base_rootfs / "rootfs"), f"{work}/image-oci.tar", IMAGE)
        c.ok("image", "import", f"{work}/image-oci.tar", timeout=120)
        yield c
    finally:
        if proc is not None and proc.poll() is None:
            c = Containerd(work, proc)
            try:
                # whatever a failed test left: kill and delete its tasks (their shims exit), then containers
                for cid in c.cmd("task", "ls", "-q", timeout=20).stdout.split():
                    c.cmd("task", "kill", "-s", "SIGKILL", cid, timeout=20)
                    wait_for(lambda: c.cmd("task", "delete", cid, timeout=20).returncode == 0,
                             timeout=10, step=0.2)
                for cid in c.cmd("container", "ls", "-q", timeout=20).stdout.split():
                    c.cmd("container", "delete", cid, timeout=20)
            except subprocess.TimeoutExpired:
                pass
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=20)
        if log is not None:
            log.close()
        # the empty parent cgroup the runtime made for the namespace (fails harmlessly if in use)
        for d in glob.glob(os.path.join(CGROUP_ROOT, "*", CTR_NAMESPACE)):
            if not os.path.islink(os.path.dirname(d)):
                try:
                    os.rmdir(d)
                except OSError:
                    pass
        unmount_under(work)
        shutil.rmtree(work, ignore_errors=True)


def new_id(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_containerd_run_rootfs(containerd):
    cid = new_id("c1")
    # ctr stops parsing flags at the first positional: every flag before the rootfs path
    r = containerd.ok("run", "--rm", *containerd.rt, "--rootfs", containerd.rootfs, cid, "/bin/echo", "ok")
    assert r.stdout == "ok\n"
    containerd.assert_gone(cid)


def test_containerd_exit_code(containerd):
    cid = new_id("cx")
    r = containerd.cmd("run", "--rm", *containerd.rt, "--rootfs", containerd.rootfs, cid, "sh", "-c", "exit 3")
    assert r.returncode == 3, r.stderr
    containerd.assert_gone(cid)


def test_containerd_run_image(containerd):
    cid = new_id("c2")
    r = containerd.ok("run", "--rm", *containerd.rt, IMAGE, cid, "/bin/echo", "ok")
    assert r.stdout == "ok\n"
    containerd.assert_gone(cid)


def test_containerd_detached_exec_kill_delete(containerd):
    cid = new_id("c3")
    try:
        containerd.ok("run", "-d", *containerd.rt, IMAGE, cid, "sleep", "60")
        assert os.path.isdir(containerd.state_dir(cid)), "moat keeps no state under --runc-root"
        assert cgroup_dirs(cgroup_rel(cid)), "no cgroup for the container"
        procs = live_procs_in_cgroup(cgroup_rel(cid))
        assert procs, "no process in the container's cgroup"

        r = containerd.ok("task", "exec", "--exec-id", "e1", cid, "echo", "hi")
        assert r.stdout == "hi\n"
        containerd.ok("task", "kill", "-s", "SIGKILL", cid)

        def stopped():
            lines = containerd.ok("task", "ls").stdout.splitlines()[1:]
            return any(line.split()[0] == cid and line.split()[-1] == "STOPPED" for line in lines)
        assert wait_for(stopped), "task not STOPPED after SIGKILL"
        containerd.ok("task", "delete", cid)
        containerd.ok("container", "delete", cid)
        containerd.assert_gone(cid, procs)
    finally:
        cleanup([*containerd.base, "task", "kill", "-s", "SIGKILL", cid])
        cleanup([*containerd.base, "task", "delete", "--force", cid])
        cleanup([*containerd.base, "container", "delete", cid])


# ---------------------------------------------------------------- docker

class Docker:
    def __init__(self, work):
        self.work = work
        self.base = [f"{DOCKER_DIR}/usr/bin/docker", "-H", f"unix://{work}/docker.sock"]
        # dockerd 20.10 passes every runtime --root <exec-root>/runtime-runc/moby
        self.moat_root = f"{work}/exec/runtime-runc/moby"

    def cmd(self, *args, timeout=60):
        return run([*self.base, *args], timeout)

    def ok(self, *args, timeout=60):
        return ok([*self.base, *args], timeout)

    def assert_gone(self, cid, procs=None):
        assert self.cmd("container", "inspect", cid).returncode != 0, "docker kept the container"
        assert_gone(os.path.join(self.moat_root, cid), f"docker/{cid}", cid, procs)


@pytest.fixture(scope="module")
def docker(base_rootfs):
    """A private dockerd (own data-root, exec-root, socket, and the containerd it
    starts itself; no bridge, no iptables) with moat added as runtime "moat" and
    the busybox rootfs imported as an image."""
    dockerd = f"{DOCKER_DIR}/usr/sbin/dockerd"
    if not os.access(dockerd, os.X_OK):
        pytest.fail(f"{dockerd} is missing (scripts/deps unpacks Debian's docker.io there)")
    work = tempfile.mkdtemp(prefix="moat-docker-")
    proc = None
    log = open(f"{work}/dockerd.log", "w")
    try:
        proc = subprocess.Popen([dockerd, "--data-root", f"{work}/root", "--exec-root", f"{work}/exec",
                                 "--pidfile", f"{work}/docker.pid", "-H", f"unix://{work}/docker.sock",
                                 "--bridge=none", "--iptables=false", "--ip6tables=false", "--ip-masq=false",
                                 "--userland-proxy=false", "--add-runtime", f"moat={MOAT}"],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        d = Docker(work)
        up = wait_for(lambda: proc.poll() is not None or d.cmd("version", timeout=10).returncode == 0,
                      timeout=60, step=0.2)
        if not up or proc.poll() is not None:
            with open(f"{work}/dockerd.log") as f:
                pytest.fail("dockerd did not start:\n" + f.read()[-4000:])
        tar_rootfs(str(base_rootfs / "rootfs"), f"{work}/rootfs.tar")
        d.ok("import", f"{work}/rootfs.tar", "moat-clients:busybox", timeout=120)
        yield d
    finally:
        if proc is not None and proc.poll() is None:
            cleanup([*Docker(work).base, "rm", "--force", *Docker(work).cmd("ps", "-aq", timeout=20).stdout.split()])
            # dockerd stops its containerd child on SIGTERM
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=20)
        log.close()
        unmount_under(work)
        shutil.rmtree(work, ignore_errors=True)


DOCKER_RUN = ["--network", "none", "--runtime", "moat"]


def test_docker_run_rm(docker, tmp_path):
    cidfile = tmp_path / "cid"
    r = docker.ok("run", "--rm", "--cidfile", str(cidfile), *DOCKER_RUN, "moat-clients:busybox", "/bin/echo", "ok")
    assert r.stdout == "ok\n"
    docker.assert_gone(cidfile.read_text().strip())


def test_docker_exit_code(docker, tmp_path):
    cidfile = tmp_path / "cid"
    r = docker.cmd("run", "--rm", "--cidfile", str(cidfile), *DOCKER_RUN, "moat-clients:busybox", "sh", "-c", "exit 3")
    assert r.returncode == 3, r.stderr
    docker.assert_gone(cidfile.read_text().strip())


def test_docker_detached_exec_stop_rm(docker):
    cid = docker.ok("run", "-d", *DOCKER_RUN, "moat-clients:busybox", "sleep", "60").stdout.strip()
    try:
        assert os.path.isdir(os.path.join(docker.moat_root, cid)), "moat keeps no state where dockerd said"
        pid = int(docker.ok("inspect", "--format", "{{.State.Pid}}", cid).stdout)
        procs = live_procs_in_cgroup(f"docker/{cid}")
        assert pid in procs, f"container init {pid} is not in its cgroup"
        # the default level: the container runs under the sentry's filter
        status = open(f"/proc/{pid}/status").read()
        assert "Seccomp:\t2" in status
        r = docker.ok("exec", cid, "echo", "hi")
        assert r.stdout == "hi\n"
        r = docker.cmd("exec", cid, "sh", "-c", "exit 5")
        assert r.returncode == 5, r.stderr
        docker.ok("stop", "-t", "1", cid)
        assert docker.ok("inspect", "--format", "{{.State.Status}}", cid).stdout.strip() == "exited"
        docker.ok("rm", cid)
        docker.assert_gone(cid, procs)
    finally:
        cleanup([*docker.base, "rm", "--force", cid])
