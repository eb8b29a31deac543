"""Golden cases of minerisk evaluate, explain, diff and the raster tools (slope, aspect, tri, proximity, density, focal)."""
import json

import h5py
import numpy as np

from golden_common import CASES, case, json_values, png_digests, prefixed, sha256, tiff_digests
from golden_scenarios import all_features_scenario, conftest_scenario, conftest_scenario_file


# evaluate -------------------------------------------------------------------------------------


def evaluate(ctx, grid, name, *options):
    folder = ctx.folder(f"evaluations/{name}")
    report, picture = folder / "evaluation.json", folder / "capture.png"
    ctx.mr("evaluate", grid, *options, "-o", report, "--picture", picture)
    out = json_values(json.loads(report.read_text()), "evaluation", skip=("grid", "grid_file", "grid_sha256", "truth", "run_id"))
    out.update(png_digests(picture, "capture_png"))
    return prefixed(name, out)


@case("evaluate_finds_count_field")
def _(ctx):
    grid = ctx.run("conftest", conftest_scenario_file(ctx))
    return evaluate(ctx, grid, "finds", "--truth", ctx.region / "region.gpkg", "--layer", "finds", "--count-field",
                    "count")


@case("evaluate_finds_where")
def _(ctx):
    grid = ctx.run("conftest", conftest_scenario_file(ctx))
    return evaluate(ctx, grid, "ap_finds", "--truth", ctx.region / "region.gpkg", "--layer", "finds", "--where",
                    "item = 'AP mine'")


@case("evaluate_label_raster")
def _(ctx):
    grid = ctx.run("conftest", conftest_scenario_file(ctx))
    return evaluate(ctx, grid, "labels", "--truth", ctx.labels)


# explain --------------------------------------------------------------------------------------


@case("explain_two_points")
def _(ctx):
    grid = ctx.run("conftest", conftest_scenario_file(ctx))
    out = {}
    for name, args in (("centre", ("643005", "4416995")), ("lonlat", ("46.68", "39.89", "--crs", "EPSG:4326"))):
        out.update(json_values(json.loads(ctx.mr("explain", grid, *args, "--json")), f"{name}.json"))
        out[f"{name}.table:sha256"] = sha256(ctx.mr("explain", grid, *args).encode())
    return out


@case("explain_all_features_hot_spot")
def _(ctx):
    """explain on the all-features grid at its most probable cell."""
    grid = ctx.run("all_features", all_features_scenario(ctx))
    with h5py.File(grid, "r") as f:
        p = f["probability"][:]
        x, y = f["x"][:], f["y"][:]
    row, col = np.unravel_index(np.nanargmax(p), p.shape)
    return json_values(json.loads(ctx.mr("explain", grid, repr(float(x[col])), repr(float(y[row])), "--json")),
                       "json")


# diff -----------------------------------------------------------------------------------------


@case("diff_conftest_other_weights_tile128")
def _(ctx):
    """diff of the conftest run against the same scenario with other finds and front-line weights."""
    old = ctx.run("conftest", conftest_scenario_file(ctx))
    text = conftest_scenario(ctx.region).replace("weight = 0.9", "weight = 0.8").replace("weight = 3.5", "weight = 4.5")
    new = ctx.run("conftest_other_weights", ctx.scenario("conftest_other_weights.toml", text))
    out = ctx.folder("diff") / "change.tif"
    report = json.loads(ctx.mr("diff", old, new, "-o", out, "--threshold", "0.02", "--tile-size", "128", "--json",
                               "-q"))
    digests = tiff_digests(out, "change")
    digests.update(json_values(report, "report", skip=("old", "new", "output")))
    return digests


# raster tools ---------------------------------------------------------------------------------


def tool(ctx, name, *args):
    """Runs a raster tool writing OUT (and NEAR if asked) and digests what it wrote."""
    folder = ctx.folder(f"tools/{name}")
    out = folder / "out.tif"
    argv = [a if a != "NEAR" else folder / "near.tif" for a in args]
    ctx.mr(*[a if a != "OUT" else out for a in argv], "-q")
    digests = tiff_digests(out, "out")
    if (folder / "near.tif").exists():
        digests.update(tiff_digests(folder / "near.tif", "near"))
    return digests


def dem(ctx):
    return ctx.region / "dem.tif"


TOOL_CASES = {
    "tool_slope_default": lambda c: ("slope", dem(c), "OUT"),
    "tool_slope_compute_edges_tile128": lambda c: ("slope", dem(c), "OUT", "--compute-edges", "--tile-size", "128"),
    "tool_slope_percent_tile100": lambda c: ("slope", dem(c), "OUT", "--percent", "--tile-size", "100"),
    "tool_aspect_default": lambda c: ("aspect", dem(c), "OUT"),
    "tool_aspect_trigonometric_zero_for_flat_edges": lambda c: ("aspect", dem(c), "OUT", "--trigonometric",
                                                                "--zero-for-flat", "--compute-edges", "--tile-size",
                                                                "64"),
    "tool_tri_default": lambda c: ("tri", dem(c), "OUT", "--compress", "NONE"),
    "tool_tri_compute_edges_tile200": lambda c: ("tri", dem(c), "OUT", "--compute-edges", "--tile-size", "200"),
    "tool_proximity_raster_nearest_value_tile64": lambda c: ("proximity", c.mask, "OUT", "--nearest-value", "NEAR",
                                                             "--tile-size", "64"),
    "tool_proximity_raster_values_max_distance": lambda c: ("proximity", c.mask, "OUT", "--values", "2", "3",
                                                            "--max-distance", "150"),
    "tool_proximity_raster_nonsquare_cells": lambda c: ("proximity", c.mask_nonsquare, "OUT", "--nearest-value",
                                                        "NEAR"),
    "tool_proximity_vector_lines": lambda c: ("proximity", c.region / "region.gpkg", "OUT", "--layer", "front_lines",
                                              "--like", dem(c)),
    "tool_proximity_vector_lines_signed_tile128": lambda c: ("proximity", c.region / "region.gpkg", "OUT", "--layer",
                                                             "front_lines", "--like", dem(c), "--signed",
                                                             "--tile-size", "128"),
    "tool_proximity_vector_polygons_max_distance": lambda c: ("proximity", c.region / "region.gpkg", "OUT", "--layer",
                                                              "cleared", "--like", dem(c), "--max-distance", "800"),
    "tool_proximity_vector_points_where": lambda c: ("proximity", c.region / "region.gpkg", "OUT", "--layer", "finds",
                                                     "--like", dem(c), "--where", "item = 'AT mine'"),
    "tool_density_points_weight_field": lambda c: ("density", c.region / "region.gpkg", "OUT", "--layer", "finds",
                                                   "--like", dem(c), "--bandwidth", "250", "--weight-field", "count"),
    "tool_density_points_where_truncate_tile128": lambda c: ("density", c.region / "region.gpkg", "OUT", "--layer",
                                                             "finds", "--like", dem(c), "--bandwidth", "150",
                                                             "--where", "item = 'UXO'", "--truncate", "3",
                                                             "--tile-size", "128"),
    "tool_density_count_raster": lambda c: ("density", c.counts, "OUT", "--bandwidth", "50", "--tile-size", "64"),
}
for _statistic in ("mean", "sum", "count", "max", "min"):
    for _shape, _tile in (("circle", None), ("square", "128")):
        TOOL_CASES[f"tool_focal_{_statistic}_{_shape}" + (f"_tile{_tile}" if _tile else "")] = (
            lambda c, s=_statistic, sh=_shape, t=_tile: ("focal", dem(c), "OUT", "--statistic", s, "--shape", sh,
                                                         "--radius", "35", *(("--tile-size", t) if t else ())))

for _name, _argv in TOOL_CASES.items():
    CASES[_name] = (lambda argv, name: lambda ctx: tool(ctx, name, *argv(ctx)))(_argv, _name)
