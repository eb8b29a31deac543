"""In a folder with the sticky bit (/tmp, a shared drop folder) only the owner of a file may
replace it. Another user's `update` of it computed every tile, failed at the commit ("cannot
replace ... Operation not permitted") and left its journal, which the owner cannot open: every
later update by the owner failed until root removed it. The output is now refused before any
work. Run as two unprivileged users (setpriv), which needs root; skipped otherwise."""
import os
import shutil
import subprocess
import tempfile

import pytest

from conftest import minerisk_bin, scenario_text

OWNER, OTHER = 1, 65534  # daemon and nobody on Debian


@pytest.fixture
def shared(region):
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv to act as two other users")
    # Under scripts/sanitize the program is a wrapper that runs the sanitized build with its
    # reports in a folder of root's, and LeakSanitizer's tracer may not start as another user:
    # this refusal is covered by the plain run of the suite.
    if "asan" in os.environ.get("LD_PRELOAD", ""):
        pytest.skip("not run under the sanitizers: the program runs as two other users")
    # Readable by the two users, which a pytest folder (mode 700) is not: the program, the region
    # and the scenarios in a world-readable folder, the outputs in a sticky, world-writable one.
    top = tempfile.mkdtemp(prefix="minerisk-sticky-", dir="/tmp")
    os.chmod(top, 0o755)
    shutil.copy(minerisk_bin(), os.path.join(top, "minerisk"))
    shutil.copytree(region, os.path.join(top, "region"))
    for name, weight in (("a.toml", "-5.0"), ("b.toml", "-4.0")):
        with open(os.path.join(top, name), "w") as f:
            f.write(scenario_text(os.path.join(top, "region"), intercept=weight))
    drop = os.path.join(top, "drop")
    os.mkdir(drop)
    os.chmod(drop, 0o1777)
    subprocess.run(["chmod", "-R", "a+rX", top], check=True)
    for uid in (OWNER, OTHER):
        if as_user(uid, top, "--version").returncode != 0:
            shutil.rmtree(top, ignore_errors=True)
            pytest.skip(f"user {uid} cannot run the program copied to {top}")
    yield top, drop
    shutil.rmtree(top, ignore_errors=True)


def as_user(uid, top, *args):
    quiet = ["--quiet"] if args and args[0] != "--version" else []
    return subprocess.run(["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                           os.path.join(top, "minerisk"), *args, *quiet], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "HOME": "/"})


def test_another_users_output_in_a_sticky_folder_is_refused_before_any_work(shared):
    top, drop = shared
    out = os.path.join(drop, "g.nc")
    r = as_user(OWNER, top, "update", os.path.join(top, "a.toml"), "-o", out)
    assert r.returncode == 0, r.stderr
    before = sorted(os.listdir(drop))
    for command in (["update", os.path.join(top, "b.toml"), "-o", out],
                    ["run", os.path.join(top, "b.toml"), "-o", out, "--overwrite"]):
        r = as_user(OTHER, top, *command)
        assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
        assert f"output: cannot replace '{out}': it belongs to user {OWNER} in a folder with the sticky bit" in r.stderr
        assert sorted(os.listdir(drop)) == before  # no journal, no temporary
    # The owner's next update is not held back by anything the other user left.
    r = as_user(OWNER, top, "update", os.path.join(top, "b.toml"), "-o", out)
    assert r.returncode == 0, r.stderr
