#!/usr/bin/python3
"""Leave-one-municipality-out validation of minerisk on a RELand-format grid (by default the real
grid of eastern Antioquia), beside baselines measured on the same cells and folds.

Used as a user of minerisk would: for each municipality in turn, the known positive and negative
cells of the *other* municipalities become finds and cleared-without-finds land; minerisk builds
its evidence layers from them (by default the `spatial` model: whether the nearest surveyed cell
held a find, the share of finds among the surveyed cells around, and the victim counts; see
MODELS), fits the weights (`minerisk fit --zones`, which builds each training cell's label layers
from the other training municipalities only), and predicts the held-out municipality (`minerisk
run`). Nothing built from labels sees the held-out municipality. The held-out predictions of all municipalities are pooled
into ROC-AUC and PR-AUC. The same folds give three baselines, pooled the same way:
  - the no-fit nearest-label rule: log1p(metres to the nearest training negative)
    - log1p(metres to the nearest training positive);
  - scikit-learn logistic regression (StandardScaler, C=1) on the feature columns;
  - scikit-learn HistGradientBoostingClassifier (200 iterations, rate 0.05) on the same columns.
The RELand study's figures are printed too, but only when the CSV is the one they were measured
on (same SHA-256).

    /usr/bin/python3 datasets/validate_antioquia.py [--csv GRID.csv] [--columns-from MANIFEST.json]
        [--model spatial|all] [--knots N] [--exclude-victim-counts]
        [--write-model M.toml | --apply-model M.toml] [--minerisk build/engine/minerisk]
        [--json SCORES.json] [--keep DIR]
"""
import argparse
import json
import os
import sys

import numpy as np
from osgeo import gdal, ogr
from sklearn.metrics import average_precision_score, roc_auc_score

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import import_antioquia  # noqa: E402
from antioquia_baselines import Cells, baseline_fold  # noqa: E402
from antioquia_columns import model_inputs, plan_columns, report_columns  # noqa: E402
from antioquia_grid import Grid, UsageError, read_manifest  # noqa: E402
from script_support import check_folder, check_new_json, check_not_empty, check_program, work_folder  # noqa: E402
from antioquia_minerisk import (DEM_COLUMN, MODELS, VICTIM_COUNT_COLUMNS, Fold, applied_fold,  # noqa: E402
                                minerisk_fold, write_full_model)

gdal.UseExceptions()
ogr.UseExceptions()
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The RELand study's tabular models, ROC-AUC / PR-AUC in percent, from
# ../shared/data/reland-antioquia/README.md. They were measured on that antioquia_grid.csv only
# (3,165,472 bytes), so they are keyed by its SHA-256 and shown for no other file.
STUDY_BASELINES = {
    "1abfec404900b0e24cb6785ee11b96d8291f9e55dc8dad7545b817804f2aabef": {
        "RELand study, scikit-learn logistic regression": (59.2, 39.8),
        "RELand study, gradient boosting": (67.4, 37.2),
    },
}


# ---------------------------------------------------------------------------------------------
# The validation


def percent_scores(truth, scores):
    return 100 * roc_auc_score(truth, scores), 100 * average_precision_score(truth, scores)


def mean_per_municipality(truth, scores, municipality):
    """The mean of the ROC-AUCs of the municipalities holding both classes, in percent, and how
    many there are. Unlike the pooled figure it never compares two municipalities' cells, which
    separate fits score on their own scales."""
    values = [100 * roc_auc_score(truth[municipality == code], scores[municipality == code])
              for code in np.unique(municipality) if 0 < truth[municipality == code].sum() < (municipality == code).sum()]
    return (float(np.mean(values)) if values else float("nan")), len(values)


def parse_arguments(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minerisk", default=os.path.join(REPO, "build", "engine", "minerisk"))
    parser.add_argument("--csv", default=str(import_antioquia.DEFAULT_CSV),
                        help="a grid CSV in the RELand format (default: the real Antioquia grid)")
    parser.add_argument("--columns-from", metavar="MANIFEST.json",
                        help="use the feature columns of this import manifest (another region's): one-hot ones "
                             "absent here are filled with 0, other absent ones refused, extra ones ignored")
    parser.add_argument("--model", choices=sorted(MODELS), default="spatial",
                        help="the layers minerisk fits: 'spatial' (label distances, share of finds nearby, victim "
                             "counts; default) or 'all' (every grid column too, the model before issue 13)")
    parser.add_argument("--knots", type=int, default=0,
                        help="learn each layer's effect as a curve with this many segments (minerisk fit --knots; "
                             "default 0: one weight per layer)")
    parser.add_argument("--exclude-victim-counts", action="store_true",
                        help="leave the 17 municipality-level victim-count columns out of minerisk's model")
    one_model_file = parser.add_mutually_exclusive_group()
    one_model_file.add_argument("--write-model", metavar="MODEL.toml",
                        help="instead of validating, fit on every labelled cell of this grid and write the portable "
                             "model file (minerisk fit --model), to apply to another region with --apply-model")
    one_model_file.add_argument("--apply-model", metavar="MODEL.toml",
                        help="instead of fitting, apply this model file (fitted on another region) to each held-out "
                             "municipality, its label layers built from this grid's other municipalities")
    parser.add_argument("--json", metavar="SCORES.json",
                        help="also write the scores (validation.json's content) to this new file (never replaced)")
    parser.add_argument("--keep", help="folder to keep the work in (default: a temporary one)")
    args = parser.parse_args(argv)
    check_arguments(parser, args)
    return args


def check_arguments(parser, args):
    """Refuse, before any work, what would fail after it (exit code 2, one line)."""
    check_not_empty(parser, args, ("csv", "columns_from", "write_model", "apply_model", "json", "keep", "minerisk"))
    if args.json is not None:
        check_new_json(parser, args.json, args.keep)
        if args.write_model:
            parser.error("--json: --write-model fits the model and scores nothing; leave one of them out")
    if args.write_model is not None and os.path.lexists(args.write_model):
        parser.error(f"--write-model {args.write_model} exists; remove it or choose another name (a model file is "
                     f"never replaced)")
    args.minerisk = check_program(parser, args.minerisk)
    if args.apply_model is not None and not os.path.isfile(args.apply_model):
        parser.error(f"--apply-model {args.apply_model} is not a file; give the model file --write-model wrote")
    if args.keep:
        check_folder(parser, "--keep", args.keep)
    if args.write_model:
        check_folder(parser, "--write-model", os.path.dirname(os.path.abspath(args.write_model)))


def validate(args):
    if args.keep:
        try:
            os.makedirs(args.keep, exist_ok=True)
        except OSError as error:  # in a folder that cannot be written to, say
            raise UsageError(f"--keep {args.keep}: cannot create it: {error.strerror}") from None
    # Absolute: the scenarios written into it name their files by paths relative to their own folder.
    with work_folder(args.keep, "antioquia_") as work:
        return validate_in(args, work)


def validate_in(args, work):
    reference = read_manifest(args.columns_from, "reference manifest") if args.columns_from else None
    grid_dir = os.path.join(work, "grid")
    try:
        manifest = import_antioquia.import_grid(args.csv, grid_dir)
    except import_antioquia.InputError as error:
        print(f"validate_antioquia: {error}", file=sys.stderr)
        return 2
    # The summary names where the import went only when it is kept.
    print(import_antioquia.summary(manifest, grid_dir if args.keep else "a temporary folder, removed at the end"))
    grid = Grid(grid_dir)
    plan = plan_columns(grid.columns(), [e["column"] for e in reference["features"]] if reference else None)
    if DEM_COLUMN not in grid.files:
        raise UsageError(f"the grid has no {DEM_COLUMN!r} column; minerisk needs it as the terrain (DEM)")
    for value, meaning in ((1, "a find"), (0, "land cleared without finds")):
        if not (grid.label == value).any():
            raise UsageError(f"the grid has no cell with mines_outcome = {value} ({meaning}); minerisk's label "
                             f"layers and every score need both classes")
    report_columns(plan)
    exclude = set(VICTIM_COUNT_COLUMNS) if args.exclude_victim_counts else set()
    inputs = model_inputs(grid, plan, work)
    cells = Cells(grid, inputs)

    model = dict(MODELS[args.model], knots=args.knots)
    if args.write_model:
        write_full_model(args.minerisk, grid, inputs, work, exclude, model, args.write_model)
        print(f"model fitted on every labelled cell of {args.csv}: {args.write_model}")
        return 0
    scores = {}  # model name -> scores of cells, in Cells order
    most_layers = 0
    codes = scored_municipalities(grid, cells, 2 if args.apply_model else 3)
    for code in codes:
        held = cells.municipality == code
        fold = Fold(work, code, grid.municipality_path)
        if args.apply_model:
            probability, layers, own = applied_fold(args.minerisk, grid, inputs, fold, code, args.apply_model)
        else:
            probability, layers, own = minerisk_fold(args.minerisk, grid, inputs, fold, code, exclude, model)
        most_layers = max(most_layers, layers)
        fold_scores = {"minerisk": probability[cells.rows[held], cells.cols[held]], **baseline_fold(cells, code)}
        for name, values in fold_scores.items():
            scores.setdefault(name, np.full(len(cells.label), np.nan))[held] = values
        note = f", ROC-AUC {100 * own:.1f}" if own is not None else " (one class only: no ROC-AUC of its own)"
        print(f"municipality {code:2d}: {int(held.sum()):4d} labelled cells held out{note}", file=sys.stderr)
    described = f"model file {args.apply_model}, applied" if args.apply_model else f"'{args.model}' model"
    result = report(grid, plan, cells, scores, most_layers, exclude, described, fitted=not args.apply_model)
    with open(os.path.join(work, "validation.json"), "w") as f:
        json.dump(result, f, indent=2, ensure_ascii=False)
    if args.json:
        with open(args.json, "x") as f:
            json.dump(result, f, indent=2, ensure_ascii=False)
    return 0


def scored_municipalities(grid, cells, at_least):
    """The municipalities with labelled cells, each held out in turn; one without any has nothing to
    score (said on stderr). Each held-out one's label layers come from the others; a fit also
    cross-fits them over its training municipalities, so it needs two besides the held-out one
    (`at_least` 3), a model applied needs one (2)."""
    codes = []
    for code in grid.municipality_codes():
        if (cells.municipality == code).any():
            codes.append(code)
        else:
            print(f"municipality {code:2d}: no labelled cell, nothing to score: not held out", file=sys.stderr)
    if len(codes) < at_least:
        why = ("the held-out one's label layers come from the others" if at_least == 2 else
               "the label layers of the training cells are built from the other training municipalities")
        raise UsageError(f"the grid has {len(codes)} municipalities with labelled cells; leaving one out needs at "
                         f"least {at_least} ({why})")
    return codes


def report(grid, plan, cells, scores, most_layers, exclude, model, fitted):
    """Print the pooled scores beside the baselines; return them as validation.json holds them."""
    # Every model is scored on the same cells: those all of them score (minerisk leaves no-data
    # where the DEM has none).
    ok = np.logical_and.reduce([np.isfinite(values) for values in scores.values()])
    truth = cells.label[ok]
    measured = {name: percent_scores(truth, values[ok]) for name, values in scores.items()}
    roc, pr = measured.pop("minerisk")
    excluded = sorted(exclude & set(plan.used))
    print(f"leave-one-municipality-out, {int(ok.sum())} held-out cells pooled ({int(truth.sum())} positive), "
          f"every model on the same cells and folds:")
    without = f", without the {len(excluded)} victim-count columns" if excluded else ""
    # Only a fit cross-fits its training cells' label layers; a model applied fits nothing.
    how = ", label layers cross-fitted" if fitted else ""
    print(f"  minerisk ({model}{how}, up to {most_layers} evidence layers{without}): "
          f"ROC-AUC {roc:.1f}  PR-AUC {pr:.1f}")
    for name, (r, p) in measured.items():
        # The tabular models read every input: the columns and the blank flags (no exclusion).
        inputs = f" on {cells.x.shape[1]} inputs" if name.startswith("scikit") else ""
        print(f"  {name}{inputs}: ROC-AUC {r:.1f}  PR-AUC {p:.1f}")
    study = STUDY_BASELINES.get(grid.manifest["source"]["sha256"])
    for name, (r, p) in (study or {}).items():
        print(f"  {name} (published for this CSV, same cells): ROC-AUC {r:.1f}  PR-AUC {p:.1f}")
    for line in not_better_lines(roc, pr, measured):
        print(line)
    per_municipality = {name: mean_per_municipality(truth, values[ok], cells.municipality[ok])
                        for name, values in scores.items()}
    within = {name: mean for name, (mean, _) in per_municipality.items()}
    count = per_municipality["minerisk"][1]
    print(f"mean ROC-AUC per municipality (the {count} holding both classes, each ranked on its own): " +
          ", ".join(f"{name} {value:.1f}" for name, value in within.items()))
    result = {
        "source": grid.manifest["source"],
        "model": model,
        "roc_auc_percent": roc, "pr_auc_percent": pr,
        "held_out_cells": int(ok.sum()), "positive_cells": int(truth.sum()),
        "victim_count_columns_excluded": excluded,
        "baselines_percent": {name: {"roc_auc": r, "pr_auc": p} for name, (r, p) in measured.items()},
        "mean_roc_auc_per_municipality_percent": within,
        "columns": {"used": plan.used, "tabular_inputs": cells.names, "filled_with_zero": plan.filled_with_zero, "ignored": plan.ignored,
                    "blank_cells": {column: entry["cells"] for column, entry in grid.blanks.items()}},
    }
    if study:
        result["study_baselines_percent"] = {name: {"roc_auc": r, "pr_auc": p} for name, (r, p) in study.items()}
    return result


def not_better_lines(roc, pr, measured):
    """A line per metric on which minerisk does not beat the best baseline measured in this run."""
    lines = []
    for metric, mine, index in (("ROC-AUC", roc, 0), ("PR-AUC", pr, 1)):
        best = max(measured, key=lambda name: measured[name][index])
        if mine <= measured[best][index]:
            lines.append(f"minerisk does no better than the best baseline on {metric}: {best} "
                         f"{measured[best][index]:.1f} against minerisk's {mine:.1f}")
    return lines


def main(argv=None):
    args = parse_arguments(argv)
    try:
        return validate(args)
    except UsageError as error:
        print(f"validate_antioquia: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
