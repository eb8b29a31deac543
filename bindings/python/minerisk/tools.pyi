"""Type stubs for minerisk.tools: the raster tools of the command line, file to file."""
import os
from typing import Any, Callable, Sequence

_Path = str | os.PathLike[str]
_Progress = Callable[[float], bool | None] | None

# Every tool ends with the same keyword arguments: the command line's --threads, --tile-size,
# --compress, -of (format), --co (creation_options), --dst-nodata (dst_nodata), --overwrite and --quiet,
# and progress.

def slope(dem: _Path, output: _Path, *, percent: bool = False, compute_edges: bool = False, threads: int = 0,
          tile_size: int = 512, compress: str = "ZSTD", format: str = "", creation_options: Sequence[str] = (), dst_nodata: float | None = None,
          overwrite: bool = False, quiet: bool = True, progress: _Progress = None) -> str: ...
def aspect(dem: _Path, output: _Path, *, compute_edges: bool = False, trigonometric: bool = False,
           zero_for_flat: bool = False, threads: int = 0, tile_size: int = 512, compress: str = "ZSTD",
           format: str = "", creation_options: Sequence[str] = (), dst_nodata: float | None = None, overwrite: bool = False, quiet: bool = True,
           progress: _Progress = None) -> str: ...
def tri(dem: _Path, output: _Path, *, compute_edges: bool = False, threads: int = 0, tile_size: int = 512,
        compress: str = "ZSTD", format: str = "", creation_options: Sequence[str] = (), dst_nodata: float | None = None, overwrite: bool = False,
        quiet: bool = True, progress: _Progress = None) -> str: ...
def proximity(input: _Path, output: _Path, *, like: _Path | None = None, layer: str = "", where: str = "",
              values: Sequence[float] | None = None, max_distance: float = ..., signed: bool = False,
              nearest_value: _Path | None = None, threads: int = 0, tile_size: int = 512, compress: str = "ZSTD",
              format: str = "", creation_options: Sequence[str] = (), dst_nodata: float | None = None, overwrite: bool = False, quiet: bool = True,
              progress: _Progress = None) -> str: ...
def density(input: _Path, output: _Path, *, bandwidth: float, like: _Path | None = None, layer: str = "",
            where: str = "", weight_field: str = "", truncate: float = 4.0, threads: int = 0, tile_size: int = 512,
            compress: str = "ZSTD", format: str = "", creation_options: Sequence[str] = (), dst_nodata: float | None = None, overwrite: bool = False,
            quiet: bool = True, progress: _Progress = None) -> str: ...
def focal(input: _Path, output: _Path, *, radius: float, statistic: str = "mean", shape: str = "circle",
          threads: int = 0, tile_size: int = 512, compress: str = "ZSTD", format: str = "",
          creation_options: Sequence[str] = (), dst_nodata: float | None = None, overwrite: bool = False, quiet: bool = True,
          progress: _Progress = None) -> str: ...
def diff(old_grid: _Path, new_grid: _Path, output: _Path, *, threshold: float = 0.01, variable: str = "",
         threads: int = 0, tile_size: int = 512, compress: str = "ZSTD", format: str = "",
         creation_options: Sequence[str] = (), dst_nodata: float | None = None, overwrite: bool = False, quiet: bool = True,
         progress: _Progress = None) -> dict[str, Any]: ...
