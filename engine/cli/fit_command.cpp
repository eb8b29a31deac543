// `minerisk fit SCENARIO.toml -o FITTED.toml`: calibrate the weights on finds and cleared land.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <utility>
#include <vector>

#include "command.hpp"
#include "summary_lines.hpp"
#include "minerisk/engine/dataset_name.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/joined.hpp"
#include "minerisk/engine/ops/fit.hpp"

namespace minerisk::cli {

namespace {

// The smallest and largest of the fits' figures, leaving out the fits that had none (NaN).
std::pair<double, double> finite_range(const std::vector<double>& values) {
  double low = INFINITY, high = -INFINITY;
  for (double v : values)
    if (std::isfinite(v)) low = std::min(low, v), high = std::max(high, v);
  return {low, high};
}

// --knots: 0 (keep the given transforms) or 2 to 50 segments; one segment is a straight line, which
// a weight already is. Shown in the help as "0 or 2 - 50" (CLI::Range would say "0 - 50").
CLI::Validator curve_segments() {
  return CLI::Validator(
      [](std::string& text) {
        const long v = std::strtol(text.c_str(), nullptr, 10);
        return v == 0 || (v >= 2 && v <= 50) ? std::string()
                                             : "must be 0 (keep the given transforms) or a whole number "
                                               "of curve segments from 2 to 50, not " + text;
      },
      "0 or 2 - 50", "curve segments");
}

}  // namespace

void add_fit_command(CLI::App& app, std::vector<Command>& commands, const Context& context) {
  struct Args {
    std::string scenario;
    std::filesystem::path output, report, design, model, curves, labels, zones;
    std::optional<double> background_ratio, l2, block_size;
    std::optional<int> folds, knots, repeats;
    std::optional<int64_t> seed;
    bool no_cross_validation = false;
    ops::Control tiles;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "fit", "Calibrate a scenario's weights on finds and cleared land (or labels), with spatial cross-validation");
  cmd->add_option("scenario", a->scenario, "Scenario file (TOML)")->required();
  cmd->add_option("-o,--output", a->output, "The scenario with fitted weights, ready for 'minerisk run'")->required();
  cmd->add_option("--report", a->report, "Also write the coefficient table, cross-validation and weights of evidence as JSON");
  cmd->add_option("--design", a->design, "Also write the training rows (transformed features, label) as CSV");
  cmd->add_option("--model", a->model,
                  "Also write the portable model file (.toml: layers, transforms, weights, covariance, provenance; no "
                  "paths), for 'minerisk run OTHER/scenario.toml --model MODEL.toml'");
  cmd->add_option("--curves", a->curves, "Also draw the learned curves (with --knots) as a PNG");
  cmd->add_option("--labels", a->labels, "Label raster (1 positive, 0 negative) instead of finds and cleared land");
  cmd->add_option("--background-ratio", a->background_ratio, "Random background negatives per positive");
  cmd->add_option("--l2", a->l2, "L2 penalty on the weights (scikit-learn's 1/C; default 1)")->check(non_negative_number());
  cmd->add_option("--block-size", a->block_size, "Cross-validate by square blocks of this many metres (0, the default: none, unless a layer "
                  "is built from the labels, which then gets blocks a fifth of the grid's shorter side, as a note says)")
      ->check(non_negative_number());
  cmd->add_option("--zones", a->zones, "Cross-validate leaving one zone of this raster out at a time");
  cmd->add_option("--folds", a->folds, "Folds the blocks are dealt into (default 5)")->check(CLI::Range(2, 100));
  cmd->add_option("--seed", a->seed,
                  "Seed of the random background cells and of the deal of blocks into folds (default 1)")
      ->check(CLI::Range(int64_t{0}, static_cast<int64_t>(kMaxSeed)));
  cmd->add_option("--repeats", a->repeats,
                  "Fit this many times, each on its own deal of the blocks into folds and draw of background cells, "
                  "and take the median weights (default 1)")
      ->check(CLI::Range(1, 100));
  cmd->add_option("--knots", a->knots,
                  "Learn each layer's effect as a piecewise-linear curve with this many segments (0: keep the given transforms)")
      ->check(curve_segments());
  cmd->add_flag("--no-cross-validation", a->no_cross_validation,
               "Use the folds only to build the label layers out of fold; skip the cross-validation");
  add_tile_options(cmd, a->tiles);
  cmd->footer("Example: minerisk fit out/sample/scenario.toml -o out/sample/fitted.toml --block-size 600 --background-ratio 2");
  commands.push_back({cmd, [a, context] {
    Scenario scenario = load_scenario(a->scenario);
    FitOptions options;
    options.spec = scenario.fit;
    // As a scenario's paths are read, from the current folder: absolute and tidied ("./a/../a/z.tif"
    // is "a/z.tif"; the fitted scenario and the model file name them), GDAL's names kept whole.
    const std::filesystem::path here = std::filesystem::current_path();
    if (!a->labels.empty()) options.spec.labels = resolve_dataset_name(a->labels.string(), here);
    if (!a->zones.empty()) options.spec.zones = resolve_dataset_name(a->zones.string(), here);
    if (a->background_ratio) options.spec.background_ratio = *a->background_ratio;
    if (a->l2) options.spec.l2 = *a->l2;
    if (a->block_size) options.spec.block_size = *a->block_size;
    if (!a->zones.empty() && a->block_size)
      throw UserError("--zones and --block-size are two ways to make the folds; give one");
    options.spec.keep_given_folds(!a->zones.empty(), a->block_size.has_value());
    if (a->folds) options.spec.folds = *a->folds;
    if (a->knots) options.spec.knots = *a->knots;
    if (a->repeats) options.spec.repeats = *a->repeats;
    if (a->seed) options.spec.seed = static_cast<uint64_t>(*a->seed);
    if (a->no_cross_validation) options.spec.cross_validate = false;
    static_cast<ops::Control&>(options) = control_of(a->tiles, context);
    const FitResult r = fit_to_files(scenario, options, {a->output, a->report, a->design, a->model, a->curves});
    for (const std::string& w : r.warnings) std::fprintf(stderr, "minerisk fit: warning: %s\n", w.c_str());
    if (options.quiet) return;
    for (const std::string& n : r.notes) std::fprintf(stderr, "minerisk fit: %s\n", n.c_str());
    std::printf("training cells: %lld positive, %lld negative\n", static_cast<long long>(r.positives),
                static_cast<long long>(r.negatives));
    if (r.repeats > 1)
      std::printf("weights: the median of %d fits, one per deal of the folds and draw of background cells; their "
                  "standard errors include the spread between the fits\n", r.repeats);
    // Weights on the layer's own scale (what `run` uses), then per standard deviation of the
    // layer over the training cells (comparable across layers).
    std::printf("%-24s %12s %10s %9s %10s %12s\n", "layer", "weight", "std.err", "z", "p", "per sd");
    for (const Coefficient& c : r.coefficients)
      std::printf("%-24s %12.5f %10.5f %9.2f %10.3g %12.5f\n", c.name.c_str(), c.weight, c.standard_error, c.z, c.p_value,
                  c.standardised_weight);
    if (!r.cross_fitted.empty()) {
      std::printf("built out of fold (%s): %s\n", r.folds_description.c_str(), joined(r.cross_fitted).c_str());
    }
    if (r.folds > 0 && r.repeats > 1) {
      const auto [roc_low, roc_high] = finite_range(r.repeat_cv_roc_auc);
      const auto [pr_low, pr_high] = finite_range(r.repeat_cv_pr_auc);
      std::printf("spatial cross-validation, %s: ROC-AUC %.4f (mean; %.4f to %.4f), PR-AUC %.4f (%.4f to %.4f)\n",
                  r.folds_description.c_str(), r.cv_roc_auc, roc_low, roc_high, r.cv_pr_auc, pr_low, pr_high);
    } else if (r.folds > 0) {
      std::printf("spatial cross-validation, %s: ROC-AUC %.4f, PR-AUC %.4f\n", r.folds_description.c_str(), r.cv_roc_auc,
                  r.cv_pr_auc);
    }
    // The baseline beside the figures: a PR-AUC reads only against the share of positives.
    if (r.folds > 0)
      std::printf("a random ranking of the same held-out cells: ROC-AUC 0.5000, PR-AUC %.4f\n", r.cv_positive_share);
    if (!r.weights_of_evidence.empty()) {
      std::printf("%-24s %8s %8s %9s %8s %12s\n", "weights of evidence", "W+", "W-", "contrast", "s(C)", "C / s(C)");
      for (const auto& [name, w] : r.weights_of_evidence)
        std::printf("%-24s %8.3f %8.3f %9.3f %8.3f %12.2f\n", name.c_str(), w.w_plus, w.w_minus, w.contrast, w.contrast_sd,
                    w.studentised);
    }
    print_file_line("fitted scenario", a->output);
    if (!a->model.empty()) print_file_line("model", a->model);
  }});
}

}  // namespace minerisk::cli
