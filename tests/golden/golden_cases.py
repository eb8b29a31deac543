"""Golden cases: run minerisk on deterministic fixtures and digest every output.

    import golden_cases
    digests = golden_cases.run_cases("/path/to/minerisk", "/tmp/scratch")   # {case: {entry: value}}

Each case is a function of a Context (the program, a scratch folder, fixtures made once) that
returns {entry: value}, every value a string:

- numeric arrays: SHA-256 (hex) of the array's raw bytes as stored, C order (numpy .tobytes()),
  under "NAME:DTYPE:SHAPE", e.g. "probability:float32:600x600". HDF5/netCDF outputs give every
  numeric dataset, recursively (evidence/*, x, y, crs, the sweep's series and stack); GeoTIFFs
  their band (read by GDAL as float32); PNG pictures their decoded pixels (uint8).
- small numbers: their exact repr() (Python floats round-trip exactly), e.g. HDF5 numeric
  attributes ("probability@valid_range"), GeoTIFF geotransform and no-data, and the numeric
  leaves of the JSON that fit --report, evaluate and explain --json write ("json:PATH").
- text outputs (fit --design CSV, the fitted scenario, explain's table): SHA-256 of the text,
  with what depends on when and where it ran (comment lines with the date, the scratch folder)
  taken out first.

Not digested, because they depend on the time or the folder: string attributes of HDF5 files
(history, date_created, inputs, scenario, ...; only crs@GeoTransform is kept), the "grid" and
"truth" paths of evaluate's report. Nothing else is left out.

A case is named after what it exercises, so that a deliberate change of one feature changes the
digests of the cases using it and no other.
"""
import hashlib
import json
import os
import pathlib
import subprocess
import sys

import h5py
import numpy as np
from osgeo import gdal, ogr, osr

gdal.UseExceptions()
ogr.UseExceptions()

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATASETS = ROOT / "datasets"
if str(DATASETS) not in sys.path:
    sys.path.insert(0, str(DATASETS))

import generate_sample  # noqa: E402

FIXTURE = dict(seed=3, size=600, cell=10.0)  # as tests/python/conftest.py's `region`


# --------------------------------------------------------------------------------------------
# Digests


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def array_key(name, array):
    return f"{name}:{array.dtype.name}:{'x'.join(map(str, array.shape)) or 'scalar'}"


def array_digest(array):
    return sha256(np.ascontiguousarray(array).tobytes())


def exact(value):
    """The exact text of a number or a small array of numbers."""
    if isinstance(value, np.ndarray):
        return repr(value.tolist())
    if isinstance(value, np.generic):
        return repr(value.item())
    return repr(value)


def hdf5_digests(path):
    """Every numeric dataset of an HDF5 (netCDF-4) file, and its numeric attributes."""
    out = {}

    def attributes(name, obj):
        for key, value in obj.attrs.items():
            if key in ("DIMENSION_LIST", "REFERENCE_LIST"):  # object references, not values
                continue
            if isinstance(value, (bytes, str)) or (isinstance(value, np.ndarray) and value.dtype.kind in "SUO"):
                if name == "crs" and key == "GeoTransform":  # the grid itself; no time or path in it
                    out[f"{name}@{key}"] = value.decode() if isinstance(value, bytes) else str(value)
                continue
            out[f"{name or '/'}@{key}"] = exact(value)

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            if obj.dtype.kind not in "biufc":
                return
            array = obj[()]
            array = np.asarray(array)
            out[array_key(name, array)] = array_digest(array)
        attributes(name, obj)

    with h5py.File(path, "r") as f:
        attributes("", f)
        f.visititems(visit)
    return out


def tiff_digests(path, name="band1"):
    ds = gdal.Open(str(path))
    out = {}
    for b in range(1, ds.RasterCount + 1):
        band = ds.GetRasterBand(b)
        array = band.ReadAsArray().astype(np.float32, copy=False)
        label = name if ds.RasterCount == 1 else f"{name}{b}"
        out[array_key(label, array)] = array_digest(array)
        out[f"{label}@nodata"] = exact(band.GetNoDataValue())
    out[f"{name}@geotransform"] = exact(tuple(ds.GetGeoTransform()))
    srs = ds.GetSpatialRef()
    out[f"{name}@srs"] = f"{srs.GetAuthorityName(None)}:{srs.GetAuthorityCode(None)}" if srs else "none"
    out[f"{name}@size"] = f"{ds.RasterXSize}x{ds.RasterYSize}"
    return out


def png_digests(path, name="picture"):
    array = gdal.Open(str(path)).ReadAsArray()
    return {array_key(name, array): array_digest(array)}


def json_values(obj, prefix="json", skip=()):
    """The leaves of a JSON document, exactly: numbers by repr, strings as they are."""
    out = {}

    def walk(value, key):
        if isinstance(value, dict):
            for k, v in value.items():
                if k not in skip:
                    walk(v, f"{key}.{k}")
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, f"{key}[{i}]")
        else:
            out[key] = value if isinstance(value, str) else repr(value)

    walk(obj, prefix)
    return out


def text_digest(text, scratch):
    """SHA-256 of a text output with comment lines and the scratch folder taken out."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    return sha256("\n".join(lines).replace(str(scratch), "<SCRATCH>").encode())


def prefixed(prefix, digests):
    return {f"{prefix}/{k}": v for k, v in digests.items()}


# --------------------------------------------------------------------------------------------
# Context: the program, the scratch folder, fixtures made once


class MineriskError(RuntimeError):
    pass


class Context:
    def __init__(self, binary, scratch):
        self.binary = str(binary)
        self.scratch = pathlib.Path(scratch).resolve()
        self.scratch.mkdir(parents=True, exist_ok=True)
        self._memo = {}

    def memo(self, key, make):
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    def folder(self, name):
        path = self.scratch / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def mr(self, *args, timeout=600):
        """Runs minerisk; returns its stdout; raises with its stderr on a non-zero exit."""
        argv = [self.binary, *map(str, args)]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        if r.returncode != 0:
            raise MineriskError(f"{' '.join(argv)}\nexit {r.returncode}\n{r.stderr}")
        return r.stdout

    # Fixtures -------------------------------------------------------------------------------

    @property
    def region(self):
        """generate_sample's region (seed 3, 600 x 600 cells of 10 m), as tests/python use."""
        def make():
            out = self.folder("region")
            generate_sample.generate(str(out), **FIXTURE)
            return out
        return self.memo("region", make)

    @property
    def sample_region(self):
        """The realistic sample region of scripts/demo: generate_region.py --preset sample --seed 7."""
        def make():
            out = self.scratch / "sample_region"
            subprocess.run([sys.executable, str(DATASETS / "generate_region.py"), "--preset", "sample", "--seed", "7",
                            "--out", str(out), "--quiet"], check=True, capture_output=True, timeout=600)
            return out
        return self.memo("sample_region", make)

    def dem_raster(self, name, array, geotransform, dtype=gdal.GDT_Float32, nodata=None):
        """A GeoTIFF in the region's CRS, in the region's folder."""
        path = self.region / name
        ds = gdal.GetDriverByName("GTiff").Create(str(path), array.shape[1], array.shape[0], 1, dtype)
        ds.SetGeoTransform(geotransform)
        s = osr.SpatialReference()
        s.ImportFromEPSG(generate_sample.EPSG)
        ds.SetProjection(s.ExportToWkt())
        band = ds.GetRasterBand(1)
        if nodata is not None:
            band.SetNoDataValue(nodata)
        band.WriteArray(array)
        ds = None
        return path

    @property
    def region_geotransform(self):
        return gdal.Open(str(self.region / "dem.tif")).GetGeoTransform()

    @property
    def mask(self):
        """A raster mask on the region's grid: sparse features of value 1, a line of value 2, a 3."""
        def make():
            rng = np.random.default_rng(11)
            shape = (FIXTURE["size"], FIXTURE["size"])
            mask = (rng.random(shape) < 0.002).astype(np.uint8)
            mask[shape[0] // 2, : shape[1] // 3] = 2
            mask[100:110, 400:420] = 3
            return self.dem_raster("mask.tif", mask, self.region_geotransform, dtype=gdal.GDT_Byte)
        return self.memo("mask", make)

    @property
    def mask_nonsquare(self):
        """A smaller mask with 10 x 25 m cells."""
        def make():
            rng = np.random.default_rng(12)
            mask = (rng.random((211, 307)) < 0.003).astype(np.uint8)
            mask[150, 40:200] = 2
            return self.dem_raster("mask_nonsquare.tif", mask, (640000.0, 10.0, 0.0, 4420000.0, 0.0, -25.0),
                                   dtype=gdal.GDT_Byte)
        return self.memo("mask_nonsquare", make)

    @property
    def counts(self):
        """A raster of item counts per cell on the region's grid."""
        def make():
            rng = np.random.default_rng(13)
            shape = (FIXTURE["size"], FIXTURE["size"])
            counts = ((rng.random(shape) < 0.005) * rng.integers(1, 5, shape)).astype(np.float32)
            return self.dem_raster("counts.tif", counts, self.region_geotransform)
        return self.memo("counts", make)

    @property
    def classes(self):
        """A categorical raster (land-cover-like classes 1 to 5) on a coarser 30 m grid, offset."""
        def make():
            rng = np.random.default_rng(14)
            n = 205
            base = rng.integers(1, 6, (n // 5 + 1, n // 5 + 1)).astype(np.uint8)
            classes = np.kron(base, np.ones((5, 5), np.uint8))[:n, :n]
            return self.dem_raster("classes.tif", classes, (639985.0, 30.0, 0.0, 4420015.0, 0.0, -30.0),
                                   dtype=gdal.GDT_Byte, nodata=255)
        return self.memo("classes", make)

    @property
    def dem_coarse(self):
        """The DEM averaged to 30 m cells: a continuous raster on another grid (bilinear warp)."""
        def make():
            dem = gdal.Open(str(self.region / "dem.tif")).ReadAsArray().astype(np.float64)
            dem[dem == -9999] = np.nan
            coarse = dem.reshape(200, 3, 200, 3).mean(axis=(1, 3))
            coarse = np.where(np.isnan(coarse), -9999, coarse).astype(np.float32)
            return self.dem_raster("dem_coarse.tif", coarse, (640000.0, 30.0, 0.0, 4420000.0, 0.0, -30.0),
                                   nodata=-9999)
        return self.memo("dem_coarse", make)

    @property
    def labels(self):
        """A label raster on the region's grid: 1 positive, 0 negative, -1 unknown."""
        def make():
            rng = np.random.default_rng(9)
            shape = (FIXTURE["size"], FIXTURE["size"])
            labels = np.where(rng.random(shape) < 0.02, 1.0, 0.0).astype(np.float32)
            labels[rng.random(shape) < 0.3] = -1.0
            return self.dem_raster("labels.tif", labels, self.region_geotransform)
        return self.memo("labels", make)

    @property
    def zones(self):
        """Four zones (quadrants) on the region's grid, for fit --zones."""
        def make():
            n = FIXTURE["size"]
            rows, cols = np.mgrid[0:n, 0:n]
            zones = (1 + (rows >= n // 2) * 2 + (cols >= n // 2)).astype(np.float32)
            return self.dem_raster("zones.tif", zones, self.region_geotransform)
        return self.memo("zones", make)

    def scenario(self, name, text):
        path = self.folder("scenarios") / name
        path.write_text(text)
        return path

    # Shared runs (used by several cases) -----------------------------------------------------

    def run(self, key, scenario, *options):
        """minerisk run, once per key; returns the output path."""
        def make():
            out = self.folder("runs") / f"{key}.h5"
            self.mr("run", scenario, "-o", out, "-q", *options)
            return out
        return self.memo(("run", key), make)

    def fit(self, key, scenario, *options):
        """minerisk fit --report, once per key; returns (fitted.toml, report.json, design.csv or None)."""
        def make():
            folder = self.folder(f"fits/{key}")
            fitted, report = folder / "fitted.toml", folder / "fit.json"
            self.mr("fit", scenario, "-o", fitted, "--report", report, "-q", *options)
            design = folder / "design.csv" if "--design" in options else None
            return fitted, report, design
        return self.memo(("fit", key), make)


# --------------------------------------------------------------------------------------------
# Scenarios


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


def run_outputs(path):
    """A run's HDF5 file and its quick-look picture."""
    out = hdf5_digests(path)
    picture = pathlib.Path(path).with_suffix(".png")
    if picture.exists():
        out.update(png_digests(picture, "quicklook"))
    return out


# --------------------------------------------------------------------------------------------
# Cases

CASES = {}


def case(name):
    def register(fn):
        assert name not in CASES, name
        CASES[name] = fn
        return fn
    return register


# run ------------------------------------------------------------------------------------------


@case("run_fixture_scenario")
def _(ctx):
    """generate_sample's own scenario.toml (relative paths), default tile size."""
    return run_outputs(ctx.run("fixture", ctx.region / "scenario.toml"))


@case("run_conftest_scenario")
def _(ctx):
    """conftest's scenario_text: slope, front lines exp_decay, finds log1p, records, cleared."""
    return run_outputs(ctx.run("conftest", conftest_scenario_file(ctx)))


@case("run_conftest_scenario_tile100_threads1")
def _(ctx):
    """The same at tile size 100 on one thread, no picture (must equal the default's arrays)."""
    return hdf5_digests(ctx.run("conftest_t100", conftest_scenario_file(ctx), "--tile-size", "100", "--threads", "1",
                                "--no-picture"))


@case("run_all_features_default_tile")
def _(ctx):
    return run_outputs(ctx.run("all_features", all_features_scenario(ctx)))


@case("run_all_features_tile128")
def _(ctx):
    return run_outputs(ctx.run("all_features_t128", all_features_scenario(ctx), "--tile-size", "128"))


@case("run_utm_grid_resampled")
def _(ctx):
    """A [grid] of 15 m cells inside the DEM's extent: the DEM warped bilinearly, vectors on it."""
    grid = '[grid]\ncrs = "EPSG:32638"\nresolution = [15, 12]\nbounds = [640505, 4414300, 645500, 4419700]\n'
    s = ctx.scenario("utm_grid.toml", conftest_scenario(ctx.region, grid=grid))
    return run_outputs(ctx.run("utm_grid", s, "--tile-size", "200"))


@case("run_geographic_grid")
def _(ctx):
    """An EPSG:4326 target grid (0.0001 degree cells): the UTM DEM and layers onto degrees,
    distances in metres by the ellipsoid's scale."""
    grid = '[grid]\ncrs = "EPSG:4326"\nresolution = 0.0001\nbounds = [46.640, 39.866, 46.705, 39.916]\n'
    s = ctx.scenario("geographic_grid.toml", conftest_scenario(ctx.region, grid=grid))
    return run_outputs(ctx.run("geographic_grid", s))


@case("run_geographic_dem_onto_utm_grid")
def _(ctx):
    """As tests/python/test_reprojection.py: the DEM warped to EPSG:4326 (by GDAL, in Python),
    run on the original UTM grid."""
    region = ctx.region
    dem_geo = region / "dem_4326.tif"
    if not dem_geo.exists():
        gdal.Warp(str(dem_geo), str(region / "dem.tif"), dstSRS="EPSG:4326", resampleAlg="bilinear",
                  xRes=0.0001, yRes=0.0001, dstNodata=-9999)
    gt = ctx.region_geotransform
    n = FIXTURE["size"]
    grid = (f'[grid]\ncrs = "EPSG:32638"\nresolution = 10\n'
            f'bounds = [{gt[0]}, {gt[3] + gt[5] * n}, {gt[0] + gt[1] * n}, {gt[3]}]\n')
    s = ctx.scenario("geographic_dem.toml", conftest_scenario(region, grid=grid, dem=dem_geo))
    return run_outputs(ctx.run("geographic_dem", s))


@case("run_fitted_scenario")
def _(ctx):
    """The scenario written by the block cross-validated fit, run as it is."""
    fitted, _, _ = fit_block_cv(ctx)
    return run_outputs(ctx.run("fitted", fitted))


@case("sample_region_seed7_run")
def _(ctx):
    """scripts/demo: generate_region.py --preset sample --seed 7, then run its scenario.toml."""
    return run_outputs(ctx.run("sample_region", ctx.sample_region / "scenario.toml"))


@case("sample_region_seed7_fit_run_evaluate")
def _(ctx):
    """README's table: fit (block 2000, background 5), run the fitted scenario, evaluate against
    the truth's devices."""
    region = ctx.sample_region
    fitted, report, _ = ctx.fit("sample_region", region / "scenario.toml", "--block-size", "2000",
                                "--background-ratio", "5")
    out = json_values(json.loads(report.read_text()), "fit_report")
    out["fitted_toml:sha256"] = text_digest(fitted.read_text(), ctx.scratch)
    grid = ctx.run("sample_region_fitted", fitted)
    out.update(prefixed("fitted_run", hdf5_digests(grid)))
    out.update(evaluate(ctx, grid, "sample_region_devices", "--truth", region / "truth.gpkg", "--layer", "devices"))
    return out


# sweep ----------------------------------------------------------------------------------------


def sweep(ctx, name, body, *options, base=None):
    folder = ctx.folder(f"sweeps/{name}")
    base = base or ctx.region / "scenario.toml"
    path = folder / "sweep.toml"
    path.write_text(f'base = "{base}"\n' + body)
    out = folder / "sweep.h5"
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
    out["fitted_toml:sha256"] = text_digest(fitted.read_text(), ctx.scratch)
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


# evaluate -------------------------------------------------------------------------------------


def evaluate(ctx, grid, name, *options):
    folder = ctx.folder(f"evaluations/{name}")
    report, picture = folder / "evaluation.json", folder / "capture.png"
    ctx.mr("evaluate", grid, *options, "-o", report, "--picture", picture)
    out = json_values(json.loads(report.read_text()), "evaluation", skip=("grid", "truth"))
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


# --------------------------------------------------------------------------------------------


def run_case(ctx, name):
    return dict(sorted(CASES[name](ctx).items()))


def run_cases(binary, scratch, names=None, progress=None):
    """Runs the named cases (default: all) with this minerisk; returns {case: {entry: value}}."""
    ctx = Context(binary, scratch)
    result = {}
    for name in names or sorted(CASES):
        if progress:
            progress(name)
        result[name] = run_case(ctx, name)
    return result
