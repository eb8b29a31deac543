"""datasets/prior_experiment.py, a fit whose penalty is centred on the hand-set weights: its
regression against scikit-learn, its limits (centre 0 is minerisk's fit, a huge penalty gives the
hand-set weights), the scenario it writes, and a run on a small generated region."""
import subprocess
import tomllib

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from conftest import ROOT, minerisk_bin

import prior_experiment  # datasets/ is on the path through conftest


def design(seed=4, cells=400):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(cells, 3)) * [1.0, 50.0, 0.01] + [0.0, 200.0, 1.0]
    y = (rng.random(cells) < 1 / (1 + np.exp(-(x[:, 0] - 0.02 * (x[:, 1] - 200))))).astype(float)
    return x, y


def test_centred_on_zero_it_is_scikit_learns_standardised_logistic_regression():
    x, y = design()
    intercept, weights, sd = prior_experiment.penalised_fit(x, y, 2.0, np.zeros(3))
    z = (x - x.mean(axis=0)) / x.std(axis=0)
    reference = LogisticRegression(C=1 / 2.0, tol=1e-12, max_iter=10000).fit(z, y)
    np.testing.assert_allclose(weights * sd, reference.coef_[0], atol=1e-5)
    np.testing.assert_allclose(intercept + np.sum(weights * x.mean(axis=0)), reference.intercept_[0], atol=1e-5)


def test_a_huge_penalty_gives_the_centre():
    x, y = design()
    hand = np.array([0.5, -0.01, 3.0])
    _, weights, sd = prior_experiment.penalised_fit(x, y, 1e9, hand * x.std(axis=0))
    np.testing.assert_allclose(weights, hand, rtol=1e-5)


def test_the_weights_are_written_into_the_generated_layout_and_checked(tmp_path):
    text = ('[model]\nintercept = -5.5   # comment\n\n[model.evidence.finds]   # c\nfeature = "find_density"\n'
            'bandwidth = 200.0\nweight = 0.8\ntransform = "log1p"\n')
    (tmp_path / "s.toml").write_text(text)
    prior_experiment.write_weights(tmp_path / "s.toml", tmp_path / "p.toml", -2.25, {"finds": 1 / 3})
    written = tomllib.loads((tmp_path / "p.toml").read_text())["model"]
    assert written["intercept"] == -2.25 and written["evidence"]["finds"]["weight"] == 1 / 3
    assert written["evidence"]["finds"]["bandwidth"] == 200.0
    (tmp_path / "inline.toml").write_text('[model]\nintercept = 0\nevidence.finds = { feature = "slope", weight = 1 }\n')
    with pytest.raises(prior_experiment.Failure, match="not laid out as generate_region.py writes it"):
        prior_experiment.write_weights(tmp_path / "inline.toml", tmp_path / "q.toml", 1.0, {"finds": 2.0})


def test_it_runs_on_a_small_region_and_leaves_its_scenarios(tmp_path):
    r = subprocess.run(["/usr/bin/python3", str(ROOT / "datasets" / "prior_experiment.py"), "--size", "256",
                        "--seeds", "11", "--l2", "1e9", "--keep", str(tmp_path / "w"), "--minerisk",
                        str(minerisk_bin())], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    region = tmp_path / "w" / "seed11"
    hand = tomllib.loads((region / "scenario.toml").read_text())["model"]["evidence"]
    centred = tomllib.loads((region / "prior.toml").read_text())["model"]["evidence"]
    for layer in hand:  # an overwhelming penalty toward the hand-set weights gives them back
        assert centred[layer]["weight"] == pytest.approx(hand[layer]["weight"], rel=1e-4, abs=1e-9)
    rows = [line.split() for line in r.stdout.splitlines() if line.split()[:1] == ["11"]]
    assert len(rows) == 1 and rows[0][1] == rows[0][9]  # the hand-set and centred columns capture alike
    for args, says in ((["--l2", "0"], "must be a finite number above 0"), (["--size", "10"], "at least 64 cells"),
                       (["--seeds", "7", "07"], "names a region twice")):
        refused = subprocess.run(["/usr/bin/python3", str(ROOT / "datasets" / "prior_experiment.py"), *args],
                                 capture_output=True, text=True, timeout=60)
        assert refused.returncode == 2 and says in refused.stderr, refused.stderr
