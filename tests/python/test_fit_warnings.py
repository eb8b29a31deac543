"""What fit warns of without refusing: two layers nearly proportional over the training cells,
whose weights split one effect between them (with a penalty the fit went on without a word;
without one it is refused, naming the pair)."""
import json

from conftest import run_minerisk, scenario_text


def test_two_proportional_layers_are_warned_of(region, tmp_path, write_scenario):
    text = scenario_text(region).replace('[model.evidence.slope]\nfeature = "slope"\nweight = -0.04\n',
                                         '[model.evidence.slope]\nfeature = "slope"\nweight = -0.04\n\n'
                                         '[model.evidence.slope2]\nfeature = "slope"\nweight = -0.04\n')
    assert "slope2" in text
    report = tmp_path / "fit.json"
    r = run_minerisk("fit", write_scenario(text), "-o", tmp_path / "f.toml", "--block-size", "1500",
                     "--background-ratio", "2", "--l2", "1", "--report", report)
    assert r.returncode == 0, r.stderr
    says = "layers 'slope' and 'slope2' are nearly proportional over the training cells (correlation 1.0000)"
    assert says in r.stderr, r.stderr
    assert any(says in w for w in json.loads(report.read_text())["separation_warnings"])
    r = run_minerisk("fit", write_scenario(scenario_text(region)), "-o", tmp_path / "g.toml", "--block-size", "1500",
                     "--background-ratio", "2", "--l2", "1")
    assert r.returncode == 0 and "nearly proportional" not in r.stderr, r.stderr
