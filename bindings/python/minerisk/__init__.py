"""minerisk: probability of contamination by mines and unexploded ordnance, at C++ speed.

The kernels work on numpy arrays (float32, C-contiguous arrays are used without a copy; other
dtypes or layouts are converted once) and release the GIL while they run, so several can run in
Python threads at once. The model runs scenarios given as a TOML file or a dict, and returns
numpy arrays or an xarray.Dataset. The raster tools of the command line run file to file from
minerisk.tools. Errors a user can fix raise minerisk.Error (a ValueError) with the same one-line
message as the command line.

    import minerisk
    ds = minerisk.Scenario.load("out/sample/scenario.toml").run().to_xarray()
    ds.rio.crs, ds.rio.transform()      # with rioxarray installed
"""
from __future__ import annotations

import numbers
import os
from typing import Any, Mapping

import numpy as np

import _minerisk
from _minerisk import Busy, Error, __version__

from . import tools
from ._arguments import checked
from ._areas import areas
from ._paths import _path
from ._map import map  # noqa: A004

__all__ = ["Busy", "Error", "__version__", "areas", "map", "Scenario", "Result", "open", "terrain", "slope", "aspect",
           "ruggedness", "hillshade", "distance_transform", "line_distance", "point_density", "focal", "evaluate",
           "explain", "sweep", "report", "tools"]


# The array kernels, with an argument of the wrong type named (not pybind11's whole signature).
terrain, hillshade, distance_transform, line_distance, point_density, focal = (
    checked(getattr(_minerisk, name))
    for name in ("terrain", "hillshade", "distance_transform", "line_distance", "point_density", "focal"))
# The engine's calls behind Scenario and the module's functions, likewise.
_run, _update, _fit = checked(_minerisk.run), checked(_minerisk.update), checked(_minerisk.fit)
_evaluate, _explain = checked(_minerisk.evaluate), checked(_minerisk.explain)
_sweep, _report = checked(_minerisk.sweep), checked(_minerisk.report)
_resolve_scenario = checked(_minerisk.resolve_scenario)  # a NUL in a dict's text refused by name


def slope(dem, *, percent: bool = False, **grid) -> np.ndarray:
    """Slope by Horn's method in degrees (or percent), as gdaldem slope. See terrain()."""
    if not isinstance(percent, (bool, np.bool_)):  # "no" would be true
        raise TypeError(f"slope(): percent: expected bool, got {type(percent).__name__} {percent!r}")
    return terrain(dem, "slope_percent" if percent else "slope", **grid)


def aspect(dem, **grid) -> np.ndarray:
    """Aspect by Horn's method, degrees clockwise from north, NaN for flat cells. See terrain()."""
    return terrain(dem, "aspect", **grid)


def ruggedness(dem, **grid) -> np.ndarray:
    """Terrain ruggedness index (Riley), as gdaldem TRI. See terrain()."""
    return terrain(dem, "ruggedness", **grid)


class Result:
    """A computed grid: probability and each evidence layer's contribution in log-odds."""

    def __init__(self, values: Mapping[str, Any]):
        self.probability: np.ndarray = values["probability"]
        self.evidence: dict[str, np.ndarray] = dict(values["evidence"])
        self.geotransform: tuple = tuple(values["geotransform"])
        self.crs_wkt: str = values["crs_wkt"]
        self.geographic: bool = bool(values.get("geographic", False))  # x/y are longitude/latitude
        self.linear_unit: float = float(values.get("linear_unit", 1.0))  # metres per CRS unit (projected)
        self.title: str = values["title"]
        self.intercept: float = values["intercept"]

    def coordinates(self) -> tuple[np.ndarray, np.ndarray]:
        """Cell-centre x and y coordinates in the grid's CRS."""
        rows, cols = self.probability.shape
        g = self.geotransform
        return g[0] + (np.arange(cols) + 0.5) * g[1], g[3] + (np.arange(rows) + 0.5) * g[5]

    def to_xarray(self):
        """The result as an xarray.Dataset laid out as minerisk.open() reads an output file:
        probability and evidence_<layer> on (y, x), x and y with their CF attributes, and the
        grid mapping `crs` as a coordinate (crs_wkt, spatial_ref, GeoTransform and the CF
        parameters), so rioxarray's ds.rio.crs and ds.rio.transform() give the grid's (for the
        Dataset and each variable) when rioxarray is installed. Needs xarray."""
        import xarray as xr

        x, y = self.coordinates()
        coords = {"x": ("x", x, _axis_attributes("x", self.geographic, self.linear_unit)),
                  "y": ("y", y, _axis_attributes("y", self.geographic, self.linear_unit)),
                  "crs": ((), np.int32(0), _grid_mapping_attributes(self.crs_wkt, self.geotransform))}
        probability = "probability of contamination by mines or unexploded ordnance"
        variables = {"probability": (("y", "x"), self.probability, _gridded_attributes(probability))}
        for name, layer in self.evidence.items():
            variables[f"evidence_{name}"] = (("y", "x"), layer,
                                             _gridded_attributes(f"contribution of {name} to the log-odds"))
        ds = xr.Dataset(variables, coords=coords, attrs={"Conventions": "CF-1.8", "title": self.title})
        _register_rio()
        return ds


# The attributes minerisk's output file gives x, y, the crs variable and each gridded variable
# (engine/src/grid_file_writer.cpp), so an in-memory Result reads like the file.
def _axis_attributes(axis: str, geographic: bool, linear_unit: float) -> dict:
    if geographic:
        name, units = ("longitude", "degrees_east") if axis == "x" else ("latitude", "degrees_north")
        attrs = {"standard_name": name, "long_name": f"{name} of cell centre", "units": units}
    else:
        units = "m" if linear_unit == 1.0 else f"{linear_unit:f} m"
        attrs = {"standard_name": f"projection_{axis}_coordinate", "long_name": f"{axis} coordinate of cell centre",
                 "units": units}
    return {**attrs, "axis": axis.upper()}


def _grid_mapping_attributes(crs_wkt: str, geotransform: tuple) -> dict:
    """CF's grid-mapping attributes (by pyproj, when it is installed), then the grid's own WKT
    as crs_wkt and spatial_ref (what GDAL and rioxarray read first) and GDAL's GeoTransform,
    written as the file writes it (%.17g: exact)."""
    try:
        import pyproj
    except ImportError:
        cf = {}
    else:
        try:
            cf = pyproj.CRS.from_wkt(crs_wkt).to_cf()
        except pyproj.exceptions.CRSError:  # a CRS pyproj cannot read: the WKT says it all
            cf = {}
    cf.pop("crs_wkt", None)  # pyproj's WKT2; the grid's own text below is the one the engine wrote
    return {**cf, "long_name": "coordinate reference system", "crs_wkt": crs_wkt, "spatial_ref": crs_wkt,
            "GeoTransform": " ".join("%.17g" % v for v in geotransform)}


def _gridded_attributes(long_name: str) -> dict:
    return {"long_name": long_name, "units": "1", "grid_mapping": "crs"}


def _register_rio() -> None:
    """Importing rioxarray registers the .rio accessor on every Dataset; without it the
    datasets are the same, only .rio is missing."""
    try:
        import rioxarray  # noqa: F401
    except ImportError:
        pass


def _plain_copy(value):
    """A copy of a scenario's values as plain dicts and lists: any Mapping (a MappingProxyType,
    which deepcopy cannot copy) a dict, a tuple a list, a numpy array its own copy."""
    if isinstance(value, Mapping):
        return {key: _plain_copy(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain_copy(item) for item in value]
    return value.copy() if isinstance(value, np.ndarray) else value


class Scenario:
    """A scenario: a TOML file, or a dict in the same structure (relative paths are resolved
    against base_dir). It is validated when created, with the command line's messages. A file
    is read again by each call (run, update, fit, evaluate...), so an edit to it is taken, as
    the command line would take it; a relative path, and base_dir, are taken from the folder
    that was current when the Scenario was made, wherever the program goes after."""

    def __init__(self, source: str | os.PathLike | Mapping[str, Any], base_dir: str | os.PathLike = "."):
        self._source = dict(source) if isinstance(source, Mapping) else os.path.abspath(_path(source, "source"))
        self._base_dir = os.path.abspath(_path(base_dir, "base_dir"))
        _resolve_scenario(self._source, self._base_dir)  # validated now, with the file's message
        # Once validated (no deeper than 64 levels, no cycle), a plain copy: a later change to the
        # caller's nested tables ([model]) does not reach this scenario. Validated again as copied,
        # so that a mapping whose items() differ from its storage runs what was checked.
        if isinstance(source, Mapping):
            self._source = _plain_copy(self._source)
            _resolve_scenario(self._source, self._base_dir)

    @property
    def resolved_toml(self) -> str:
        """The scenario as it reads now: every path absolute, every default filled in."""
        return _resolve_scenario(self._source, self._base_dir)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Scenario":
        """A scenario from its TOML file."""
        return cls(path)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any], base_dir: str | os.PathLike = ".") -> "Scenario":
        """A scenario from a dict shaped like the TOML file."""
        if not isinstance(values, Mapping):
            raise TypeError(f"from_dict: expected a mapping shaped like the scenario file, not {type(values).__name__}")
        return cls(values, base_dir)

    def run(self, output: str | os.PathLike | None = None, *, threads: int = 0, tile_size: int = 512,
            picture: bool = True, overwrite: bool = False, evidence: str = "packed") -> "Result | str":
        """Computes the grid. Without output: a Result of numpy arrays. With output: writes the
        netCDF-4 file (and its quick-look PNG unless picture=False) and returns its path; as
        `minerisk run`, an output (or picture) that exists is refused (minerisk.Error) unless
        overwrite=True, and one that is an input always. evidence: how the evidence file stores
        the layers, as `minerisk run --evidence`: "packed" (int16, within 0.0005 log-odds),
        "float32" or "none"; without output it has no effect: the Result holds every layer, as
        float32 arrays in memory."""
        if output is not None:
            return _run(self._source, self._base_dir, _path(output, "output"), threads, tile_size, picture,
                                 overwrite, evidence)
        return Result(_run(self._source, self._base_dir, None, threads, tile_size, picture, overwrite,
                                    evidence))

    def update(self, output: str | os.PathLike, *, threads: int = 0, tile_size: int | None = None,
               picture: bool = True, evidence: str | None = None, keep: int = 0, wait: bool = False,
               overwrite: bool = False) -> dict:
        """Updates `output` as `minerisk update` does: only the tiles whose inputs changed since
        it was written are computed, the others copied as stored, and the files committed are
        bit for bit those of run on the new inputs. Without the output, every tile is computed.
        tile_size and evidence: as the previous output's unless given (then 512 and "packed").
        keep: previous grids kept under dated names; wait: wait for another update of the same
        output instead of raising minerisk.Busy; overwrite: replace a file that holds no record
        of its tiles. Returns the summary (probability_digest, tiles_recomputed, tiles_copied,
        tiles_from_journal, full_reason, tiles_by_input, files_changed, kept, seconds)."""
        return _update(self._source, self._base_dir, _path(output, "output"), threads, tile_size, picture,
                                overwrite, evidence, keep, wait)

    def fit(self, *, threads: int = 0, **options) -> dict:
        """Fits the weights (options as [fit]: labels, zones, background_ratio, l2, block_size, knots,
        folds, seed, repeats). Returns the coefficient table, cross-validation, weights of evidence,
        fitted_toml: the scenario with the fitted weights, and model_toml: the portable model
        file `minerisk fit --model` writes (for `minerisk run SCENARIO --model MODEL.toml`).
        Writes no file (write them where you like)."""
        return _fit(self._source, self._base_dir, options, threads)


def evaluate(grid: str | os.PathLike, truth: str | os.PathLike, *, layer: str = "", count_field: str = "",
             variable: str = "", where: str = "") -> dict:
    """Scores a grid against the truth: ROC-AUC, PR-AUC, capture curve, false alarms, as the
    report of `minerisk evaluate` (written nowhere: it is returned). The grid is an output of
    run or sweep, or any raster GDAL reads; `variable` picks one of a file of several (a
    sweep's "p95"; default probability, or a sweep's mean), as --variable; `where` keeps only
    the true items an OGR filter selects, as --where."""
    return _evaluate(_path(grid, "grid"), _path(truth, "truth"), layer, count_field, variable, where)


def explain(grid: str | os.PathLike, x: float, y: float, *, crs: str = "", variable: str = "") -> dict:
    """Why a cell of a run's output scores what it does: the intercept, each layer's log-odds
    contribution at the point (x, y) and its rank in the region, as `minerisk explain --json`.
    `crs` names the point's CRS when it is not the grid's (e.g. "EPSG:4326"); `variable` picks
    one of a file of several (a sweep's "p95"; default probability, or a sweep's mean)."""
    return _explain(_path(grid, "grid"), _coordinate("x", x), _coordinate("y", y), crs, variable)


def _coordinate(name: str, value) -> float:
    # A number, not text: float("650000") took a string (and "abc" was a ValueError), as
    # numbers_of in the C++ module refuses one. A number of numpy's or xarray's (ds.x[60], a 0-d
    # array) is one too.
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, (str, bytes)) and np.ndim(value) == 0 and np.asarray(value).dtype.kind in "iuf":
        return float(value)
    raise TypeError(f"{name}: expected a number, got {type(value).__name__}")


def sweep(sweep_file: str | os.PathLike, output: str | os.PathLike, *, threads: int = 0, tile_size: int = 512,
          overwrite: bool = False):
    """Runs a sweep file (a base scenario, parameter axes, Monte Carlo uncertainty; see the
    README), writes its output (refused if it exists, unless overwrite=True, as `minerisk
    sweep`) and returns it opened by minerisk.open(): per-cell mean, sd, percentiles and
    exceedance, and the per-scenario table along `scenario`."""
    path = _sweep(_path(sweep_file, "sweep_file"), _path(output, "output"), threads, tile_size, overwrite)
    return open(path)


def report(grid: str | os.PathLike, output: str | os.PathLike, *, areas: str | os.PathLike | None = None,
           evaluation: str | os.PathLike | None = None, title: str = "", variable: str = "", threads: int = 0,
           overwrite: bool = False) -> dict:
    """Writes the HTML report of a grid, as `minerisk report`: one self-contained page (no network
    needed; readable on a phone, printable) with the map, the ranked hazard areas of `areas` (the
    GeoPackage of minerisk.areas or `minerisk areas`), the model and its contribution curves, the
    validation of `evaluation` (the JSON of `minerisk evaluate`), a sweep's uncertainty, an
    update's changes and the provenance. Refused if `output` exists, unless overwrite=True.
    Returns the file written, the number of areas and the sections present."""
    return _report(_path(grid, "grid"), _path(output, "output"), None if areas is None else _path(areas, "areas"),
                            None if evaluation is None else _path(evaluation, "evaluation"), title, variable, threads,
                            overwrite)


def _open_grid_file(xr, path, role):
    """xarray's dataset of a netCDF file, or minerisk.Error in one line (as the command line
    says it), never xarray's page of backends or netCDF's bare error code."""
    if not os.path.exists(path):
        raise Error(f"{role}: file '{path}' not found; check the path")
    if not os.path.isfile(path):
        raise Error(f"{role}: '{path}' is not a file; give an output of 'minerisk run' or 'sweep'")
    try:
        # Through h5py, not the netCDF library: that library is not thread-safe, and GDAL's
        # netCDF driver (evaluate, explain and the others, on other Python threads while they
        # hold no GIL) calls it under its own lock, not xarray's; the two together crashed.
        # HDF5 itself is built thread-safe, and the files are netCDF-4, that is HDF5.
        return xr.open_dataset(path, engine="h5netcdf")
    except (OSError, ValueError) as error:
        why = (str(error).splitlines() or [type(error).__name__])[0]  # an OSError() has no message
        raise Error(f"{role}: '{path}' cannot be read as a grid ({why}); give an output of 'minerisk run' or "
                    "'sweep' (netCDF-4)") from None


def open(path: str | os.PathLike):  # noqa: A001 - the conventional name, as xarray.open_dataset
    """An output of `minerisk run` or `minerisk sweep` as an xarray.Dataset (lazily read). A
    run's: probability and its evidence layers (from OUT_evidence.nc beside it, as
    evidence_<name>); a sweep's: mean, sd, p05, p50, p95, probability_above_* and the
    per-scenario variables. With x/y coordinates and the grid mapping `crs` as a coordinate, so
    rioxarray's ds.rio.crs and ds.rio.transform() give the grid's (for the Dataset and each
    variable)."""
    import xarray as xr

    path = _path(path, "path")
    ds = _open_grid_file(xr, path, "grid")
    if "crs" in ds.data_vars:  # a file whose variables do not name crs in `coordinates`
        ds = ds.set_coords("crs")
    # A netCDF file of another program opens in xarray, but without a grid mapping and x/y there
    # is no georeferenced grid to give (rio.crs would be None), as explain and map refuse it too.
    if "crs" not in ds.coords or "x" not in ds.dims or "y" not in ds.dims:
        ds.close()
        raise Error(f"grid: '{path}' is not a grid of minerisk (it has no crs grid mapping and x/y coordinates); "
                    "open it with xarray.open_dataset")
    evidence_file = ds.attrs.get("evidence_file")
    if evidence_file:
        evidence_path = os.path.join(os.path.dirname(path), os.path.basename(evidence_file))
        if not os.path.exists(evidence_path):
            ds.close()
            raise Error(f"grid: '{path}' keeps its evidence layers in '{evidence_path}' (its evidence_file "
                        "attribute), which is not there; keep the two files together under the names the run gave "
                        "them (a renamed grid still names its evidence file by the old name)")
        try:
            evidence = _open_grid_file(xr, evidence_path, "evidence")
        except Error:
            ds.close()
            raise
        if ds.attrs.get("run_id") and evidence.attrs.get("run_id") != ds.attrs.get("run_id"):
            evidence.close()
            ds.close()
            raise Error(f"grid: '{evidence_path}' beside '{path}' holds the evidence layers of another run (its "
                        "run_id differs); keep each grid with its own evidence file, or run the scenario again")
        for name, layer in evidence.data_vars.items():
            # The evidence file's own x, y and crs describe the same grid: keep the grid's.
            ds[f"evidence_{name}"] = layer.reset_coords(drop=True)
    _register_rio()
    return ds
