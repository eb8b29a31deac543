"""Which of a grid's columns the models of datasets/validate_antioquia.py read, and the rasters
they read them from: a region checked against another region's columns (absent one-hot columns
filled with 0, other absent ones refused, extra ones ignored), and blank cells filled, with
their flag as an input of its own."""
import os
import sys

import numpy as np

import import_antioquia
from antioquia_grid import UsageError, read, write_like

# One-hot groups of the RELand format. A region without a category has no column for it: the
# category is absent there, which is exactly what a column of zeros says.
ONE_HOT_PREFIXES = ("Vocacion_", "CLIMA_", "TIPO_RELIE_")


class ColumnPlan:
    """The columns the models read, in order, and how the region differs from the reference."""

    def __init__(self, used, filled_with_zero=(), ignored=()):
        self.used = list(used)
        self.filled_with_zero = list(filled_with_zero)  # the reference's one-hot columns absent here
        self.ignored = list(ignored)  # this region's columns the reference lacks


def is_one_hot(column):
    return column.startswith(ONE_HOT_PREFIXES)


def plan_columns(region_columns, reference_columns=None):
    """Without a reference, the region's own columns. With one, the reference's columns: one-hot
    ones absent here are filled with 0, any other absent one is refused, extra ones are ignored."""
    if reference_columns is None:
        return ColumnPlan(region_columns)
    present = set(region_columns)
    absent = [column for column in reference_columns if column not in present]
    not_fillable = [column for column in absent if not is_one_hot(column)]
    if not_fillable:
        raise UsageError(f"column {not_fillable[0]!r} of the reference is absent from this region's CSV and is not "
                         f"one-hot ({', '.join(p + '*' for p in ONE_HOT_PREFIXES)}), so it has no safe fill; add it to "
                         f"the CSV or use a reference without it ({len(not_fillable)} such column(s))")
    reference = set(reference_columns)
    return ColumnPlan(reference_columns, filled_with_zero=absent,
                      ignored=[column for column in region_columns if column not in reference])


def report_columns(plan):
    """One line per column that differs from the reference, to stderr."""
    for column in plan.filled_with_zero:
        print(f"validate_antioquia: column {column!r} is absent here: one-hot, so filled with 0 "
              f"(category absent in this region)", file=sys.stderr)
    for column in plan.ignored:
        print(f"validate_antioquia: column {column!r} is not in the reference: ignored", file=sys.stderr)


class Input:
    """One raster the models read: a feature column (blanks filled) or a column's blank flag."""

    def __init__(self, name, stem, path):
        self.name = name  # the CSV column, or '<column> is blank'
        self.stem = stem  # file-name stem, which names the minerisk layer
        self.path = path


def model_inputs(grid, plan, work):
    """The rasters for the plan's columns, written into work/columns where the import's own file
    will not do: a column with blanks gets a copy with them filled (minerisk and logistic regression
    take no NaN) plus its flag raster as an input of its own; an absent one-hot column gets zeros."""
    folder = os.path.join(work, "columns")
    os.makedirs(folder, exist_ok=True)
    inputs = []
    for column in plan.used:
        stem = import_antioquia.file_stem(column)
        if column in plan.filled_with_zero:
            path = os.path.join(folder, stem + ".tif")
            write_zeros(path, grid)
            inputs.append(Input(column, stem, path))
        elif column in grid.blanks:
            path = os.path.join(folder, stem + ".tif")
            write_like(path, grid.label_path, blanks_filled(read(grid.files[column])[0], grid.inside()))
            inputs.append(Input(column, stem, path))
            flag = os.path.join(grid.folder, grid.blanks[column]["flag"])
            inputs.append(Input(f"{column} is blank", os.path.splitext(os.path.basename(flag))[0], flag))
        else:
            inputs.append(Input(column, stem, grid.files[column]))
    return inputs


def write_zeros(path, grid):
    """A raster of 0 in every cell of the municipalities (NaN outside): a column that says nothing
    here, as an absent one-hot category or a blank flag where nothing is blank."""
    write_like(path, grid.label_path, np.where(grid.inside(), 0.0, np.nan))


def blanks_filled(values, inside):
    """Blank cells inside the municipalities take the median of the given ones. It reads features,
    never labels, so no label can leak through it; the flag raster keeps the fact of the blank."""
    given = values[inside & np.isfinite(values)]
    fill = float(np.median(given)) if given.size else 0.0
    return np.where(inside & np.isnan(values), fill, values)


