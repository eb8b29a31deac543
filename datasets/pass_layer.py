#!/usr/bin/python3
"""An experiment, not part of the generated scenario: a layer of nearness to mountain passes.

Mine-action doctrine mines passes (saddles) near a line of contact, and so does the generator
(datasets/region/truth.py). This asks whether a fit does better with that layer, using only
what a survey has: the DEM. It applies the generator's definition of a saddle to the DEM averaged
to the generator's coarse blocks (about 80 m, at least 64 blocks a side): the block means
Gaussian-smoothed by 1.5 blocks, a saddle where the ring of 8 neighbouring blocks rises and falls
at least twice around the centre. It marks the cell nearest each saddle block's centre (half a
cell south-east of it for an even block), and writes, beside the region's scenario:

    passes.tif             float32 metres from each cell to the nearest saddle
    scenario_passes.toml   the region's scenario.toml plus the layer [model.evidence.passes]:
                           feature "raster" of passes.tif, exp_decay 300 m, weight 0 (so the
                           hand-set map is unchanged; `minerisk fit` sets the weight)

    /usr/bin/python3 datasets/pass_layer.py REGION_FOLDER

What it showed is in the README ("The one change found that meets 89.9 % fits this region, not
others"); `validate_synthetic.py --pass-layer` runs the five-region comparison with it.
"""
import argparse
import os
import sys
import types

import numpy as np
from osgeo import gdal
from scipy import ndimage

from region.grid import coarse_factor
from region.truth import saddle_ring

gdal.UseExceptions()

DECAY_METRES = 300.0
LAYER = f'''
[model.evidence.passes]             # an experiment (datasets/pass_layer.py): metres to a DEM saddle
feature = "raster"
path = "passes.tif"
weight = 0.0
transform = {{ type = "exp_decay", length = {DECAY_METRES} }}
'''


class Refusal(Exception):
    """What the user must fix: one line, exit code 2."""


def saddle_blocks(dem, factor):
    """Boolean (rows // factor, cols // factor): the blocks whose smoothed mean height is a saddle.
    The blocks cover the DEM from its north-west corner; a last partial block is left out."""
    rows, cols = dem.shape[0] // factor, dem.shape[1] // factor
    if rows < 3 or cols < 3:
        raise Refusal(f"the DEM holds {rows} x {cols} blocks of {factor} cells; finding a saddle needs 3 x 3")
    blocks = dem[:rows * factor, :cols * factor].reshape(rows, factor, cols, factor).mean(axis=(1, 3))
    saddles = np.zeros((rows, cols), bool)
    saddles[1:-1, 1:-1] = saddle_ring(blocks)[1]  # the generator's own test
    return saddles


def block_factor(cell, cells_per_side):
    """Cells per block: the generator's coarse grid (about 80 m, at least 64 blocks a side)."""
    return coarse_factor(types.SimpleNamespace(cell=cell, size=cells_per_side))


def distance_to_saddles(dem, cell_x, cell_y, factor):
    """Metres from each cell's centre to the nearest marked saddle cell (non-square cells too)."""
    saddles = saddle_blocks(dem, factor)
    if not saddles.any():
        raise Refusal("the DEM has no saddle at this scale; the layer would be empty")
    marked = np.zeros(dem.shape, bool)
    block_rows, block_cols = np.nonzero(saddles)
    marked[block_rows * factor + factor // 2, block_cols * factor + factor // 2] = True
    return ndimage.distance_transform_edt(~marked, sampling=(cell_y, cell_x)), int(saddles.sum())


def read_region(region):
    """The DEM (float64), its geotransform and projection, and the scenario's text; refuses what a
    generated region would not hold."""
    try:
        source = gdal.Open(os.path.join(region, "dem.tif"))
    except RuntimeError as error:
        raise Refusal(f"{region}: no readable dem.tif ({error}); give a folder generate_region.py wrote") from None
    band = source.GetRasterBand(1)
    dem = band.ReadAsArray().astype(np.float64)
    nodata = band.GetNoDataValue()
    if nodata is not None and (dem == nodata).any() or not np.isfinite(dem).all():
        raise Refusal(f"{region}/dem.tif has no-data cells; this experiment reads generated regions, which have none")
    transform, srs = source.GetGeoTransform(), source.GetSpatialRef()
    if srs is None or not srs.IsProjected() or abs(srs.GetLinearUnits() - 1.0) > 1e-12:
        raise Refusal(f"{region}/dem.tif is not in a projected CRS in metres; the blocks are sized in metres")
    if abs(transform[1]) != abs(transform[5]) or transform[2] or transform[4]:
        raise Refusal(f"{region}/dem.tif has non-square or rotated cells; the blocks are square, as a generated "
                      f"region's cells are")
    try:
        with open(os.path.join(region, "scenario.toml"), encoding="utf-8") as f:
            scenario = f.read()
    except OSError as error:
        raise Refusal(f"{region}/scenario.toml: {error.strerror}; give a folder generate_region.py wrote") from None
    except UnicodeDecodeError:
        raise Refusal(f"{region}/scenario.toml is not UTF-8 text; give a folder generate_region.py wrote") from None
    if "[model.evidence.passes]" in scenario:
        raise Refusal(f"{region}/scenario.toml already has [model.evidence.passes]")
    return dem, transform, source.GetProjection(), scenario


def write_distance(path, distance, transform, projection):
    out = gdal.GetDriverByName("GTiff").Create(path, distance.shape[1], distance.shape[0], 1, gdal.GDT_Float32,
                                               ["COMPRESS=DEFLATE"])
    out.SetGeoTransform(transform)
    out.SetProjection(projection)
    out.GetRasterBand(1).WriteArray(distance)
    out.GetRasterBand(1).SetDescription("metres to the nearest DEM saddle")
    out.FlushCache()  # raises on a write error (a full disk), which closing would only print
    out = None  # closing writes the file; it is read back in case GDAL said nothing
    if not np.array_equal(gdal.Open(path).ReadAsArray(), distance):
        raise OSError(0, "the written raster does not read back")


def write_pass_layer(region):
    """Writes passes.tif and scenario_passes.toml into `region`; returns the number of saddles.
    Both are written under temporary names first and renamed once complete, so a failure (a
    full disk, a read-only folder) leaves neither."""
    if region == "":
        raise Refusal("the region folder is empty; give a folder generate_region.py wrote")
    outputs = [os.path.join(region, name) for name in ("passes.tif", "scenario_passes.toml")]
    for path in outputs:
        if os.path.lexists(path):
            raise Refusal(f"{path} exists; remove it first (it is never replaced)")
    dem, transform, projection, scenario = read_region(region)
    factor = block_factor(abs(transform[1]), min(dem.shape))
    distance, saddles = distance_to_saddles(dem, abs(transform[1]), abs(transform[5]), factor)
    partial = [os.path.join(region, f".{os.path.basename(path)}.partial") for path in outputs]
    for path in partial:
        if os.path.isdir(path) and not os.path.islink(path):
            raise Refusal(f"{path} is a folder; remove it (the layer is written there first)")
    renamed = []
    try:
        for path in partial:  # an earlier run's leftovers (ours by name): a link is removed, not followed
            if os.path.lexists(path):
                os.remove(path)
        write_distance(partial[0], distance.astype(np.float32), transform, projection)
        with open(partial[1], "w", encoding="utf-8") as f:
            f.write(scenario.rstrip("\n") + "\n" + LAYER)
        for done, path in zip(partial, outputs):
            os.rename(done, path)
            renamed.append(path)
    except BaseException as error:  # an interrupt too: neither output without the other
        for path in partial + renamed:
            if os.path.lexists(path):
                os.remove(path)
        if isinstance(error, (OSError, RuntimeError)):
            raise Refusal(f"cannot write into {region}: {getattr(error, 'strerror', None) or error}") from None
        raise
    return saddles


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("region", help="a folder generate_region.py wrote (scenario.toml, dem.tif)")
    args = parser.parse_args(argv)
    try:
        saddles = write_pass_layer(args.region)
    except Refusal as refusal:
        print(f"pass_layer: {refusal}", file=sys.stderr)
        return 2
    print(f"{saddles} saddles; wrote {args.region}/passes.tif and {args.region}/scenario_passes.toml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
