"""Every number of a scenario or sweep file is checked (finite, in its range), and a TOML text
is refused before it is parsed when it is nested too deep or too large (issue 11): exit code 2,
one line naming the file, the line and the key, and no output created or changed."""
import hashlib
import os
import pathlib
import re

import pytest

from conftest import run_minerisk, scenario_text

PREVIOUS = b"a previous good output that must survive"


def check_refused(command, input_file, folder, *expected, line=True):
    """Runs `minerisk COMMAND INPUT -o out.nc` over an existing output: exit 2, one line, the
    expected words, the previous output byte-identical and no file added or removed."""
    folder = pathlib.Path(folder)
    out = folder / "out.nc"
    out.write_bytes(PREVIOUS)
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    inputs = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()}
    before = sorted(os.listdir(folder))
    # --overwrite: the refusal under test is the input's, not the existing output's.
    result = run_minerisk(command, input_file, "-o", out, "-q", "--overwrite")
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    message = result.stderr.strip()
    assert message.count("\n") == 0, f"not one line: {message[:2000]!r}"
    assert message.startswith("minerisk: error: ")
    if line:
        assert re.search(re.escape(str(input_file)) + r":\d+: ", message), message
    for text in expected:
        assert text in message, f"{text!r} not in {message!r}"
    assert hashlib.sha256(out.read_bytes()).hexdigest() == digest
    assert sorted(os.listdir(folder)) == before, "a file was created or left behind"
    for p, d in inputs.items():
        assert hashlib.sha256(p.read_bytes()).hexdigest() == d, f"{p} changed"
    return message


def layer(transform, feature="slope", extra=""):
    return f"""
[model.evidence.layer]
feature = "{feature}"
weight = 1.0
transform = {transform}
{extra}
"""


# (case id, scenario_text keyword arguments, text appended, the key the message names)
SCENARIO_CASES = [
    ("intercept-nan", {"intercept": "nan"}, "", "model.intercept"),
    ("intercept-inf", {"intercept": "-inf"}, "", "model.intercept"),
    ("intercept-huge", {"intercept": "1e300"}, "", "model.intercept"),
    ("gaussian-centre-nan", {"evidence": layer('{ type = "gaussian", centre = nan, width = 5.0 }')}, "",
     "model.evidence.layer.transform.centre"),
    ("gaussian-width-inf", {"evidence": layer('{ type = "gaussian", centre = 1.0, width = inf }')}, "",
     "model.evidence.layer.transform.width"),
    ("piecewise-x-nan", {"evidence": layer('{ type = "piecewise", x = [0.0, nan], y = [0.0, 1.0] }')}, "",
     "model.evidence.layer.transform.x"),
    ("piecewise-y-inf", {"evidence": layer('{ type = "piecewise", x = [0.0, 1.0], y = [0.0, inf] }')}, "",
     "model.evidence.layer.transform.y"),
    ("categorical-value-nan", {"evidence": layer('{ type = "categorical", values = { "1" = nan } }')}, "",
     "model.evidence.layer.transform.values"),
    ("categorical-default-nan", {"evidence": layer('{ type = "categorical", values = { "1" = 1.0 }, default = nan }')},
     "", "model.evidence.layer.transform.default"),
    ("step-threshold-nan", {"evidence": layer('{ type = "step", threshold = nan }')}, "",
     "model.evidence.layer.transform.threshold"),
    ("exp-decay-length-inf", {"evidence": layer('{ type = "exp_decay", length = inf }')}, "",
     "model.evidence.layer.transform.length"),
    ("weight-nan", {"evidence": layer('"linear"').replace("weight = 1.0", "weight = nan")}, "",
     "model.evidence.layer.weight"),
    ("weight-huge", {"evidence": layer('"linear"').replace("weight = 1.0", "weight = 1e300")}, "",
     "model.evidence.layer.weight"),
    ("bandwidth-inf", {"evidence": layer('"log1p"', "find_density", "bandwidth = inf")}, "",
     "model.evidence.layer.bandwidth"),
    ("bandwidth-huge", {"evidence": layer('"log1p"', "find_density", "bandwidth = 1e308")}, "",
     "model.evidence.layer.bandwidth"),
    ("bandwidth-tiny", {"evidence": layer('"log1p"', "find_density", "bandwidth = 1e-100")}, "",
     "model.evidence.layer.bandwidth"),
    ("finds-count-inf", {"finds_extra": "count = inf"}, "", "finds.count"),
    ("cleared-pod-nan", {"cleared_extra": "pod = nan"}, "", "cleared.pod"),
    ("records-reliability-inf", {"extra": "reliability = inf"}, "", "records.reliability"),
    ("records-line-buffer-inf", {"extra": "line_buffer = inf"}, "", "records.line_buffer"),
    ("records-line-buffer-huge", {"extra": "line_buffer = 1e300"}, "", "records.line_buffer"),
    ("fit-seed-inf", {}, "[fit]\nseed = inf\n", "fit.seed"),
    ("fit-seed-huge", {}, "[fit]\nseed = 1e300\n", "fit.seed"),
    ("fit-l2-inf", {}, "[fit]\nl2 = inf\n", "fit.l2"),
    ("fit-block-size-inf", {}, "[fit]\nblock_size = inf\n", "fit.block_size"),
    ("fit-l2-huge", {}, "[fit]\nl2 = 1e15\n", "fit.l2"),  # was "singular: set l2 larger than 0"
    ("fit-block-size-tiny", {}, "[fit]\nblock_size = 1e-300\n", "fit.block_size"),
    ("fit-background-ratio-nan", {}, "[fit]\nbackground_ratio = nan\n", "fit.background_ratio"),
    ("fit-folds-inf", {}, "[fit]\nfolds = inf\n", "fit.folds"),
    ("grid-resolution-inf", {"grid": '[grid]\ncrs = "EPSG:32638"\nresolution = inf\nbounds = [0, 0, 100, 100]'}, "",
     "grid.resolution"),
    ("grid-resolution-nan", {"grid": '[grid]\ncrs = "EPSG:32638"\nresolution = [10, nan]\nbounds = [0, 0, 100, 100]'},
     "", "grid.resolution"),
    ("grid-bounds-inf", {"grid": '[grid]\ncrs = "EPSG:32638"\nresolution = 10\nbounds = [0, 0, inf, 100]'}, "",
     "grid.bounds"),
    ("grid-bounds-nan", {"grid": '[grid]\ncrs = "EPSG:32638"\nresolution = 10\nbounds = [nan, 0, 100, 100]'}, "",
     "grid.bounds"),
]


@pytest.mark.parametrize("kwargs,appended,key", [c[1:] for c in SCENARIO_CASES], ids=[c[0] for c in SCENARIO_CASES])
def test_a_bad_scenario_number_is_refused(region, tmp_path, kwargs, appended, key):
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(scenario_text(region, **kwargs) + appended)
    check_refused("run", scenario, tmp_path, f"key '{key}'")


def base_scenario(region, folder):
    """A base scenario whose layers every sweep parameter below can name."""
    evidence = """
[model.evidence.front_lines]
feature = "front_line_distance"
weight = 3.5
transform = { type = "exp_decay", length = 400.0 }

[model.evidence.records]
feature = "record_coverage"
weight = 2.0
"""
    path = pathlib.Path(folder) / "base.toml"
    path.write_text(scenario_text(region, evidence=evidence))
    return path


AXIS = '[[axis]]\nparameter = "model.intercept"\n'
SWEEP_CASES = [
    ("seed-inf", "seed = inf\n", "seed"),
    ("seed-nan", "seed = nan\n", "seed"),
    ("samples-nan", "samples = nan\n", "samples"),
    ("samples-inf", "samples = inf\n", "samples"),
    ("thresholds-nan", "thresholds = [0.5, nan]\n", "thresholds"),
    ("thresholds-inf", "thresholds = inf\n", "thresholds"),
    ("top-share-nan", "top_share = nan\n", "top_share"),
    ("lhs-inf", "samples = 4\n" + AXIS + "lhs = [-inf, 0.0]\n", "axis[0].lhs"),
    ("lhs-nan", "samples = 4\n" + AXIS + "lhs = [-5.0, nan]\n", "axis[0].lhs"),
    ("values-nan", AXIS + "values = [-5.0, nan]\n", "axis[0].values"),
    ("values-huge", AXIS + "values = [-5.0, 1e300]\n", "axis[0].parameter"),
    ("range-stop-inf", AXIS + "range = [0.0, inf, 1.0]\n", "axis[0].range"),
    ("range-step-inf", AXIS + "range = [0.0, 1.0, inf]\n", "axis[0].range"),
    ("range-start-nan", AXIS + "range = [nan, 1.0, 0.1]\n", "axis[0].range"),
    ("length-values-inf", '[[axis]]\nparameter = "model.evidence.front_lines.transform.length"\nvalues = [inf]\n',
     "axis[0].values"),
    ("front-line-sd-inf", "samples = 2\n[uncertainty]\nfront_line_sd = inf\n", "uncertainty.front_line_sd"),
    ("front-line-sd-huge", "samples = 2\n[uncertainty]\nfront_line_sd = 1e300\n", "uncertainty.front_line_sd"),
    ("wavelength-inf", "samples = 2\n[uncertainty]\nfront_line_sd = 10.0\nfront_line_wavelength = inf\n",
     "uncertainty.front_line_wavelength"),
    ("pod-beta-inf", "samples = 2\n[uncertainty]\npod_beta = [inf, 1.0]\n", "uncertainty.pod_beta"),
    ("pod-beta-huge", "samples = 2\n[uncertainty]\npod_beta = [1e300, 1.0]\n", "uncertainty.pod_beta"),
    ("pod-beta-nan", "samples = 2\n[uncertainty]\npod_beta = [2.0, nan]\n", "uncertainty.pod_beta"),
]


@pytest.mark.parametrize("body,key", [c[1:] for c in SWEEP_CASES], ids=[c[0] for c in SWEEP_CASES])
def test_a_bad_sweep_number_is_refused(region, tmp_path, body, key):
    base_scenario(region, tmp_path)
    sweep = tmp_path / "sweep.toml"
    sweep.write_text('base = "base.toml"\n' + body)
    check_refused("sweep", sweep, tmp_path, f"key '{key}'")


def test_axes_whose_product_passes_2_to_the_64_are_refused(region, tmp_path):
    base_scenario(region, tmp_path)
    sweep = tmp_path / "sweep.toml"
    axes = [AXIS.replace("model.intercept", parameter) + "range = [1.0, 100000.0, 1.0]\n"  # one axis per parameter
            for parameter in ("model.intercept", "model.evidence.records.weight", "model.evidence.front_lines.weight",
                              "model.evidence.front_lines.transform.length")]
    sweep.write_text('base = "base.toml"\n' + "".join(axes))
    check_refused("sweep", sweep, tmp_path, "scenarios, more than 2000", line=False)


DEEP = 40000
LIMIT_CASES = [
    ("header", "[" + ".".join(["a"] * DEEP) + "]\n"),
    ("array-of-tables", "[[" + ".".join(["a"] * DEEP) + "]]\n"),
    ("dotted-key", ".".join(["a"] * DEEP) + " = 1\n"),
    ("array", "x = " + "[" * DEEP + "]" * DEEP + "\n"),
    ("inline-table", "x = " + "{ a = " * DEEP + "1" + " }" * DEEP + "\n"),
    ("mixed", "[" + ".".join(["a"] * 40) + "]\n" + ".".join(["b"] * 20) + " = [[[[{ c = [1] }]]]]\n"),
    ("just-over", "[" + ".".join(["a"] * 65) + "]\n"),
]


@pytest.mark.parametrize("text", [c[1] for c in LIMIT_CASES], ids=[c[0] for c in LIMIT_CASES])
@pytest.mark.parametrize("command", ["run", "sweep"])
def test_nesting_past_the_limit_is_refused_before_parsing(tmp_path, command, text):
    path = tmp_path / "input.toml"
    path.write_text('title = "deep"\n' + text)
    check_refused(command, path, tmp_path, "nested deeper than 64 levels")


def test_nesting_at_the_limit_and_brackets_in_strings_and_comments_are_parsed(tmp_path):
    """Not refused for depth: 64 levels, and brackets that are not structure."""
    path = tmp_path / "input.toml"
    path.write_text("[" + ".".join(["a"] * 64) + "]\n")
    check_refused("run", path, tmp_path, "key 'a' is not a known key")
    for text in ['title = "' + "[" * 1000 + '"\n', "title = '''\n" + "{" * 1000 + "\n'''\n",
                 "# " + "[" * 1000 + "\n", 'title = """a\\"""' + "[" * 1000 + '"""\n']:
        path.write_text(text + "[nope]\n")
        check_refused("run", path, tmp_path, "key 'nope' is not a known key")


@pytest.mark.parametrize("text,where", [
    ("a\u00a1 = 1\n", "outside a string or comment"),
    ("a = 1\u00e9\n", "in a value outside quotes"),
    ('a = 19"\u00e9"\n', "in a value outside quotes"),
    ('a = 1979-05-27 07:3"\u00e9"\n', "in a value outside quotes"),
    ("[t\u3001]\n", "outside a string or comment"),
    ('x = """\\\n  \u00e9"""\n', "first after a line-ending backslash"),
    ('x = """\\\u00e9"""\n', "right after a backslash"),
], ids=["bare-key", "after-value", "quote-in-value", "quote-in-date-time", "header", "after-line-ending-backslash",
        "escaped"])
def test_non_ascii_where_toml_plus_plus_would_misread_it_is_refused(tmp_path, text, where):
    """toml++ 3.3.0 reaches __builtin_unreachable on such characters (found by fuzz_scenario)."""
    path = tmp_path / "input.toml"
    path.write_text(text, encoding="utf-8")
    check_refused("run", path, tmp_path, "a non-ASCII character " + where)


@pytest.mark.parametrize("text", ['se = 1C79-05-"= 2\nslin\x00"d\u03ef 2\ns fa\n', "a = 1\x0c\n", 'a = "b\x7f"\n'],
                         ids=["fuzz-sweep-find", "form-feed", "delete"])
def test_a_control_character_is_refused_before_toml_plus_plus_reads_it(tmp_path, text):
    """A NUL made toml++ read on elsewhere than the scan that guards it, and reach its undefined
    behaviour on U+03EF (fuzz_sweep's find, under UBSan); TOML allows no control character."""
    path = tmp_path / "input.toml"
    path.write_text(text, encoding="utf-8")
    check_refused("run", path, tmp_path, "a control character (U+")


def test_non_ascii_in_strings_and_comments_is_read(tmp_path):
    path = tmp_path / "input.toml"
    path.write_text('\ufefftitle = "caf\u00e9 \u3001"  # \u00e9\n"cl\u00e9" = \'\u00e9\'\n'
                    'x = """\n\u00e9 \\u00e9\\\n  \\u00e9"""\n', encoding="utf-8")
    check_refused("run", path, tmp_path, "key 'cl\u00e9' is not a known key")


@pytest.mark.parametrize("command", ["run", "sweep"])
def test_a_file_over_16_mib_is_refused(tmp_path, command):
    path = tmp_path / "input.toml"
    with open(path, "wb") as f:
        f.write(b"# padding\n" * (16 * 1024 * 1024 // 10 + 1))
    check_refused(command, path, tmp_path, "larger than 16 MiB", line=False)


def test_a_scenario_that_is_not_a_regular_file_is_refused(tmp_path):
    check_refused("run", "/dev/zero", tmp_path, "is not a regular file", line=False)


def test_a_sweep_base_past_the_limits_is_refused(tmp_path):
    (tmp_path / "base.toml").write_text("x = " + "[" * DEEP + "]" * DEEP + "\n")
    sweep = tmp_path / "sweep.toml"
    sweep.write_text('base = "base.toml"\n')
    message = check_refused("sweep", sweep, tmp_path, "nested deeper than 64 levels", line=False)
    assert "base.toml:1:" in message


def test_a_dict_scenario_nested_too_deep_is_refused_from_python():
    import minerisk  # a failed import must fail the test, not skip it
    deep = {}
    node = deep
    for _ in range(DEEP):
        node["a"] = {}
        node = node["a"]
    with pytest.raises(minerisk.Error, match="nested deeper than 64 levels"):
        minerisk.Scenario.from_dict(deep)
    itself = {"terrain": {"dem": "x.tif"}}
    itself["model"] = itself
    with pytest.raises(minerisk.Error, match="nested deeper than 64 levels"):
        minerisk.Scenario.from_dict(itself)


def test_a_bandwidth_below_a_millimetre_or_beyond_the_scenarios_bound_is_refused(region, tmp_path):
    """At 1e-100 m a point on a cell centre gave infinity; at 1e-160 m, no-data (and NaN in Python).
    At 1e308 m (a probe) every cell was 0, exit 0, where a scenario refuses more than 1e7 m."""
    for bandwidth in ("1e-100", "1e-160", "0.0009", "1.0001e7", "1e308", "9223372036854775808"):
        for args in ([region / "region.gpkg:finds", tmp_path / "d.tif", "--like", region / "dem.tif"],):
            r = run_minerisk("density", *args, "--bandwidth", bandwidth)
            assert r.returncode == 2 and "from 0.001 (a millimetre) to 1e7 (10,000 km)" in r.stderr, r.stderr
    assert not (tmp_path / "d.tif").exists()
