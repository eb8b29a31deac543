"""minerisk: probability of contamination by mines and unexploded ordnance, at C++ speed.

The kernels work on numpy arrays (float32, C-contiguous arrays are used without a copy; other
dtypes or layouts are converted once) and release the GIL while they run, so several can run in
Python threads at once. The model runs scenarios given as a TOML file or a dict, and returns
numpy arrays or an xarray.Dataset. The raster tools of the command line run file to file from
minerisk.tools. Errors a user can fix raise minerisk.Error (a ValueError) with the same one-line
message as the command line.

    import minerisk
    ds = minerisk.Scenario.load("out/sample/scenario.toml").run().to_xarray()
    ds.probability.plot()
"""
from __future__ import annotations

import os
from typing import Any, Mapping

import numpy as np

import _minerisk
from _minerisk import Error, __version__, distance_transform, focal, line_distance, point_density, terrain

from . import tools

__all__ = ["Error", "__version__", "Scenario", "Result", "open", "terrain", "slope", "aspect", "ruggedness",
           "distance_transform", "line_distance", "point_density", "focal", "evaluate", "sweep", "tools"]


def slope(dem, *, percent: bool = False, **grid) -> np.ndarray:
    """Slope by Horn's method in degrees (or percent), as gdaldem slope. See terrain()."""
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
        self.title: str = values["title"]
        self.intercept: float = values["intercept"]

    def coordinates(self) -> tuple[np.ndarray, np.ndarray]:
        """Cell-centre x and y coordinates in the grid's CRS."""
        rows, cols = self.probability.shape
        g = self.geotransform
        return g[0] + (np.arange(cols) + 0.5) * g[1], g[3] + (np.arange(rows) + 0.5) * g[5]

    def to_xarray(self):
        """The result as an xarray.Dataset with x/y coordinates and the CRS (needs xarray)."""
        import xarray as xr

        x, y = self.coordinates()
        variables = {"probability": (("y", "x"), self.probability, {"grid_mapping": "crs", "units": "1"})}
        for name, layer in self.evidence.items():
            variables[f"evidence_{name}"] = (("y", "x"), layer, {"grid_mapping": "crs", "units": "1",
                                                                 "long_name": f"contribution of {name} to the log-odds"})
        ds = xr.Dataset(variables, coords={"x": ("x", x), "y": ("y", y)}, attrs={"title": self.title})
        ds["crs"] = xr.DataArray(0, attrs={"crs_wkt": self.crs_wkt, "spatial_ref": self.crs_wkt,
                                           "GeoTransform": " ".join(repr(v) for v in self.geotransform)})
        return ds


class Scenario:
    """A scenario: a TOML file, or a dict in the same structure (relative paths are resolved
    against base_dir). It is validated when created, with the command line's messages."""

    def __init__(self, source: str | os.PathLike | Mapping[str, Any], base_dir: str | os.PathLike = "."):
        self._source = dict(source) if isinstance(source, Mapping) else os.fspath(source)
        self._base_dir = os.fspath(base_dir)
        self.resolved_toml: str = _minerisk.resolve_scenario(self._source, self._base_dir)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Scenario":
        """A scenario from its TOML file."""
        return cls(path)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any], base_dir: str | os.PathLike = ".") -> "Scenario":
        """A scenario from a dict shaped like the TOML file."""
        return cls(values, base_dir)

    def run(self, output: str | os.PathLike | None = None, *, threads: int = 0, tile_size: int = 512,
            picture: bool = True) -> "Result | str":
        """Computes the grid. Without output: a Result of numpy arrays. With output: writes the
        HDF5 file (and its quick-look PNG unless picture=False) and returns its path."""
        if output is not None:
            return _minerisk.run(self._source, self._base_dir, os.fspath(output), threads, tile_size, picture)
        return Result(_minerisk.run(self._source, self._base_dir, None, threads, tile_size, picture))

    def fit(self, *, threads: int = 0, **options) -> dict:
        """Fits the weights (options as [fit]: labels, zones, background_ratio, l2, block_size,
        folds, seed). Returns the coefficient table, cross-validation, weights of evidence, and
        fitted_toml: the scenario with the fitted weights."""
        return _minerisk.fit(self._source, self._base_dir, options, threads)


def evaluate(grid: str | os.PathLike, truth: str | os.PathLike, *, layer: str = "", count_field: str = "") -> dict:
    """Scores an output file against the truth: ROC-AUC, PR-AUC, capture curve, false alarms."""
    return _minerisk.evaluate(os.fspath(grid), os.fspath(truth), layer, count_field)


def explain(grid: str | os.PathLike, x: float, y: float, *, crs: str = "") -> dict:
    """Why a cell of a run's output scores what it does: the intercept, each layer's log-odds
    contribution at the point (x, y) and its rank in the region, as `minerisk explain --json`.
    `crs` names the point's CRS when it is not the grid's (e.g. "EPSG:4326")."""
    return _minerisk.explain(os.fspath(grid), float(x), float(y), crs)


def sweep(sweep_file: str | os.PathLike, output: str | os.PathLike, *, threads: int = 0, tile_size: int = 512):
    """Runs a sweep file (a base scenario, parameter axes, Monte Carlo uncertainty; see the
    README) and returns its output as an xarray.Dataset: per-cell mean, sd, percentiles and
    exceedance, and the per-scenario table along `scenario`."""
    import xarray as xr

    path = _minerisk.sweep(os.fspath(sweep_file), os.fspath(output), threads, tile_size)
    return xr.open_dataset(path)


def open(path: str | os.PathLike):  # noqa: A001 - the conventional name, as xarray.open_dataset
    """An output of `minerisk run` as an xarray.Dataset: probability, the evidence layers (as
    evidence_<name>), x/y coordinates and the crs variable."""
    import xarray as xr

    ds = xr.open_dataset(os.fspath(path))
    evidence = xr.open_dataset(os.fspath(path), group="evidence")
    for name, layer in evidence.data_vars.items():
        ds[f"evidence_{name}"] = layer.assign_coords(x=ds.x, y=ds.y)
    return ds
