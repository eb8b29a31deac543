"""Golden cases of minerisk sweep (axes, Monte Carlo) and minerisk fit, with the fit helpers they share."""
import json

from golden_common import case, fitted_toml_values, hdf5_digests, json_values, sha256, text_digest
from golden_scenarios import all_features_scenario, conftest_scenario, conftest_scenario_file


# sweep ----------------------------------------------------------------------------------------


def sweep(ctx, name, body, *options, base=None):
    folder = ctx.folder(f"sweeps/{name}")
    base = base or ctx.region / "scenario.toml"
    path = folder / "sweep.toml"
    path.write_text(f'base = "{base}"\n' + body)
    out = folder / "sweep.nc"
    ctx.mr("sweep", path, "-o", out, "-q", *options)
    return hdf5_digests(out)


@case("sweep_axes_values_range_lhs_stack")
def _(ctx):
    body = """seed = 2
samples = 3
thresholds = [0.1, 0.5]
top_share = 0.05
stack = true

[[axis]]
parameter = "model.evidence.front_lines.weight"
values = [2.5, 3.5]

[[axis]]
parameter = "model.evidence.front_lines.transform.length"
range = [300.0, 500.0, 100.0]

[[axis]]
parameter = "model.intercept"
lhs = [-5.5, -4.5]

[[axis]]
parameter = "records.reliability"
lhs = [0.1, 0.6]
"""
    return sweep(ctx, "axes", body, "--tile-size", "256")


@case("sweep_axes_transform_parameters_pod")
def _(ctx):
    """Latin hypercube over the transform parameters (centre, width, threshold) and cleared.pod,
    on the all-features scenario, no stack."""
    body = """seed = 4
samples = 4

[[axis]]
parameter = "model.evidence.slope.transform.centre"
lhs = [5.0, 20.0]

[[axis]]
parameter = "model.evidence.slope.transform.width"
lhs = [4.0, 12.0]

[[axis]]
parameter = "model.evidence.rugged.transform.threshold"
lhs = [3.0, 9.0]

[[axis]]
parameter = "cleared.pod"
values = [0.5, 0.95]
"""
    return sweep(ctx, "transform_parameters", body, base=all_features_scenario(ctx))


@case("sweep_monte_carlo_front_line_sd")
def _(ctx):
    body = "seed = 5\nsamples = 5\n[uncertainty]\nfront_line_sd = 80.0\nfront_line_wavelength = 1500.0\n"
    return sweep(ctx, "mc_front_line_sd", body)


@case("sweep_monte_carlo_record_validity")
def _(ctx):
    body = "seed = 6\nsamples = 5\nthresholds = [0.2]\n[uncertainty]\nrecord_validity = true\n"
    return sweep(ctx, "mc_record_validity", body)


@case("sweep_monte_carlo_pod_beta")
def _(ctx):
    body = "seed = 7\nsamples = 5\nstack = true\n[uncertainty]\npod_beta = [18.0, 2.0]\n"
    return sweep(ctx, "mc_pod_beta", body, "--tile-size", "200")


@case("sweep_weights_from_fit_report")
def _(ctx):
    fitted, report, _ = fit_background(ctx)
    body = f'samples = 6\nseed = 8\nthresholds = [0.05, 0.2]\n[uncertainty]\nweights_from = "{report}"\n'
    return sweep(ctx, "weights_from", body, base=fitted)


# fit ------------------------------------------------------------------------------------------


def fit_outputs(ctx, fitted, report, design):
    out = json_values(json.loads(report.read_text()), "fit_report")
    out.update(fitted_toml_values(fitted.read_text(), ctx.scratch))
    if design is not None:
        out["design_csv:sha256"] = sha256(design.read_bytes())
    return out


def fit_block_cv(ctx):
    return ctx.fit("block_cv", conftest_scenario_file(ctx), "--block-size", "1500", "--folds", "4", "--l2", "0.5",
                   "--design", ctx.folder("fits/block_cv") / "design.csv")


def fit_background(ctx):
    s = ctx.memo("fit_background_scenario", lambda: ctx.scenario(
        "fit_background.toml", conftest_scenario(ctx.region) + "\n[fit]\nbackground_ratio = 2\nseed = 3\n"))
    return ctx.fit("background", s)


@case("fit_block_cv_design")
def _(ctx):
    """Block cross-validation (1500 m blocks, 4 folds, l2 0.5), --design."""
    return fit_outputs(ctx, *fit_block_cv(ctx))


@case("fit_background_ratio")
def _(ctx):
    """[fit] background_ratio = 2 (seed 3), no cross-validation."""
    return fit_outputs(ctx, *fit_background(ctx))


@case("fit_labels_zones")
def _(ctx):
    """A label raster and one cross-validation fold per zone raster value."""
    folder = ctx.folder("fits/labels_zones")
    design = folder / "design.csv"
    return fit_outputs(ctx, *ctx.fit("labels_zones", conftest_scenario_file(ctx), "--labels", ctx.labels, "--zones",
                                     ctx.zones, "--design", design))


@case("fit_all_features")
def _(ctx):
    """Every feature and transform (weights of evidence for step, categorical and records layers),
    block cross-validation with background cells."""
    return fit_outputs(ctx, *ctx.fit("all_features", all_features_scenario(ctx), "--block-size", "2000",
                                     "--background-ratio", "1", "--l2", "2"))
