"""--sandbox=vm: the process runs in a QEMU microVM under moat's guest agent.

Each VM boot costs seconds under TCG, so the tests share boots: four in all.
The accelerator is TCG unless MOAT_TEST_VM_ACCEL says otherwise, so that the
suite behaves the same on hosts with and without a usable /dev/kvm."""
import glob
import json
import os
import shutil
import signal
import subprocess
import time

import pytest

from conftest import MOAT

pytestmark = pytest.mark.skipif(
    not shutil.which("qemu-system-x86_64") or not glob.glob("/boot/vmlinuz-*"),
    reason="needs qemu-system-x86 and linux-image-amd64 (scripts/deps installs them)")

ENV = {**os.environ, "MOAT_VM_ACCEL": os.environ.get("MOAT_TEST_VM_ACCEL", "tcg")}
VM_TIMEOUT = 60


def vm(moat, *args):
    return moat.cmd(*args, env=ENV, timeout=VM_TIMEOUT, global_args=("--sandbox", "vm"))


def test_output_status_hostname_and_readonly_root(moat, bundle):
    b, cid, _ = bundle(["sh", "-c", "echo hello; hostname; id -u; echo oops >&2; "
                                    "touch /made-in-vm 2>/dev/null || echo read-only; exit 7"],
                       hostname="vmbox")
    r = vm(moat, "run", "-b", b, cid)
    assert r.returncode == 7, r.stderr
    assert r.stdout == "hello\nvmbox\n0\nread-only\n"
    assert "oops" in r.stderr


def test_rootfs_shared_read_write(moat, bundle):
    b, cid, _ = bundle(["sh", "-c", "cat /etc/marker; echo from-the-vm > /tmp/out; pwd"], copy_rootfs=True)
    with open(os.path.join(b, "rootfs", "etc", "marker"), "w") as f:
        f.write("from-the-host\n")
    cfg = json.load(open(os.path.join(b, "config.json")))
    cfg["process"]["cwd"] = "/tmp"
    with open(os.path.join(b, "config.json"), "w") as f:
        json.dump(cfg, f)
    r = vm(moat, "run", "-b", b, cid)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "from-the-host\n/tmp\n"
    with open(os.path.join(b, "rootfs", "tmp", "out")) as f:
        assert f.read() == "from-the-vm\n"


def test_signal_status(moat, bundle):
    b, cid, _ = bundle(["sh", "-c", "kill -TERM $$"])
    r = vm(moat, "run", "-b", b, cid)
    assert r.returncode == 128 + signal.SIGTERM, r.stderr


def test_killed_qemu_fails_cleanly(moat, bundle):
    b, cid, _ = bundle(["sleep", "50"])
    state = os.path.join(moat.root, cid, "state.json")
    p = subprocess.Popen([MOAT, "--root", moat.root, "--sandbox", "vm", "run", "-b", b, cid], env=ENV,
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not os.path.exists(state) and time.monotonic() < deadline and p.poll() is None:
            time.sleep(0.05)
        with open(state) as f:
            qemu = json.load(f)["pid"]
        # the state names QEMU's pid as soon as it is forked, before it execs
        comm = ""
        while time.monotonic() < deadline and not comm.startswith("qemu-system"):
            with open(f"/proc/{qemu}/comm") as f:
                comm = f.read().strip()
            time.sleep(0.02)
        assert comm.startswith("qemu-system")
        # other commands refuse a vm container
        r = moat.cmd("kill", cid)
        assert r.returncode == 1 and "supports `run` in the foreground only" in r.stderr
        time.sleep(1)
        os.kill(qemu, signal.SIGKILL)
        out, err = p.communicate(timeout=VM_TIMEOUT)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 1
    assert f"QEMU (pid {qemu}) was killed by signal 9" in err
    assert not os.path.exists(os.path.join(moat.root, cid))
    assert not os.path.exists(f"/proc/{qemu}")


def test_refusals_boot_nothing(moat, bundle):
    b, cid, _ = bundle(["true"])
    r = vm(moat, "create", "-b", b, cid)
    assert r.returncode == 1
    assert "sandbox level vm supports `run` in the foreground only in this version" in r.stderr
    r = vm(moat, "run", "-d", "-b", b, cid)
    assert r.returncode == 1 and "foreground only" in r.stderr
    b, cid, cfg = bundle(["true"])
    cfg["process"]["terminal"] = True
    with open(os.path.join(b, "config.json"), "w") as f:
        json.dump(cfg, f)
    r = vm(moat, "run", "-b", b, cid)
    assert r.returncode == 1 and "process.terminal is not supported at sandbox level vm" in r.stderr
    assert not os.path.exists(os.path.join(moat.root, cid))
