#!/usr/bin/python3
"""Validates minerisk fit on generated regions it has never seen, against their true devices.

Fits the weights on one generated region (the training region) and applies that model to each of
the other regions (`minerisk run --model`, no fit there). Beside it, on each region: the region's
own fit, the generated scenario's hand-set weights and two no-fit rules (the density of finds
alone, the nearness of the front lines alone). Each grid is scored against the region's true
devices (`minerisk evaluate`): the share captured in the riskiest 10 % of the area, and ROC-AUC.
The true devices are never an input: every model sees only the finds, cleared land, records,
front lines and terrain a survey would have.

    /usr/bin/python3 datasets/validate_synthetic.py [--train-seed 7] [--seeds 11 12 13 14 15]
        [--size N] [--repeats 10] [--block-size 600] [--background-ratio 5] [--json OUT.json]
        [--keep DIR] [--minerisk build/engine/minerisk]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

# The no-fit rules: a [model] of one layer, weight 1 (the ranking is the layer's own).
RULES = {
    "finds alone": '[model.evidence.finds]\nfeature = "find_density"\nbandwidth = 200.0\nweight = 1.0\n'
                   'transform = "log1p"\n',
    "front lines alone": '[model.evidence.front_lines]\nfeature = "front_line_distance"\nweight = 1.0\n'
                         'transform = { type = "exp_decay", length = 500.0 }\n',
}
COLUMNS = ("hand-set", "applied", "own fit", *RULES)


class Failure(Exception):
    """A step that failed: one line for the user, exit code 2."""


def call(command, what):
    r = subprocess.run([str(c) for c in command], capture_output=True, text=True)
    if r.returncode != 0:
        last = (r.stderr.strip().splitlines() or ["exit code %d" % r.returncode])[-1]
        raise Failure(f"{what} failed: {last}")
    return r


def generate(folder, seed, size):
    shape = ["--size", str(size)] if size else ["--preset", "sample"]
    call(["/usr/bin/python3", os.path.join(HERE, "generate_region.py"), *shape, "--seed", seed, "--out", folder,
          "--quiet"], f"generating the region of seed {seed}")


def rule_scenario(region, name):
    """The region's scenario with its [model] replaced by the rule's one layer. generate_region.py
    writes [model] and its layers last, so what comes before is the region's inputs."""
    with open(os.path.join(region, "scenario.toml")) as f:
        inputs, model, rest = f.read().partition("\n[model]\n")
    if not model or any(line.startswith("[") and not line.startswith("[model") for line in rest.splitlines()):
        raise Failure(f"{region}/scenario.toml: [model] is not its last table, as generate_region.py writes it")
    path = os.path.join(region, name.replace(" ", "_") + ".toml")
    with open(path, "w") as f:
        f.write(inputs + "\n[model]\nintercept = 0.0\n\n" + RULES[name])
    return path


def score(minerisk, grid, region):
    report = grid.removesuffix(".nc") + "_evaluation.json"  # and its capture-curve plot, .png
    call([minerisk, "evaluate", grid, "--truth", os.path.join(region, "truth.gpkg"), "--layer", "devices", "-o",
          report, "-q", "--overwrite"], f"evaluating {grid}")
    with open(report) as f:
        e = json.load(f)
    return {"capture_at_10_percent": 100 * e["capture_at_area"]["10%"], "roc_auc": e["roc_auc"],
            "devices": int(e["true_items"])}


def run(minerisk, scenario, grid, *extra):
    call([minerisk, "run", scenario, "-o", grid, "--no-picture", "-q", "--overwrite", *extra], f"running {scenario}")
    return grid


def validate_region(args, fit_options, region, model):
    """Every column's score on one region."""
    scores = {"hand-set": score(args.minerisk, run(args.minerisk, os.path.join(region, "scenario.toml"),
                                                   os.path.join(region, "hand_set.nc")), region),
              "applied": score(args.minerisk, run(args.minerisk, os.path.join(region, "scenario.toml"),
                                                  os.path.join(region, "applied.nc"), "--model", model), region)}
    own = os.path.join(region, "own_fit.toml")
    call([args.minerisk, "fit", os.path.join(region, "scenario.toml"), "-o", own, "-q", "--overwrite", *fit_options],
         f"fitting {region}")
    scores["own fit"] = score(args.minerisk, run(args.minerisk, own, os.path.join(region, "own_fit.nc")), region)
    for name in RULES:
        grid = run(args.minerisk, rule_scenario(region, name), os.path.join(region, name.replace(" ", "_") + ".nc"))
        scores[name] = score(args.minerisk, grid, region)
    return scores


def report(results, train_seed):
    print(f"capture of the true devices in the riskiest 10 % of the area (ROC-AUC); 'applied': the model fitted "
          f"on the region of seed {train_seed}, applied with run --model")
    print(f"{'region':>8} {'devices':>8} " + " ".join(f"{c:>17}" for c in COLUMNS))
    for seed, scores in results.items():
        cells = " ".join(f"{scores[c]['capture_at_10_percent']:6.1f} % ({scores[c]['roc_auc']:.3f})" for c in COLUMNS)
        print(f"{seed:>8} {scores['hand-set']['devices']:>8} {cells}")
    means = {c: sum(s[c]["capture_at_10_percent"] for s in results.values()) / len(results) for c in COLUMNS}
    print(f"{'mean':>8} {'':>8} " + " ".join(f"{means[c]:6.1f} %        " for c in COLUMNS))
    capture = {seed: {c: s[c]["capture_at_10_percent"] for c in COLUMNS} for seed, s in results.items()}
    for fitted in ("applied", "own fit"):
        over_rules = sum(c[fitted] > max(c[r] for r in RULES) for c in capture.values())
        over_hand_set = sum(c[fitted] > c["hand-set"] for c in capture.values())
        print(f"{fitted}: captures more than both no-fit rules on {over_rules} of {len(results)} regions, more than "
              f"the hand-set weights on {over_hand_set}")
    return means


def model_weights(model):
    with open(model, "rb") as f:
        m = tomllib.load(f)["model"]
    return {"intercept": m["intercept"], **{name: layer["weight"] for name, layer in m["evidence"].items()}}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train-seed", default="7", help="the region the model is fitted on (default 7, the sample)")
    parser.add_argument("--seeds", nargs="+", default=["11", "12", "13", "14", "15"],
                        help="the regions it is applied to (default 11 to 15)")
    parser.add_argument("--size", type=int, help="cells along each side (default: the sample preset, 1024)")
    parser.add_argument("--repeats", type=int, default=10, help="fit --repeats (default 10)")
    parser.add_argument("--block-size", type=float, default=600.0, help="fit --block-size (default 600)")
    parser.add_argument("--background-ratio", type=float, default=5.0, help="fit --background-ratio (default 5)")
    parser.add_argument("--json", help="also write the scores as JSON")
    parser.add_argument("--keep", help="work in this folder and keep it (default: a temporary folder)")
    parser.add_argument("--minerisk", default=os.path.join(REPO, "build", "engine", "minerisk"))
    args = parser.parse_args(argv)
    for seed in [args.train_seed, *args.seeds]:
        if not seed.isdigit():
            parser.error(f"seed {seed!r} is not a whole number")
    if args.train_seed in args.seeds:
        parser.error(f"seed {args.train_seed} is the training region: it has been seen")
    if args.json and os.path.exists(args.json):
        parser.error(f"--json {args.json} exists; remove it or choose another name")
    fit_options = ["--block-size", str(args.block_size), "--background-ratio", str(args.background_ratio),
                   "--repeats", str(args.repeats)]
    work = os.path.abspath(args.keep) if args.keep else tempfile.mkdtemp(prefix="validate_synthetic_")
    try:
        train = os.path.join(work, f"seed{args.train_seed}")
        generate(train, args.train_seed, args.size)
        model = os.path.join(work, "model.toml")
        call([args.minerisk, "fit", os.path.join(train, "scenario.toml"), "-o", os.path.join(train, "fitted.toml"),
              "--model", model, "-q", "--overwrite", *fit_options], "fitting the training region")
        results = {}
        for seed in args.seeds:
            region = os.path.join(work, f"seed{seed}")
            generate(region, seed, args.size)
            results[seed] = validate_region(args, fit_options, region, model)
        means = report(results, args.train_seed)
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"train_seed": args.train_seed, "fit_options": fit_options, "size": args.size or 1024,
                           "regions": results, "mean_capture_at_10_percent": means,
                           "model": model_weights(model)}, f, indent=1)
        return 0
    except Failure as failure:
        print(f"validate_synthetic: {failure}", file=sys.stderr)
        return 2
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
