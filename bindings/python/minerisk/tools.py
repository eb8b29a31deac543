"""minerisk.tools: the raster tools of the command line, file to file.

Each function is the command of the same name (minerisk slope, aspect, tri, proximity, density,
focal, diff) with its options as keyword arguments in snake_case (--compute-edges: compute_edges,
--max-distance: max_distance, ...): the same engine call, so the output is the same file, bit
for bit, and a bad argument raises minerisk.Error with the command line's one-line message.
Inputs are any raster or vector GDAL/OGR reads; outputs are float32 GeoTIFFs, tiled and
compressed, written under a temporary name and renamed into place when complete.

Every tool also takes threads=0 (all cores), tile_size=512, compress="ZSTD" (or DEFLATE, LZW,
NONE), format="" (-of: a GDAL raster driver such as "COG"; empty: the one the output's
extension names, GTiff for .tif), creation_options=() (--co: "KEY=VALUE" strings for that
driver, over minerisk's defaults), dst_nodata=None (--dst-nodata: the output's no-data value,
-9999 by default, NaN for diff; float("nan") for NaN), overwrite=False (as --overwrite: an output that exists is
refused with minerisk.Error unless True; an input never is replaced), quiet=True (False:
progress on stderr, as the command line) and progress=None: a callable(fraction) called after
each tile; returning False stops the tool, which then raises KeyboardInterrupt and writes
nothing (Ctrl-C does the same). The GIL is released while a tool runs. Each returns the output
path, except diff, which returns its report as a dict (as `minerisk diff --json` prints it).

    import minerisk
    minerisk.tools.slope("dem.tif", "slope.tif", compute_edges=True)
    minerisk.tools.proximity("region.gpkg", "dist.tif", like="dem.tif", layer="front_lines")
    minerisk.tools.tri("dem.tif", "tri.tif", format="COG", creation_options=["BLOCKSIZE=256"], overwrite=True)
    report = minerisk.tools.diff("yesterday.nc", "today.nc", "change.tif", threshold=0.05)
"""
from _minerisk import tools as _tools

from ._arguments import checked

__all__ = ["slope", "aspect", "tri", "proximity", "density", "focal", "diff"]

# Each tool, with an argument of the wrong type named (not pybind11's whole signature).
slope, aspect, tri, proximity, density, focal, diff = (checked(getattr(_tools, name), __name__) for name in __all__)
