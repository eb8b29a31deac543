"""Scenario texts shared by the golden cases (conftest's scenario, the all-features scenario)."""
import pathlib


def conftest_scenario(region, intercept="-5.0", extra="", grid="", dem=None, evidence=None):
    """tests/python/conftest.py's scenario_text, kept here so the golden cases do not move when
    that helper does."""
    region = pathlib.Path(region)
    dem = dem or region / "dem.tif"
    gpkg = region / "region.gpkg"
    if evidence is None:
        evidence = """
[model.evidence.slope]
feature = "slope"
weight = -0.04

[model.evidence.front_lines]
feature = "front_line_distance"
weight = 3.5
transform = { type = "exp_decay", length = 400.0 }

[model.evidence.finds]
feature = "find_density"
bandwidth = 250.0
weight = 0.9
transform = "log1p"

[model.evidence.records]
feature = "record_coverage"
weight = 2.0
"""
    return f"""title = "test scenario"
{grid}
[terrain]
dem = "{dem}"

[front_lines]
path = "{gpkg}"
layer = "front_lines"

[finds]
path = "{gpkg}"
layer = "finds"
count_field = "count"

[cleared]
path = "{gpkg}"
layer = "cleared"
pod_field = "pod"

[records]
path = "{gpkg}"
layer = "records"
reliability_field = "reliability"
{extra}
[model]
intercept = {intercept}
{evidence}
"""


def all_features_evidence(ctx):
    """Every feature and every transform at least once."""
    gpkg = ctx.region / "region.gpkg"
    return f"""
[model.evidence.slope]
feature = "slope"
weight = 0.6
transform = {{ type = "gaussian", centre = 12.0, width = 8.0 }}

[model.evidence.rugged]
feature = "ruggedness"
weight = -0.7
transform = {{ type = "step", threshold = 6.0 }}

[model.evidence.height]
feature = "elevation"
weight = 1.2
transform = {{ type = "piecewise", x = [400.0, 800.0, 1200.0, 1600.0], y = [0.0, 1.0, 0.4, -0.5] }}

[model.evidence.front_2020]
feature = "front_line_distance"
where = "end_date >= '2020-11-01'"
weight = 2.5
transform = {{ type = "exp_decay", length = 300.0 }}

[model.evidence.front_side]
feature = "front_line_distance"
signed = true
weight = 0.0004
transform = "linear"

[model.evidence.ap_finds]
feature = "find_density"
bandwidth = 200.0
where = "item = 'AP mine'"
weight = 0.8
transform = "log1p"

[model.evidence.all_finds]
feature = "find_density"
bandwidth = 400.0
weight = 0.002
transform = "linear"

[model.evidence.records]
feature = "record_coverage"
weight = 2.0
transform = "linear"

[model.evidence.near_records]
feature = "vector_distance"
path = "{gpkg}"
layer = "records"
weight = 0.9
transform = {{ type = "exp_decay", length = 250.0 }}

[model.evidence.contact_side]
feature = "vector_distance"
path = "{gpkg}"
layer = "front_lines"
where = "name = 'line of contact'"
signed = true
weight = 0.5
transform = {{ type = "gaussian", centre = 200.0, width = 600.0 }}

[model.evidence.near_cleared]
feature = "vector_distance"
path = "{gpkg}"
layer = "cleared"
weight = -0.3
transform = {{ type = "step", threshold = 100.0 }}

[model.evidence.dem_raster]
feature = "raster"
path = "{ctx.region / 'dem.tif'}"
weight = -0.0008
transform = "linear"

[model.evidence.coarse_dem]
feature = "raster"
path = "{ctx.dem_coarse}"
weight = 0.3
transform = "log1p"

[model.evidence.landcover]
feature = "raster"
path = "{ctx.classes}"
weight = 1.0
transform = {{ type = "categorical", values = {{ "1" = 0.5, "2" = -1.0, "4" = 0.3 }}, default = 0.1 }}
"""


def all_features_scenario(ctx):
    return ctx.memo("all_features_scenario", lambda: ctx.scenario(
        "all_features.toml",
        conftest_scenario(ctx.region, intercept="-4.0", extra="reliability = 0.3\nline_buffer = 30.0\n",
                          evidence=all_features_evidence(ctx))))


def conftest_scenario_file(ctx):
    return ctx.memo("conftest_scenario", lambda: ctx.scenario("conftest.toml", conftest_scenario(ctx.region)))
