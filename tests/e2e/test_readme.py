"""The README's main command works as written."""
import os
import subprocess

from conftest import REPO


def test_demo_runs_a_sandboxed_container():
    r = subprocess.run([os.path.join(REPO, "scripts", "demo")], capture_output=True, text=True, timeout=300,
                       cwd="/")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "hello from a moat container: moat, pid 1, uid 0" in r.stdout
