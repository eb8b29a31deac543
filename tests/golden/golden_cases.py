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
(history, date_created, inputs, scenario, ...; only crs@GeoTransform is kept), the "grid",
"grid_file" and "truth" paths of evaluate's report, its "grid_sha256" (of the grid's bytes, which
hold those attributes) and its "run_id" (the scored file's, new with every run).
Nothing else is left out.

A case is named after what it exercises, so that a deliberate change of one feature changes the
digests of the cases using it and no other.
"""
import pathlib
import sys

_HERE = str(pathlib.Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

# The case modules register their cases in golden_common.CASES when imported.
import golden_runs  # noqa: E402,F401
import golden_sweeps_fits  # noqa: E402,F401
import golden_tools  # noqa: E402,F401
from golden_common import CASES, Context, MineriskError  # noqa: E402,F401

__all__ = ["CASES", "Context", "MineriskError", "run_case", "run_cases"]


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
