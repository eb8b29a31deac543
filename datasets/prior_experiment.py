#!/usr/bin/python3
"""An experiment, not in the tool: a fit whose penalty pulls the weights toward the hand-set ones.

minerisk fit's penalty shrinks each standardised weight toward 0. Here, on each generated region,
the same design (`minerisk fit --design`: the training cells' transformed layers and labels) is
refitted with the penalty centred on the scenario's hand-set weights instead, standardised the
same way: minimise  sum of logistic losses + l2 / 2 * |w - w_hand * sd|^2  (intercept free). The
result is written as a scenario (the generated one with the new intercept and weights) and
scored against the region's true devices beside the hand-set weights and the region's own fit.
Before that, the same code with the centre at 0 must give minerisk's own weights, to 1e-6 of
the largest (else it stops): the experiment changes only the centre.

    /usr/bin/python3 datasets/prior_experiment.py [--seeds 11 12 13 14 15] [--l2 100] [--size N]
        [--keep DIR] [--minerisk build/engine/minerisk]

The README cites it ("On regions it has never seen"). The generator lays its fields by the same
doctrine as the hand-set weights, so this favours them by construction.
"""
import argparse
import csv
import os
import re
import sys
import tomllib

import numpy as np
from scipy.optimize import minimize

from script_support import check_folder, check_not_empty, check_program, work_folder
from validate_synthetic import MIN_SIZE, REPO, Failure, call, generate, score, whole_number

FIT_OPTIONS = ["--block-size", "600", "--background-ratio", "5", "--no-cross-validation"]
COLUMNS = {"hand-set": "scenario.toml", "own fit": "own_fit.toml", "centred on hand-set": "prior.toml"}


def read_design(path):
    """The layers' names, their transformed values (cells x layers) and the labels."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    names = [name for name in rows[0] if name not in ("row", "col", "label")]
    x = np.array([[float(row[name]) for name in names] for row in rows])
    return names, x, np.array([float(row["label"]) for row in rows])


def penalised_fit(x, y, l2, centre):
    """Intercept and weights on the layers' own scale: logistic regression on the standardised
    layers (population sd), penalty l2 / 2 * |w - centre|^2 on the standardised weights."""
    mean, sd = x.mean(axis=0), x.std(axis=0)
    z = (x - mean) / sd

    def objective(p):
        t = p[0] + z @ p[1:]
        residual = 1.0 / (1.0 + np.exp(-t)) - y
        value = np.sum(np.logaddexp(0.0, t) - y * t) + 0.5 * l2 * np.sum((p[1:] - centre) ** 2)
        return value, np.concatenate([[residual.sum()], z.T @ residual + l2 * (p[1:] - centre)])

    p = minimize(objective, np.concatenate([[0.0], centre]), jac=True, method="BFGS",
                 options={"gtol": 1e-9, "maxiter": 10000}).x
    weights = p[1:] / sd
    return p[0] - np.sum(weights * mean), weights, sd


def model_of(toml_path):
    with open(toml_path, "rb") as f:
        model = tomllib.load(f)["model"]
    return model["intercept"], {name: layer["weight"] for name, layer in model["evidence"].items()}


def write_weights(scenario, out, intercept, weights):
    """The generated scenario with [model]'s intercept and each layer's weight replaced (each on a
    line of its own, as generate_region.py writes them); checked by reading it back."""
    section, lines = None, []
    with open(scenario) as f:
        for line in f:
            header = re.match(r"\[([^\]]+)\]", line)
            section = header.group(1) if header else section
            key = line.split("=")[0].strip()
            if section == "model" and key == "intercept":
                line = f"intercept = {intercept!r}\n"
            elif section and section.startswith("model.evidence.") and key == "weight":
                line = f"weight = {weights[section.removeprefix('model.evidence.')]!r}\n"
            lines.append(line)
    with open(out, "w") as f:
        f.writelines(lines)
    if model_of(out) != (intercept, weights):
        raise Failure(f"{scenario}: its [model] is not laid out as generate_region.py writes it")


def experiment_on(args, region):
    """Scores of the three columns on one region, and the centred fit's weights."""
    scenario = os.path.join(region, "scenario.toml")
    own, design = os.path.join(region, "own_fit.toml"), os.path.join(region, "design.csv")
    call([args.minerisk, "fit", scenario, "-o", own, "--design", design, "-q", "--overwrite", *FIT_OPTIONS],
         f"fitting {region}")
    names, x, y = read_design(design)
    own_intercept, own_weights = model_of(own)
    _, hand = model_of(scenario)
    with open(own, "rb") as f:
        l2 = tomllib.load(f)["fit"]["l2"]
    intercept, weights, sd = penalised_fit(x, y, l2, np.zeros(len(names)))
    expected = np.array([own_intercept] + [own_weights[n] for n in names])
    if np.max(np.abs(np.concatenate([[intercept], weights]) - expected)) > 1e-6 * np.max(np.abs(expected)):
        raise Failure(f"{region}: refitting the design with the centre at 0 does not give minerisk's weights")
    intercept, weights, _ = penalised_fit(x, y, args.l2, np.array([hand[n] for n in names]) * sd)
    centred = dict(zip(names, map(float, weights)))
    write_weights(scenario, os.path.join(region, "prior.toml"), float(intercept), centred)
    scores = {}
    for column, toml in COLUMNS.items():
        grid = os.path.join(region, toml.removesuffix(".toml") + ".nc")
        call([args.minerisk, "run", os.path.join(region, toml), "-o", grid, "--no-picture", "-q", "--overwrite"],
             f"running {column} on {region}")
        scores[column] = score(args.minerisk, grid, region)
    return scores, centred


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=whole_number, nargs="+", default=[11, 12, 13, 14, 15])
    parser.add_argument("--l2", type=float, default=100.0, help="the penalty toward the hand-set weights (default 100)")
    parser.add_argument("--size", type=int, help="cells along each side (default: the sample preset, 1024)")
    parser.add_argument("--keep", help="work in this folder and keep it (default: a temporary folder)")
    parser.add_argument("--minerisk", default=os.path.join(REPO, "build", "engine", "minerisk"))
    args = parser.parse_args(argv)
    if not (np.isfinite(args.l2) and args.l2 > 0):
        parser.error(f"--l2 {args.l2}: must be a finite number above 0")
    check_not_empty(parser, args, ("keep", "minerisk"))
    if len(set(args.seeds)) < len(args.seeds):
        parser.error("--seeds names a region twice")
    if args.size is not None and args.size < MIN_SIZE:
        parser.error(f"--size {args.size}: a region has at least {MIN_SIZE} cells along each side")
    args.minerisk = check_program(parser, args.minerisk)
    if args.keep:
        check_folder(parser, "--keep", args.keep)
    try:
        with work_folder(args.keep, "prior_experiment_") as work:
            return run(args, work)
    except Failure as failure:
        print(f"prior_experiment: {failure}", file=sys.stderr)
        return 2


def run(args, work):
    """Each region's three columns, printed as they come, then the means."""
    print(f"capture in the riskiest 10 % of the area, devices in the ground (all devices); l2 = {args.l2:g}")
    print(f"{'region':>8} " + " ".join(f"{c:>22}" for c in COLUMNS))
    capture = {c: [] for c in COLUMNS}
    for seed in args.seeds:
        region = os.path.join(work, f"seed{seed}")
        generate(region, seed, args.size, False)
        scores, _ = experiment_on(args, region)
        for column in COLUMNS:
            capture[column].append(scores[column]["in the ground"]["capture_at_10_percent"])
        print(f"{seed:>8} " + " ".join(f"{s['in the ground']['capture_at_10_percent']:12.1f} % "
                                       f"({s['all']['capture_at_10_percent']:4.1f} %)" for s in scores.values()))
    print(f"{'mean':>8} " + " ".join(f"{np.mean(values):12.1f} %         " for values in capture.values()))
    better = sum(c > o for c, o in zip(capture["centred on hand-set"], capture["own fit"]))
    print(f"centred on hand-set captures more than the own fit on {better} of {len(args.seeds)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
