// `minerisk evaluate GRID.h5 --truth TRUTH`: how well the grid ranks land against the truth.
#include <cmath>
#include <cstdio>

#include "command.hpp"
#include "summary_lines.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/ops/evaluate.hpp"

namespace minerisk::cli {

void add_evaluate_command(CLI::App& app, std::vector<Command>& commands, const Context& context) {
  struct Args {
    std::filesystem::path grid, report, picture;
    std::string variable;
    bool overwrite = false;
    TruthSpec truth;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "evaluate", "Score a probability grid against the truth: ROC-AUC, PR-AUC, capture curve, false alarms");
  cmd->add_option("grid", a->grid,
                  "The grid: an output of 'minerisk run' or 'sweep', any raster GDAL reads, or a GDAL dataset name "
                  "such as NETCDF:\"out.nc\":p95")
      ->required();
  cmd->add_option("--variable", a->variable,
                  "The variable of a file of several (default: probability, or a sweep's mean)");
  cmd->add_flag("--overwrite", a->overwrite, "Replace a report or picture that exists (never an input)");
  cmd->add_option("--truth", a->truth.path, "Points of true items (any OGR layer), or a label raster on the grid")->required();
  cmd->add_option("--layer", a->truth.layer, "Layer of a vector truth (default: its only layer)");
  cmd->add_option("--where", a->truth.where, "OGR SQL filter on the truth's features");
  cmd->add_option("--count-field", a->truth.count_field, "Attribute with each point's number of items (default 1)");
  cmd->add_option("-o,--output", a->report, "JSON report (default: GRID's name with _evaluation.json)");
  cmd->add_option("--picture", a->picture, "PNG of the capture curve (default: the report's name with .png)");
  cmd->footer("Example: minerisk evaluate out/sample.nc --truth out/sample/truth.gpkg --layer devices");
  commands.push_back({cmd, [a, context] {
                        EvaluateFiles files{a->report, a->picture, a->variable, a->overwrite};
                        const Evaluation e = evaluate_to_files(a->grid, a->truth, files, context.cancel);
                        if (context.common->quiet) return;  // the report and picture say it all
                        const auto& m = e.metrics;
                        std::printf("cells %lld (%lld with true items, %g items)\n", static_cast<long long>(e.cells),
                                    static_cast<long long>(m.positives), m.items);
                        // Items the figures leave out, so that none is lost unseen.
                        const double outside = std::isnan(e.items_outside_grid) ? 0 : e.items_outside_grid;
                        if (e.items_without_probability > 0 || outside > 0)
                          std::printf("not scored: %g items on cells without a probability (no data), %g outside the grid\n",
                                      e.items_without_probability, outside);
                        // A label raster that leaves land out: the shares of the area are of the labelled land.
                        if (e.cells_without_label > 0)
                          std::printf("not scored: %lld cells with a probability have no label (the label raster's "
                                      "no-data, negative labels or beyond its extent); the area below is the %lld "
                                      "labelled cells\n",
                                      static_cast<long long>(e.cells_without_label), static_cast<long long>(e.cells));
                        std::printf("ROC-AUC %.4f\nPR-AUC  %.4f\n", m.roc_auc, m.average_precision);
                        for (size_t k = 0; k < m.area_fractions.size(); ++k)
                          std::printf("capture at %4.0f%% of the area: %5.1f%% of items\n", 100 * m.area_fractions[k],
                                      100 * m.captured[k]);
                        std::printf("false alarms ranked above each item, on average: %.1f\n", m.mean_false_alarms_above);
                        print_file_line("report", files.report);
                        print_file_line("picture", files.picture);
                      }});
}

}  // namespace minerisk::cli
