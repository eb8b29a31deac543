#!/usr/bin/python3
"""Validates minerisk fit on generated regions it has never seen, against their true devices.

Fits the weights on one generated region (the training region) and applies that model to each of
the other regions (`minerisk run --model`, no fit there). Beside it, on each region: the region's
own fit, the generated scenario's hand-set weights and two no-fit rules (the density of finds
alone, the nearness of the front lines alone). Each grid is scored against the region's true
devices (`minerisk evaluate`): the share captured in the riskiest 10 % of the area, and ROC-AUC,
over the devices still in the ground (those no find removed: what a planner looks for) and over
all of them. The true devices are never an input: every model sees only the finds, cleared
land, records, front lines and terrain a survey would have.

    /usr/bin/python3 datasets/validate_synthetic.py [--train-seed 7] [--seeds 11 12 13 14 15]
        [--size N] [--repeats 10] [--block-size 600] [--background-ratio 5] [--json OUT.json]
        [--keep DIR] [--minerisk build/engine/minerisk] [--pass-layer]

With --pass-layer every region's scenario gains the experimental layer of nearness to mountain
passes (datasets/pass_layer.py, weight 0, so the hand-set map and the rules are unchanged), and
the fits and the applied model use it.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tomllib

import pass_layer
from script_support import check_folder, check_new_json, check_not_empty, check_program, work_folder

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
MIN_SIZE = 64  # generate_region.py's smallest region

# The no-fit rules: a [model] of one layer, weight 1 (the ranking is the layer's own); the
# scenario's [cleared] still lowers the risk on cleared land, as it does in every column.
RULES = {
    "finds alone": '[model.evidence.finds]\nfeature = "find_density"\nbandwidth = 200.0\nweight = 1.0\n'
                   'transform = "log1p"\n',
    "front lines alone": '[model.evidence.front_lines]\nfeature = "front_line_distance"\nweight = 1.0\n'
                         'transform = { type = "exp_decay", length = 500.0 }\n',
}
# Each column and the name of its grid (and scenario) in the region's folder.
GRIDS = {"hand-set": "hand_set", "applied": "applied", "own fit": "own_fit", "finds alone": "finds_alone",
         "front lines alone": "front_lines_alone"}
# The devices scored: those still in the ground (no find removed them), and all of them.
DEVICES = {"in the ground": "fate IN ('remaining', 'missed by clearance')", "all": None}
TITLES = {"in the ground": "devices still in the ground (no find removed them)",
          "all": "all devices (the finds' own included)"}


class Failure(Exception):
    """A step that failed: one line for the user, exit code 2."""


def call(command, what):
    try:
        r = subprocess.run([str(c) for c in command], capture_output=True, text=True)
    except OSError as error:
        raise Failure(f"{what} failed: {command[0]}: {error.strerror}") from None
    if r.returncode != 0:
        last = (r.stderr.strip().splitlines() or [f"exit code {r.returncode}"])[-1]
        raise Failure(f"{what} failed: {last}")
    return r


def generate(folder, seed, size, with_passes):
    """Writes the region; returns the scenario the fits and the applied model read."""
    shape = ["--size", str(size)] if size else ["--preset", "sample"]
    call(["/usr/bin/python3", os.path.join(HERE, "generate_region.py"), *shape, "--seed", str(seed), "--out", folder,
          "--quiet"], f"generating the region of seed {seed}")
    for stale in ("passes.tif", "scenario_passes.toml"):  # a --keep folder used before: the region was rewritten
        path = os.path.join(folder, stale)
        if os.path.isdir(path) and not os.path.islink(path):
            raise Failure(f"{path} is a folder; remove it (a pass layer is written there)")
        if os.path.lexists(path):
            os.remove(path)  # a link itself, never what it points to
    if not with_passes:
        return os.path.join(folder, "scenario.toml")
    try:
        pass_layer.write_pass_layer(folder)
    except pass_layer.Refusal as refusal:
        raise Failure(f"the pass layer of seed {seed}: {refusal}") from None
    return os.path.join(folder, "scenario_passes.toml")


def rule_scenario(region, name):
    """The region's scenario with its [model] replaced by the rule's one layer. generate_region.py
    writes [model] and its layers last, so what comes before is the region's inputs."""
    with open(os.path.join(region, "scenario.toml")) as f:
        inputs, model, rest = f.read().partition("\n[model]\n")
    if not model or any(line.startswith("[") and not line.startswith("[model") for line in rest.splitlines()):
        raise Failure(f"{region}/scenario.toml: [model] is not its last table, as generate_region.py writes it")
    path = os.path.join(region, GRIDS[name] + ".toml")
    with open(path, "w") as f:
        f.write(inputs + "\n[model]\nintercept = 0.0\n\n" + RULES[name])
    return path


def score(minerisk, grid, region):
    """{devices: {capture_at_10_percent, roc_auc, devices}} for each set of DEVICES."""
    scores = {}
    for devices, where in DEVICES.items():
        report = grid.removesuffix(".nc") + f"_evaluation_{devices.replace(' ', '_')}.json"  # and a .png plot
        call([minerisk, "evaluate", grid, "--truth", os.path.join(region, "truth.gpkg"), "--layer", "devices", "-o",
              report, "-q", "--overwrite", *(["--where", where] if where else [])], f"evaluating {grid}")
        with open(report) as f:
            e = json.load(f)
        scores[devices] = {"capture_at_10_percent": 100 * e["capture_at_area"]["10%"], "roc_auc": e["roc_auc"],
                           "devices": int(e["true_items"])}
    return scores


def weights(toml_path):
    with open(toml_path, "rb") as f:
        m = tomllib.load(f)["model"]
    return {"intercept": m["intercept"], **{name: layer["weight"] for name, layer in m["evidence"].items()}}


def validate_region(args, fit_options, region, scenario, model):
    """Every column's scores on one region, and the weights of its own fit."""
    own = os.path.join(region, "own_fit.toml")
    call([args.minerisk, "fit", scenario, "-o", own, "-q", "--overwrite", *fit_options], f"fitting {region}")
    runs = {"hand-set": [scenario], "applied": [scenario, "--model", model], "own fit": [own],
            **{name: [rule_scenario(region, name)] for name in RULES}}
    scores = {}
    for column, arguments in runs.items():
        grid = os.path.join(region, GRIDS[column] + ".nc")
        call([args.minerisk, "run", *arguments, "-o", grid, "--no-picture", "-q", "--overwrite"],
             f"running {column} on {region}")
        scores[column] = score(args.minerisk, grid, region)
    return scores, weights(own)


def report(results, train_seed, devices):
    """Prints the table of one set of devices and the comparisons the README cites; returns the means."""
    capture = {seed: {c: s[c][devices]["capture_at_10_percent"] for c in GRIDS} for seed, (s, _) in results.items()}
    print(f"\n{TITLES[devices]}: capture in the riskiest 10 % of the area (ROC-AUC); 'applied': the model fitted "
          f"on the region of seed {train_seed}, applied with run --model")
    print(f"{'region':>8} {'devices':>8} " + " ".join(f"{c:>17}" for c in GRIDS))
    for seed, (scores, _) in results.items():
        cells = " ".join(f"{scores[c][devices]['capture_at_10_percent']:6.1f} % ({scores[c][devices]['roc_auc']:.3f})"
                         for c in GRIDS)
        print(f"{seed:>8} {scores['hand-set'][devices]['devices']:>8} {cells}")
    means = {c: sum(row[c] for row in capture.values()) / len(capture) for c in GRIDS}
    print(f"{'mean':>8} {'':>8} " + " ".join(f"{means[c]:6.1f} %        " for c in GRIDS))
    n = len(capture)
    for fitted in ("applied", "own fit"):
        counts = {"both no-fit rules": sum(row[fitted] > max(row[r] for r in RULES) for row in capture.values()),
                  **{rule: sum(row[fitted] > row[rule] for row in capture.values()) for rule in RULES},
                  "the hand-set weights": sum(row[fitted] > row["hand-set"] for row in capture.values())}
        print(f"{fitted} captures more than " + "; than ".join(f"{what} on {k} of {n}" for what, k in counts.items()))
    return means


def whole_number(text):
    """A seed in ASCII digits (Python's int() also takes other scripts' digits and leading zeros,
    which would let "07" pass for a region other than 7)."""
    if not re.fullmatch(r"[0-9]+", text):
        raise argparse.ArgumentTypeError(f"seed {text!r} is not a whole number")
    return int(text)


def check_arguments(parser, args):
    if args.train_seed in args.seeds:
        parser.error(f"seed {args.train_seed} is the training region: it has been seen")
    if len(set(args.seeds)) < len(args.seeds):
        parser.error("--seeds names a region twice")
    if args.size is not None and args.size < MIN_SIZE:
        parser.error(f"--size {args.size}: a region has at least {MIN_SIZE} cells along each side")
    check_not_empty(parser, args, ("json", "keep", "minerisk"))
    if args.json is not None:
        check_new_json(parser, args.json, args.keep)
    args.minerisk = check_program(parser, args.minerisk)
    if args.keep:
        check_folder(parser, "--keep", args.keep)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train-seed", type=whole_number, default=7,
                        help="the region the model is fitted on (default 7, the sample)")
    parser.add_argument("--seeds", type=whole_number, nargs="+", default=[11, 12, 13, 14, 15],
                        help="the regions it is applied to (default 11 to 15)")
    parser.add_argument("--size", type=int, help="cells along each side (default: the sample preset, 1024)")
    parser.add_argument("--repeats", type=int, default=10, help="fit --repeats (default 10)")
    parser.add_argument("--block-size", type=float, default=600.0, help="fit --block-size (default 600)")
    parser.add_argument("--background-ratio", type=float, default=5.0, help="fit --background-ratio (default 5)")
    parser.add_argument("--json", help="also write the scores and weights as JSON (never replaced)")
    parser.add_argument("--keep", help="work in this folder and keep it (default: a temporary folder)")
    parser.add_argument("--minerisk", default=os.path.join(REPO, "build", "engine", "minerisk"))
    parser.add_argument("--pass-layer", action="store_true",
                        help="add the experimental layer of nearness to mountain passes (datasets/pass_layer.py) "
                             "to every scenario that is fitted or has the model applied")
    args = parser.parse_args(argv)
    check_arguments(parser, args)
    fit_options = ["--block-size", str(args.block_size), "--background-ratio", str(args.background_ratio),
                   "--repeats", str(args.repeats)]
    try:
        with work_folder(args.keep, "validate_synthetic_") as work:
            train = os.path.join(work, f"seed{args.train_seed}")
            train_scenario = generate(train, args.train_seed, args.size, args.pass_layer)
            model = os.path.join(work, "model.toml")
            call([args.minerisk, "fit", train_scenario, "-o", os.path.join(train, "fitted.toml"),
                  "--model", model, "-q", "--overwrite", *fit_options], "fitting the training region")
            results = {}
            for seed in args.seeds:
                region = os.path.join(work, f"seed{seed}")
                scenario = generate(region, seed, args.size, args.pass_layer)
                results[seed] = validate_region(args, fit_options, region, scenario, model)
            means = {devices: report(results, args.train_seed, devices) for devices in DEVICES}
            if args.json:
                with open(os.path.join(train, "region.json")) as f:
                    size = json.load(f)["size"]
                with open(args.json, "x") as f:
                    json.dump({"train_seed": args.train_seed, "fit_options": fit_options, "size": size,
                               "pass_layer": args.pass_layer,
                               "devices_scored": DEVICES, "model": weights(model),
                               "regions": {seed: {"scores": scores, "own_fit_weights": own}
                                           for seed, (scores, own) in results.items()},
                               "mean_capture_at_10_percent": means}, f, indent=1)
            return 0
    except Failure as failure:
        print(f"validate_synthetic: {failure}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
