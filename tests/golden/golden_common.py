"""Shared by the golden cases: output digests, the Context (program, scratch folder, fixtures) and the case registry."""
import hashlib
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


def fitted_toml_values(text, scratch):
    """The fitted scenario's values (numbers by repr, strings with the scratch folder taken out),
    so that its weights are compared to the fit's tolerance (test_golden.FIT_TOLERANCE)."""
    import tomllib
    return json_values(tomllib.loads(text.replace(str(scratch), "<SCRATCH>")), "fitted_toml")


def rounded_weights(text, digits=9):
    """The fitted scenario with its weights and intercept to `digits` significant digits: a fit
    agrees across machines to ~1e-12, so a run of its weights is pinned bit for bit only once
    they are rounded."""
    import re
    return re.sub(r"^(\s*(?:weight|intercept)\s*=\s*)(\S+)\s*$",
                  lambda m: f"{m.group(1)}{float(m.group(2)):.{digits}g}", text, flags=re.M)


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
            out = self.folder("runs") / f"{key}.nc"
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


def run_file_digests(path):
    """A run's grid file, and its evidence file beside it under `evidence/` (the names they had
    when the layers were a group of the grid file)."""
    path = pathlib.Path(path)
    out = hdf5_digests(path)
    evidence = path.with_name(path.stem + "_evidence" + path.suffix)
    out.update({k: v for k, v in prefixed("evidence", hdf5_digests(evidence)).items() if "evidence/@" not in k
                and not k.startswith("evidence//")})
    return out


def run_outputs(path):
    """A run's netCDF files and its quick-look picture."""
    out = run_file_digests(path)
    picture = pathlib.Path(path).with_suffix(".png")
    if picture.exists():
        out.update(png_digests(picture, "quicklook"))
    return out


# --------------------------------------------------------------------------------------------
# Case registry: {name: function of a Context returning {entry: value}}

CASES = {}


def case(name):
    def register(fn):
        assert name not in CASES, name
        CASES[name] = fn
        return fn
    return register
