"""Terminals: process.terminal with --console-socket (the pty master handed over
by SCM_RIGHTS, as runc does), exec -t, and run relaying the pty to its own stdio."""
import array
import errno
import fcntl
import json
import os
import select
import signal
import socket
import struct
import subprocess
import termios
import time

import pytest

from conftest import MOAT, unix_listener, write_config
from test_lifecycle import wait_status


@pytest.fixture
def console_socket():
    with unix_listener("moat-con-", "console.sock") as l:
        yield l


def recv_master(listener):
    """Accept the runtime's connection and take the pty master it sends."""
    conn, _ = listener.accept()
    with conn:
        conn.settimeout(10)
        msg, fds, _, _ = socket.recv_fds(conn, 4096, 4)
    assert len(fds) == 1, f"expected one fd, got {fds} with {msg!r}"
    master = fds[0]
    # it is a pty master: it has a window size and a slave number
    assert os.isatty(master)
    num = array.array("i", [-1])
    fcntl.ioctl(master, getattr(termios, "TIOCGPTN", 0x80045430), num)
    assert num[0] >= 0
    return msg, master


def read_until(fd, want, timeout=10):
    """Read fd until `want` (bytes) appears or EOF/EIO; returns all that was read."""
    buf = b""
    deadline = time.time() + timeout
    while want is None or want not in buf:
        left = deadline - time.time()
        if left <= 0:
            raise AssertionError(f"timed out waiting for {want!r}; got {buf!r}")
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError as e:
            if e.errno == errno.EIO:  # every slave fd is closed: the process is gone
                break
            raise
        if not chunk:
            break
        buf += chunk
    if want is not None and want not in buf:
        raise AssertionError(f"EOF before {want!r}; got {buf!r}")
    return buf


def lines(data):
    return [l for l in data.decode(errors="replace").replace("\r\n", "\n").split("\n")]


def make_tty_bundle(bundle, args, console_size=None):
    b, cid, cfg = bundle(args)
    cfg["process"]["terminal"] = True
    if console_size:
        cfg["process"]["consoleSize"] = console_size
    write_config(b, cfg)
    return b, cid


def test_create_sends_the_pty_master_to_the_console_socket(moat, bundle, console_socket):
    path, listener = console_socket
    b, cid = make_tty_bundle(bundle, ["sh", "-c", "tty; echo TERM=$TERM; stty size; read x; echo got:$x; exit 3"],
                             console_size={"height": 30, "width": 100})
    moat.ok("create", "--console-socket", path, "-b", b, cid)
    msg, master = recv_master(listener)
    try:
        assert msg == b"/dev/ptmx"
        # the size from process.consoleSize is already set on the pty
        rows, cols, _, _ = struct.unpack("HHHH", fcntl.ioctl(master, termios.TIOCGWINSZ, b"\0" * 8))
        assert (rows, cols) == (30, 100)
        assert moat.state(cid)["status"] == "created"
        moat.ok("start", cid)
        out = read_until(master, b"100\r\n")
        ls = lines(out)
        assert ls[:3] == ["/dev/pts/0", "TERM=xterm", "30 100"], out
        os.write(master, b"hello\n")
        out += read_until(master, None)
        ls = lines(out)
        # the terminal echoes the input, then the shell answers
        assert "hello" in ls and "got:hello" in ls, out
    finally:
        os.close(master)
    st = wait_status(moat, cid, "stopped")
    assert st["status"] == "stopped"
    moat.ok("delete", cid)


def test_container_stdio_is_the_terminal(moat, bundle, console_socket):
    path, listener = console_socket
    b, cid = make_tty_bundle(bundle, ["sh", "-c",
                                      "for f in 0 1 2; do readlink /proc/self/fd/$f; done; "
                                      "test -t 0 && echo stdin-is-tty; "
                                      "echo to-stderr >&2"])
    moat.ok("create", "--console-socket", path, "-b", b, cid)
    _, master = recv_master(listener)
    try:
        moat.ok("start", cid)
        out = read_until(master, None)
    finally:
        os.close(master)
    ls = lines(out)
    assert ls[:4] == ["/dev/pts/0"] * 3 + ["stdin-is-tty"], out
    assert "to-stderr" in ls
    wait_status(moat, cid, "stopped")
    moat.ok("delete", cid)


def test_create_with_terminal_needs_a_console_socket(moat, bundle):
    b, cid = make_tty_bundle(bundle, ["sh"])
    r = moat.cmd("create", "-b", b, cid)
    assert r.returncode != 0
    assert "process.terminal is set but no --console-socket was given" in r.stderr
    assert moat.cmd("state", cid).returncode != 0
    r = moat.cmd("run", "-d", "-b", b, cid)
    assert r.returncode != 0
    assert "--detach with process.terminal needs --console-socket" in r.stderr
    assert moat.cmd("state", cid).returncode != 0


def test_unreachable_console_socket_fails_create_and_leaves_nothing(moat, bundle, tmp_path):
    b, cid = make_tty_bundle(bundle, ["sh"])
    r = moat.cmd("create", "--console-socket", str(tmp_path / "nobody-listens"), "-b", b, cid)
    assert r.returncode != 0
    assert "console socket" in r.stderr and "nobody-listens" in r.stderr
    assert moat.cmd("state", cid).returncode != 0
    # the fixtures check that no cgroup, mount or state directory is left


@pytest.fixture
def running(moat, bundle):
    b, cid, cfg = bundle(["sleep", "60"])
    moat.ok("run", "-d", "-b", b, cid)
    yield cid
    moat.cmd("delete", "-f", cid)


def exec_with_console(moat, cid, path, listener, tmp_path, exec_args, script):
    """Run `moat exec` in the background with its pty sent to the console socket;
    script(master) drives the terminal.  Returns exec's exit status."""
    out_file = tmp_path / "exec.out"
    with open(out_file, "w") as out, open(os.devnull) as null:
        p = subprocess.Popen([MOAT, "--root", moat.root, "exec", *exec_args],
                             stdin=null, stdout=out, stderr=subprocess.STDOUT)
    try:
        msg, master = recv_master(listener)
        try:
            assert msg == b"/dev/ptmx"
            script(master)
        finally:
            os.close(master)
        # moat exec waits for the process and exits with its status
        status = p.wait(timeout=10)
        return status, out_file.read_text()
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def test_exec_tty_with_console_socket(moat, running, console_socket, tmp_path):
    path, listener = console_socket
    cid = running
    seen = []

    def drive(master):
        out = read_until(master, b"ready")
        os.write(master, b"typed\n")
        out += read_until(master, None)
        seen.append(out)

    status, log = exec_with_console(moat, cid, path, listener, tmp_path,
                                    ["-t", "--console-socket", path, cid,
                                     "sh", "-c", "tty; test -t 1 && echo ready; read x; echo got:$x; exit 5"], drive)
    assert status == 5, log
    ls = lines(seen[0])
    # the container's process has no terminal, so the exec gets the first pty of its devpts
    assert ls[0] == "/dev/pts/0", seen
    assert "got:typed" in ls, seen
    # moat exec's own output carries nothing of the terminal's
    assert "typed" not in log
    # the container itself goes on
    assert moat.state(cid)["status"] == "running"


def test_exec_process_json_terminal_and_console_size(moat, running, console_socket, tmp_path, base_config):
    path, listener = console_socket
    cid = running
    proc = dict(base_config["process"])
    proc.update(terminal=True, consoleSize={"height": 25, "width": 90},
                args=["sh", "-c", "tty; stty size; echo TERM=$TERM"])
    pf = tmp_path / "process.json"
    pf.write_text(json.dumps(proc))
    seen = []
    status, log = exec_with_console(moat, cid, path, listener, tmp_path,
                                    ["--process", str(pf), "--console-socket", path, cid],
                                    lambda master: seen.append(read_until(master, None)))
    assert status == 0, log
    assert lines(seen[0])[:3] == ["/dev/pts/0", "25 90", "TERM=xterm"], seen


def test_exec_tty_detached_needs_a_console_socket(moat, running):
    r = moat.cmd("exec", "-t", "-d", running, "true")
    assert r.returncode != 0
    assert "--detach with a terminal needs --console-socket" in r.stderr


def test_exec_tty_detached_with_console_socket(moat, running, console_socket):
    path, listener = console_socket
    moat.ok("exec", "-t", "-d", "--console-socket", path, running, "sh", "-c", "tty; read x; echo bye:$x")
    _, master = recv_master(listener)
    try:
        out = read_until(master, b"\r\n")
        assert lines(out)[0].startswith("/dev/pts/")
        os.write(master, b"now\n")
        out += read_until(master, None)
        assert "bye:now" in lines(out), out
    finally:
        os.close(master)


def run_under_pty(argv, rows=40, cols=120, feed=None, wait_for=None, on_output=None, timeout=20):
    """Run argv with a pty as its stdin, stdout and stderr; returns (status, output)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    p = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    out = b""
    try:
        deadline = time.time() + timeout
        fed = feed is None
        while True:
            left = deadline - time.time()
            if left <= 0:
                raise AssertionError(f"timed out; output so far {out!r}")
            r, _, _ = select.select([master], [], [], min(left, 0.5))
            if not r:
                if p.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 4096)
            except OSError as e:
                if e.errno == errno.EIO:
                    break
                raise
            if not chunk:
                break
            out += chunk
            if on_output:
                on_output(p, master, out)
            if not fed and wait_for in out:
                os.write(master, feed)
                fed = True
        return p.wait(timeout=10), out
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        os.close(master)


def test_run_relays_the_terminal_to_its_own_stdio(moat, bundle):
    b, cid = make_tty_bundle(bundle, ["sh", "-c", "tty; stty size; echo ready; read x; echo got:$x; exit 6"])
    status, out = run_under_pty([MOAT, "--root", moat.root, "run", "-b", b, cid],
                                wait_for=b"ready", feed=b"typed\n")
    ls = lines(out)
    assert status == 6, out
    assert ls[0] == "/dev/pts/0", out
    # no consoleSize in the config: the size of moat's own terminal is copied
    assert ls[1] == "40 120", out
    assert "got:typed" in ls, out
    # run deleted the container
    assert moat.cmd("state", cid).returncode != 0


def test_run_relay_forwards_window_size_changes(moat, bundle):
    b, cid = make_tty_bundle(bundle, ["sh", "-c", "stty size; echo ready; read x; stty size"])
    resized = []

    def resize(p, master, out):
        if b"ready" in out and not resized:
            fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 77, 0, 0))
            # moat has no controlling terminal here: deliver the SIGWINCH the kernel would send
            p.send_signal(signal.SIGWINCH)
            time.sleep(0.3)
            os.write(master, b"\n")
            resized.append(True)

    status, out = run_under_pty([MOAT, "--root", moat.root, "run", "-b", b, cid], rows=20, cols=50,
                                on_output=resize)
    assert status == 0, out
    ls = [l for l in lines(out) if l.strip()]
    assert ls[0] == "20 50", out
    assert ls[-1] == "33 77", out


def test_run_restores_the_callers_terminal(moat, bundle):
    """moat puts its terminal in raw mode while relaying and restores it after."""
    b, cid = make_tty_bundle(bundle, ["true"])
    master, slave = os.openpty()
    before = termios.tcgetattr(slave)
    try:
        p = subprocess.Popen([MOAT, "--root", moat.root, "run", "-b", b, cid], stdin=slave, stdout=slave,
                             stderr=slave, start_new_session=True)
        try:
            read_deadline = time.time() + 15
            while p.poll() is None and time.time() < read_deadline:
                if select.select([master], [], [], 0.1)[0]:
                    os.read(master, 4096)
            assert p.wait(timeout=5) == 0
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        assert termios.tcgetattr(slave) == before
    finally:
        os.close(slave)
        os.close(master)
