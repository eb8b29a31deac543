"""The output file opens georeferenced in GDAL, ncdump and xarray, and carries its provenance."""
import hashlib
import json
import subprocess

import h5py
import numpy as np
import pytest
import xarray as xr
from osgeo import gdal, osr

from conftest import run_minerisk, evidence_of, EVIDENCE_STEP, unpacked

gdal.UseExceptions()


@pytest.fixture(scope="module")
def output(region, tmp_path_factory):
    out = tmp_path_factory.mktemp("output") / "grid.nc"
    result = run_minerisk("run", region / "scenario.toml", "-o", out, "--tile-size", "256")
    assert result.returncode == 0, result.stderr
    return out


def test_gdal_reports_the_dems_crs_and_geotransform(region, output):
    info = json.loads(subprocess.run(["gdalinfo", "-json", f"NETCDF:{output}:probability"], capture_output=True,
                                     text=True, check=True).stdout)
    dem = gdal.Open(str(region / "dem.tif"))
    assert info["size"] == [dem.RasterXSize, dem.RasterYSize]
    assert np.allclose(info["geoTransform"], dem.GetGeoTransform(), rtol=0, atol=1e-6)
    got = osr.SpatialReference(wkt=info["coordinateSystem"]["wkt"])
    assert got.IsSame(dem.GetSpatialRef()), info["coordinateSystem"]["wkt"]


def test_gdal_reads_the_same_values_as_hdf5(output):
    with h5py.File(output, "r") as f:
        stored = f["probability"][:]
    read = gdal.Open(f"NETCDF:{output}:probability").ReadAsArray()
    assert np.array_equal(np.isnan(read), np.isnan(stored))
    assert np.array_equal(read[~np.isnan(read)], stored[~np.isnan(stored)])


def test_ncdump_lists_the_variables(output):
    header = subprocess.run(["ncdump", "-h", str(output)], capture_output=True, text=True, check=True).stdout
    for declaration in ("double x(x)", "double y(y)", "int crs", "float probability(y, x)",
                        'grid_mapping = "crs"', ":Conventions = \"CF-1.8\"", ':evidence_file = "grid_evidence.nc"'):
        assert declaration in header, declaration
    evidence = subprocess.run(["ncdump", "-h", str(evidence_of(output))], capture_output=True, text=True,
                              check=True).stdout
    # Packed by default (--evidence packed): int16 with CF's scale_factor.
    for declaration in ("double x(x)", "double y(y)", "int crs", "short slope(y, x)", "short clearance(y, x)",
                        "slope:scale_factor = 0.001f", 'coordinates = "crs"'):
        assert declaration in evidence, declaration


def test_xarray_gives_probability_on_x_and_y(region, output):
    ds = xr.open_dataset(output)
    p = ds["probability"]
    assert p.dims == ("y", "x")
    dem = gdal.Open(str(region / "dem.tif"))
    gt = dem.GetGeoTransform()
    assert np.allclose(ds["x"].values, gt[0] + (np.arange(dem.RasterXSize) + 0.5) * gt[1])
    assert np.allclose(ds["y"].values, gt[3] + (np.arange(dem.RasterYSize) + 0.5) * gt[5])
    assert ds["crs"].attrs["grid_mapping_name"] == "transverse_mercator"
    assert "UTM zone 38N" in ds["crs"].attrs["crs_wkt"]
    assert ds["x"].attrs["units"] == "m" and ds["x"].attrs["standard_name"] == "projection_x_coordinate"
    values = p.values
    finite = values[np.isfinite(values)]
    assert finite.size > 0.9 * values.size
    assert finite.min() >= 0 and finite.max() <= 1
    # The DEM's no-data corner is no-data in the output (xarray decodes the fill value).
    assert np.isnan(values[0, 0])
    ev = xr.open_dataset(evidence_of(output))
    assert set(ev.data_vars) == {"slope", "front_lines", "finds", "records", "clearance"}


def test_evidence_adds_up_to_the_log_odds(output):
    with h5py.File(output, "r") as f, h5py.File(evidence_of(output), "r") as e:
        p = f["probability"][:].astype(np.float64)
        layers = [k for k in e if e[k].ndim == 2]
        total = sum(unpacked(e[k]) for k in layers)
    intercept = -5.0
    ok = np.isfinite(p) & (p > 1e-6) & (p < 1 - 1e-6) & np.isfinite(total)
    logit = np.log(p[ok] / (1 - p[ok]))
    # Each packed layer is within half a step of its computed value.
    assert np.allclose(logit, intercept + total[ok], rtol=0, atol=2e-4 + len(layers) * EVIDENCE_STEP / 2)


def test_provenance_travels_in_the_file(region, output):
    with h5py.File(output, "r") as f:
        attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}
        assert f["probability"].chunks == (256, 256)
        assert f["probability"].compression == "gzip"
    for key in ("Conventions", "title", "history", "minerisk_version", "scenario", "inputs", "date_created"):
        assert key in attrs, key
    assert attrs["date_created"].endswith("Z")
    assert "[model.evidence.finds]" in attrs["scenario"]
    inputs = json.loads(attrs["inputs"])
    roles = {i["role"] for i in inputs}
    assert {"scenario", "terrain.dem", "front_lines", "finds", "cleared", "records"} <= roles
    for item in inputs:
        data = open(item["path"], "rb").read()
        assert item["size"] == len(data)
        assert item["sha256"] == hashlib.sha256(data).hexdigest()


def test_quicklook_picture_is_written_beside_the_grid(output):
    picture = output.with_suffix(".png")
    ds = gdal.Open(str(picture))
    assert ds.GetDriver().ShortName == "PNG"
    assert ds.RasterCount == 3
    assert ds.RasterXSize > 600 and ds.RasterYSize > 600  # the map plus its colour bar and legend
    rgb = np.stack([ds.GetRasterBand(i + 1).ReadAsArray() for i in range(3)])
    assert len(np.unique(rgb.reshape(3, -1), axis=1).T) > 50  # a real picture, not a blank


def test_a_long_title_stays_above_the_quicklook(region, tmp_path, write_scenario):
    """A title wider than the picture wrapped, its second line drawn over the map and the
    legend's heading. It is set on one line: below the title band the pictures are the same."""
    from conftest import scenario_text
    text = scenario_text(region)
    pictures = []
    for name, title in (("short", "A"), ("long", "Eastern sector, survey of the former line of contact " * 3)):
        scenario = write_scenario(text.replace('title = "test scenario"', f'title = "{title}"'), name=f"{name}.toml")
        assert run_minerisk("run", scenario, "-o", tmp_path / f"{name}.nc", "-q").returncode == 0
        ds = gdal.Open(str(tmp_path / f"{name}.png"))
        pictures.append(np.stack([ds.GetRasterBand(i + 1).ReadAsArray() for i in range(3)]))
    top = 16 + 11 * 2.6  # the picture's margin and title band (quicklook.cpp)
    assert np.array_equal(pictures[0][:, int(top):, :], pictures[1][:, int(top):, :])


def test_slope_evidence_matches_gdaldem(region, tmp_path):
    """The slope layer against gdaldem -compute_edges, edges and the no-data corner included,
    as computed (float32 evidence)."""
    output = tmp_path / "exact.nc"
    result = run_minerisk("run", region / "scenario.toml", "-o", output, "--evidence", "float32", "-q")
    assert result.returncode == 0, result.stderr
    slope_tif = tmp_path / "slope.tif"
    subprocess.run(["gdaldem", "slope", "-compute_edges", "-q", str(region / "dem.tif"), str(slope_tif)], check=True)
    peer_ds = gdal.Open(str(slope_tif))
    peer = peer_ds.ReadAsArray().astype(np.float64)
    peer[peer == peer_ds.GetRasterBand(1).GetNoDataValue()] = np.nan
    with h5py.File(evidence_of(output), "r") as f:
        ours = f["slope"][:].astype(np.float64) / -0.04
    assert np.array_equal(np.isnan(ours), np.isnan(peer))
    assert np.nanmax(np.abs(ours - peer)) < 1e-3
