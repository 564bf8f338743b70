"""The escape gallery (tests/escape/run) in the suite.

The runner runs every attempt once per level (none and sentry) for the whole
session; each test then reads one verdict: at sentry every attempt must be
BLOCKED, and at none each must say what the runner expects there, which is
what runc does with the same default config on this host.  docs/security.md
is the same runs, written out by `tests/escape/run` itself."""
import glob
import json
import os
import subprocess

import pytest

from conftest import MOAT, REPO

RUNNER = os.path.join(REPO, "tests", "escape", "run")


def attempt_names():
    out = subprocess.run([RUNNER, "--list"], capture_output=True, text=True, check=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


NAMES = attempt_names()

# Moat's known gaps, each reported with the gallery.  Strict: once fixed, the
# test fails until its entry here is removed.
SENTRY_GAPS = {
    "host-memory": "no memory limit in the default config: the sentry shows the container's limit, which is "
                   "the host's whole memory",
    "host-cpus": "no cpuset or quota in the default config: the sentry shows the container's CPUs, which are "
                 "all the host's",
}
NONE_GAPS = {}


@pytest.fixture(scope="session")
def gallery(tmp_path_factory):
    out = tmp_path_factory.mktemp("escape") / "results.json"
    r = subprocess.run([RUNNER, "--levels", "none,sentry", "--out", "-", "--json", str(out), "--moat", MOAT],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    return json.loads(out.read_text())


def test_the_gallery_is_complete_and_clean(gallery):
    attempts = gallery["attempts"]
    assert len(attempts) >= 40
    assert {a["family"] for a in attempts.values()} == {"runtime", "kernel", "leak"}
    for name, a in attempts.items():
        for level in ("none", "sentry"):
            assert a["results"][level]["verdict"] in ("BLOCKED", "ESCAPED"), (name, level, a["results"][level])
            assert a["results"][level]["evidence"], (name, level)
    # it left no container behind: no cgroup, no runner directory
    assert not glob.glob("/sys/fs/cgroup/*/esc-*") and not glob.glob("/sys/fs/cgroup/esc-*")
    assert not glob.glob("/sys/fs/cgroup/*/*/esc-*")


@pytest.mark.parametrize("name", NAMES)
def test_sentry_blocks(gallery, name, request):
    if name in SENTRY_GAPS:
        request.applymarker(pytest.mark.xfail(strict=True, reason=SENTRY_GAPS[name]))
    r = gallery["attempts"][name]["results"]["sentry"]
    assert r["verdict"] == "BLOCKED", r["evidence"]


@pytest.mark.parametrize("name", NAMES)
def test_none_is_what_the_runner_expects(gallery, name, request):
    if name in NONE_GAPS:
        request.applymarker(pytest.mark.xfail(strict=True, reason=NONE_GAPS[name]))
    a = gallery["attempts"][name]
    r = a["results"]["none"]
    assert r["verdict"] == a["expected_none"], f"{r['evidence']} (expected {a['expected_none']}: " \
                                               f"{a['expected_none_why']})"
