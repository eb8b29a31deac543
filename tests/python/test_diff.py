"""`minerisk diff OLD.nc NEW.nc -o CHANGE.tif` (and minerisk.tools.diff): the change raster and the
report against a brute force in numpy, on two real runs of the sample region (the second with
other weights), on copies edited with h5py (the threshold's boundary, no-data in one grid only),
and the refusals: grids on other cells, an output that is an input or exists, bad requests.
"""
import json
import shutil

import h5py
import numpy as np
import pytest
from osgeo import gdal, osr

import minerisk
from conftest import run_minerisk, scenario_text

gdal.UseExceptions()

THRESHOLD = 0.02


def changed_weights(region):
    text = scenario_text(region)
    for old, new in (("weight = 0.9", "weight = 0.8"), ("weight = 3.5", "weight = 4.5")):
        assert old in text
        text = text.replace(old, new)
    return text


@pytest.fixture(scope="module")
def runs(region, tmp_path_factory):
    """Yesterday's and today's grid: the same scenario, today with other weights for finds and front lines."""
    folder = tmp_path_factory.mktemp("diff")
    grids = []
    for name, text in (("old", scenario_text(region)), ("new", changed_weights(region))):
        scenario = folder / f"{name}.toml"
        scenario.write_text(text)
        grid = folder / f"{name}.nc"
        r = run_minerisk("run", scenario, "-o", grid, "-q", "--no-picture")
        assert r.returncode == 0, r.stderr
        grids.append(grid)
    return grids


def probability(path):
    with h5py.File(path, "r") as f:
        return f["probability"][()]  # float32, NaN as _FillValue


def expected_change(old, new, threshold):
    d = new.astype(np.float64) - old.astype(np.float64)
    out = np.where(np.abs(d) > threshold, d, 0.0).astype(np.float32)
    out[np.isnan(old) | np.isnan(new)] = np.nan
    return out, d


def read_raster(path):
    ds = gdal.Open(str(path))
    band = ds.GetRasterBand(1)
    return band.ReadAsArray(), ds


def diff(old, new, out, *args):
    r = run_minerisk("diff", old, new, "-o", out, *args)
    assert r.returncode == 0, r.stderr
    return r


def edited_copy(source, path, edit):
    shutil.copy(source, path)
    with h5py.File(path, "r+") as f:
        p = f["probability"][()]
        edit(p)
        f["probability"][...] = p
    return path


def test_the_change_and_the_report_match_numpy(runs, tmp_path):
    old_path, new_path = runs
    out = tmp_path / "change.tif"
    report = json.loads(diff(old_path, new_path, out, "--threshold", THRESHOLD, "--json", "-q").stdout)
    old, new = probability(old_path), probability(new_path)
    want, d = expected_change(old, new, THRESHOLD)
    got, ds = read_raster(out)
    assert got.dtype == np.float32
    assert np.array_equal(got, want, equal_nan=True)
    both = ~np.isnan(old) & ~np.isnan(new)
    rose, fell = both & (d > THRESHOLD), both & (d < -THRESHOLD)
    assert rose.sum() > 0 and fell.sum() > 0  # the edit moved the probability both ways
    cell_ha = 10.0 * 10.0 / 1e4
    assert report["rose_cells"] == rose.sum() and report["fell_cells"] == fell.sum()
    assert report["unchanged_cells"] == (both & (np.abs(d) <= THRESHOLD)).sum()
    assert report["rose_ha"] == pytest.approx(rose.sum() * cell_ha, rel=1e-12)
    assert report["fell_ha"] == pytest.approx(fell.sum() * cell_ha, rel=1e-12)
    assert report["unchanged_ha"] == pytest.approx(report["unchanged_cells"] * cell_ha, rel=1e-12)
    assert report["nodata_changed_cells"] == (np.isnan(old) != np.isnan(new)).sum()
    assert report["nodata_cells"] == (np.isnan(old) & np.isnan(new)).sum()
    assert report["cells"] == old.size
    assert report["mean_abs_change"] == pytest.approx(np.abs(d[both]).mean(), rel=1e-12)
    assert report["threshold"] == THRESHOLD and report["variable"] == "probability"
    with h5py.File(old_path, "r") as f:
        xs, ys = f["x"][()], f["y"][()]
    for key, pick in (("largest_rise", np.nanargmax), ("largest_fall", np.nanargmin)):
        flat = pick(np.where(both, d, np.nan))  # numpy takes the first of ties, in row-major order too
        row, col = np.unravel_index(flat, d.shape)
        at = report[key]
        assert (at["row"], at["col"]) == (row, col)
        assert at["change"] == d[row, col]
        assert (at["x"], at["y"]) == pytest.approx((xs[col], ys[row]), abs=1e-6)
    # The text report says the same.
    text = diff(old_path, new_path, tmp_path / "c2.tif", "--threshold", THRESHOLD, "-q").stdout
    assert f"{report['rose_cells']} cells" in text and f"{report['fell_cells']} cells" in text
    assert "largest rise" in text and "mean absolute change" in text


def test_the_change_raster_is_georeferenced_as_the_inputs(runs, tmp_path):
    old_path, new_path = runs
    out = tmp_path / "change.tif"
    diff(old_path, new_path, out, "-q")
    _, ds = read_raster(out)
    source = gdal.Open(f'NETCDF:"{old_path}":probability')
    assert ds.GetGeoTransform() == pytest.approx(source.GetGeoTransform(), abs=1e-9)
    assert (ds.RasterXSize, ds.RasterYSize) == (source.RasterXSize, source.RasterYSize)
    assert ds.GetSpatialRef().IsSame(source.GetSpatialRef())
    assert ds.GetSpatialRef().GetAuthorityCode(None) == "32638"
    band = ds.GetRasterBand(1)
    assert np.isnan(band.GetNoDataValue())
    assert band.DataType == gdal.GDT_Float32
    assert ds.GetMetadataItem("COMPRESSION", "IMAGE_STRUCTURE") == "ZSTD"


def test_a_change_equal_to_the_threshold_is_none(runs, tmp_path):
    base = runs[0]

    def old_edit(p):
        p[10, 10:14] = 0.5

    def new_edit(p):
        p[10, 10:14] = [0.625, 0.375, 0.625 + 2.0 ** -10, 0.375 - 2.0 ** -10]

    old = edited_copy(base, tmp_path / "a.nc", old_edit)
    new = edited_copy(base, tmp_path / "b.nc", new_edit)
    out = tmp_path / "c.tif"
    report = json.loads(diff(old, new, out, "--threshold", 0.125, "--json", "-q").stdout)
    got, _ = read_raster(out)
    assert got[10, 10:14].tolist() == [0.0, 0.0, 0.125 + 2.0 ** -10, -0.125 - 2.0 ** -10]
    assert report["rose_cells"] == 1 and report["fell_cells"] == 1
    assert (report["largest_rise"]["row"], report["largest_rise"]["col"]) == (10, 12)
    assert report["largest_fall"]["change"] == -0.125 - 2.0 ** -10
    valid = (~np.isnan(probability(old))).sum()
    assert report["unchanged_cells"] == valid - 2
    assert np.count_nonzero(np.nan_to_num(got)) == 2


def test_no_data_in_one_grid_only(runs, tmp_path):
    base = runs[0]
    p = probability(base)
    rows, cols = np.nonzero(~np.isnan(p))
    r0, c0 = rows[len(rows) // 2], cols[len(cols) // 2]
    assert not np.isnan(p[r0, c0:c0 + 4]).any() and not np.isnan(p[r0 + 1, c0])

    def old_edit(q):
        q[r0 + 1, c0] = np.nan

    def new_edit(q):
        q[r0, c0:c0 + 4] = np.nan
        q[r0 + 1, c0] = np.nan  # no data in either: not a change of no-data

    old = edited_copy(base, tmp_path / "a.nc", old_edit)
    new = edited_copy(base, tmp_path / "b.nc", new_edit)
    out = tmp_path / "c.tif"
    report = json.loads(diff(old, new, out, "--json", "-q").stdout)
    got, _ = read_raster(out)
    assert report["nodata_changed_cells"] == 4
    assert report["nodata_cells"] == np.isnan(p).sum() + 1
    assert np.isnan(got[r0, c0:c0 + 4]).all() and np.isnan(got[r0 + 1, c0])
    assert report["rose_cells"] == report["fell_cells"] == 0
    assert report["largest_rise"] is None and report["largest_fall"] is None
    assert report["mean_abs_change"] == 0.0
    assert np.array_equal(np.isnan(got), np.isnan(probability(old)) | np.isnan(probability(new)))


def one_line_refusal(r):
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("minerisk: error: "), r.stderr
    return r.stderr


def test_grids_of_another_size_are_refused(runs, region, tmp_path):
    scenario = tmp_path / "small.toml"
    scenario.write_text(scenario_text(region, grid='[grid]\ncrs = "EPSG:32638"\nresolution = 10\n'
                                                   'bounds = [640000, 4417000, 643000, 4420000]\n'))
    small = tmp_path / "small.nc"
    assert run_minerisk("run", scenario, "-o", small, "-q", "--no-picture").returncode == 0
    out = tmp_path / "c.tif"
    message = one_line_refusal(run_minerisk("diff", runs[0], small, "-o", out))
    assert str(runs[0]) in message and str(small) in message
    assert "sizes differ (600 x 600 and 300 x 300 cells)" in message
    assert "compare grids of the same scenario grid" in message
    assert not out.exists()


def test_grids_in_another_crs_are_refused(runs, tmp_path):
    other = tmp_path / "other_crs.tif"
    gdal.Translate(str(other), f'NETCDF:"{runs[1]}":probability', outputSRS="EPSG:32639")
    out = tmp_path / "c.tif"
    message = one_line_refusal(run_minerisk("diff", runs[0], other, "-o", out))
    assert "CRS differ (EPSG:32638 and EPSG:32639)" in message and str(other) in message
    assert not out.exists()
    # The same grid as a GeoTIFF on the same cells is compared.
    same = tmp_path / "same.tif"
    gdal.Translate(str(same), f'NETCDF:"{runs[1]}":probability')
    report = json.loads(diff(runs[0], same, out, "--json", "-q", "--threshold", THRESHOLD).stdout)
    expected = json.loads(diff(runs[0], runs[1], tmp_path / "d.tif", "--json", "-q", "--threshold",
                               THRESHOLD).stdout)
    for key in ("rose_cells", "fell_cells", "largest_rise", "mean_abs_change"):
        assert report[key] == expected[key]


@pytest.mark.parametrize("value", [1433.6, -0.5, 1.0000001])
def test_a_grid_that_is_not_a_probability_is_refused(runs, region, tmp_path, value):
    """A DEM (or a count, or a score) would be reported as rises of hundreds "in probability
    units": refused in one line naming the file, wherever the value lies, and nothing written."""
    other = tmp_path / "other.tif"
    gdal.Translate(str(other), f'NETCDF:"{runs[1]}":probability')
    ds = gdal.Open(str(other), gdal.GA_Update)
    values = ds.ReadAsArray()
    values[-1, -1] = value  # the last tile's last cell
    ds.GetRasterBand(1).WriteArray(values)
    ds = None
    out = tmp_path / "c.tif"
    for first, second in ((runs[0], other), (other, runs[0])):
        message = one_line_refusal(run_minerisk("diff", first, second, "-o", out, "-q"))  # found as tiles are read
        assert f"'{other}' holds values outside [0, 1], not probabilities" in message, message
        assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_the_result_is_the_same_for_any_thread_count(runs, tmp_path):
    outputs = []
    for threads in (1, 2):
        out = tmp_path / f"c{threads}.tif"
        r = diff(*runs, out, "--threads", threads, "--tile-size", 128, "--json", "-q")
        report = json.loads(r.stdout)
        del report["output"]
        outputs.append((read_raster(out)[0].tobytes(), report))
    assert outputs[0] == outputs[1]


def test_an_input_or_an_existing_output_is_not_overwritten(runs, tmp_path):
    old_path, new_path = runs
    before = old_path.read_bytes()
    for args in (["--overwrite"], []):
        r = run_minerisk("diff", old_path, new_path, "-o", old_path, *args)
        assert "input" in one_line_refusal(r)
        assert old_path.read_bytes() == before
    out = tmp_path / "c.tif"
    out.write_bytes(b"keep me")
    message = one_line_refusal(run_minerisk("diff", old_path, new_path, "-o", out))
    assert "--overwrite" in message and out.read_bytes() == b"keep me"
    diff(old_path, new_path, out, "--overwrite", "-q")
    assert read_raster(out)[0].shape == probability(old_path).shape
    assert [p.name for p in tmp_path.iterdir()] == ["c.tif"]  # no temporary left behind


@pytest.mark.parametrize("case,needle", [
    ("missing", "not found"),
    ("not a grid", "cannot be read as a grid"),
    ("variable", "not a variable 'nope'"),
    ("threshold 1", "--threshold"),
    ("threshold negative", "--threshold"),
])
def test_bad_requests_are_one_line(runs, tmp_path, case, needle):
    old_path, new_path = runs
    text = tmp_path / "notes.nc"
    text.write_text("not a grid\n")
    args = {
        "missing": [tmp_path / "nowhere.nc", new_path],
        "not a grid": [old_path, text],
        "variable": [old_path, new_path, "--variable", "nope"],
        "threshold 1": [old_path, new_path, "--threshold", "1"],
        "threshold negative": [old_path, new_path, "--threshold=-0.1"],
    }[case]
    out = tmp_path / "c.tif"
    message = one_line_refusal(run_minerisk("diff", *args, "-o", out))
    assert needle in message
    assert not out.exists()


def test_python_gives_the_command_lines_report_and_raster(runs, tmp_path):
    cli_out, py_out = tmp_path / "cli.tif", tmp_path / "py.tif"
    expected = json.loads(diff(*runs, cli_out, "--json", "-q", "--threshold", THRESHOLD).stdout)
    report = minerisk.tools.diff(runs[0], runs[1], py_out, threshold=THRESHOLD)
    assert report.pop("output") == str(py_out) and expected.pop("output") == str(cli_out)
    assert report == expected
    assert read_raster(py_out)[0].tobytes() == read_raster(cli_out)[0].tobytes()
    with pytest.raises(minerisk.Error, match="exists"):
        minerisk.tools.diff(runs[0], runs[1], py_out)
    with pytest.raises(minerisk.Error, match="--threshold"):
        minerisk.tools.diff(runs[0], runs[1], tmp_path / "x.tif", threshold=-1.0)


def write_geographic(path, values):
    ds = gdal.GetDriverByName("GTiff").Create(str(path), values.shape[1], values.shape[0], 1, gdal.GDT_Float32)
    ds.SetGeoTransform((46.5, 0.001, 0.0, 39.9, 0.0, -0.002))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    ds.SetSpatialRef(srs)
    ds.GetRasterBand(1).SetNoDataValue(float("nan"))
    ds.GetRasterBand(1).WriteArray(values)
    ds = None


def test_hectares_on_a_geographic_grid_are_true_areas(tmp_path):
    from pyproj import Geod
    rng = np.random.default_rng(4)
    old = rng.uniform(0, 1, (40, 30)).astype(np.float32)
    new = np.clip(old + rng.uniform(-0.2, 0.2, old.shape), 0, 1).astype(np.float32)
    write_geographic(tmp_path / "a.tif", old)
    write_geographic(tmp_path / "b.tif", new)
    report = json.loads(diff(tmp_path / "a.tif", tmp_path / "b.tif", tmp_path / "c.tif", "--json", "-q",
                             "--threshold", 0.05).stdout)
    _, d = expected_change(old, new, 0.05)
    geod = Geod(ellps="WGS84")
    ha = np.empty(old.shape[0])
    for row in range(old.shape[0]):  # each row's cell area on the ellipsoid, by pyproj
        top, bottom = 39.9 - 0.002 * row, 39.9 - 0.002 * (row + 1)
        area, _ = geod.polygon_area_perimeter([46.5, 46.501, 46.501, 46.5], [top, top, bottom, bottom])
        ha[row] = abs(area) / 1e4
    cell_ha = np.broadcast_to(ha[:, None], old.shape)
    assert report["rose_ha"] == pytest.approx(cell_ha[d > 0.05].sum(), rel=1e-6)
    assert report["fell_ha"] == pytest.approx(cell_ha[d < -0.05].sum(), rel=1e-6)
    assert report["unchanged_ha"] == pytest.approx(cell_ha[np.abs(d) <= 0.05].sum(), rel=1e-6)
    at = report["largest_rise"]
    assert (at["x"], at["y"]) == pytest.approx((46.5 + 0.001 * (at["col"] + 0.5), 39.9 - 0.002 * (at["row"] + 0.5)))


def test_another_format_holds_the_same_change(runs, tmp_path):
    diff(*runs, tmp_path / "c.tif", "-q")
    diff(*runs, tmp_path / "c.nc", "-q")
    tif, nc = read_raster(tmp_path / "c.tif")[0], read_raster(tmp_path / "c.nc")[0]
    assert np.array_equal(tif, nc, equal_nan=True)
    with h5py.File(tmp_path / "c.nc", "r") as f:
        assert "change" in f


def test_a_run_against_a_sweep_is_refused_unless_told_which_variable(runs, tmp_path):
    sweep_file = tmp_path / "sweep.nc"
    scenario = tmp_path / "scenario_for_sweep.toml"
    # A sweep of two intercepts over the run's own scenario: its file has `mean`, not `probability`.
    with h5py.File(runs[0], "r") as f:
        text = f.attrs["scenario"]
    scenario.write_text(text.decode() if isinstance(text, bytes) else str(text))
    spec = tmp_path / "sweep.toml"
    spec.write_text(f'base = "{scenario}"\n[[axis]]\nparameter = "model.intercept"\nvalues = [-5.0, -4.0]\n')
    r = run_minerisk("sweep", spec, "-o", sweep_file, "-q")
    assert r.returncode == 0, r.stderr
    message = one_line_refusal(run_minerisk("diff", runs[0], sweep_file, "-o", tmp_path / "c.tif"))
    assert "'probability'" in message and "'mean'" in message and "--variable" in message
    ok = run_minerisk("diff", runs[0], f'NETCDF:"{sweep_file}":mean', "-o", tmp_path / "c.tif", "--json", "-q")
    assert ok.returncode == 0, ok.stderr


def test_hectares_do_not_depend_on_the_tile_size(runs, tmp_path):
    reports = [json.loads(diff(runs[0], runs[1], tmp_path / f"t{size}.tif", "--json", "-q", "--tile-size", size).stdout)
               for size in (64, 100, 512)]
    for key in ("rose_cells", "fell_cells", "unchanged_cells", "rose_ha", "fell_ha", "unchanged_ha", "largest_rise"):
        assert reports[0][key] == reports[1][key] == reports[2][key], key
