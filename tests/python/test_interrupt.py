"""An interrupted run leaves the previous output as it was and no stray file."""
import os
import signal
import subprocess
import time

from conftest import minerisk_bin, scenario_text


def test_sigint_mid_run_keeps_the_previous_output(region, tmp_path, write_scenario):
    # A 2 m grid over the region: 3000 x 3000 cells, long enough to interrupt mid-run.
    grid = '[grid]\ncrs = "EPSG:32638"\nresolution = 2\nbounds = [640000, 4414000, 646000, 4420000]\n'
    scenario = write_scenario(scenario_text(region, grid=grid))
    out = tmp_path / "out.h5"
    out.write_bytes(b"previous")
    before = sorted(os.listdir(tmp_path))
    process = subprocess.Popen([minerisk_bin(), "run", str(scenario), "-o", str(out), "--threads", "1",
                                "--tile-size", "128"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Wait until tiles are being computed (the private folder of temporaries exists), then interrupt.
    deadline = time.time() + 60
    while time.time() < deadline and not any(n.startswith(".minerisk-") for n in os.listdir(tmp_path)):
        time.sleep(0.05)
    time.sleep(0.5)
    assert process.poll() is None, "the run finished before it could be interrupted"
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr
    assert out.read_bytes() == b"previous"
    assert sorted(os.listdir(tmp_path)) == before
