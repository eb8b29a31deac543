// `minerisk run SCENARIO -o OUT.nc`: the model, end to end.
#include <cstdio>

#include "choices.hpp"
#include "command.hpp"
#include "summary_lines.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "minerisk/engine/model_file.hpp"
#include "minerisk/engine/ops/raster_tool.hpp"
#include "minerisk/engine/ops/run.hpp"
#include "minerisk/engine/scenario.hpp"

namespace minerisk::cli {

// CLI11's PositiveNumber and NonNegativeNumber print their range with the largest double written
// out (309 digits); these say it in words.
CLI::Validator positive_number() {
  return CLI::Validator(
      [](const std::string& text) {
        double v = 0;
        return CLI::detail::lexical_cast(text, v) && v > 0 ? std::string() : "must be a number above 0";
      },
      "> 0", "positive");
}

CLI::Validator non_negative_number() {
  return CLI::Validator(
      [](const std::string& text) {
        double v = 0;
        return CLI::detail::lexical_cast(text, v) && v >= 0 ? std::string() : "must be a number, 0 or more";
      },
      ">= 0", "non-negative");
}

void add_tile_options(CLI::App* cmd, ops::Control& options) {
  cmd->add_option("--threads", options.threads, "Worker threads (default: all cores)")
      ->check(non_negative_number());
  cmd->add_option("--tile-size", options.tile_size, "Tile edge in cells, 16 to 16384 (default 512)");
  cmd->add_flag("--overwrite", options.overwrite, "Replace outputs that exist (never an input); without it they are refused");
}

ops::Control control_of(const ops::Control& parsed, const Context& context) {
  ops::Control control = parsed;
  control.cancel = context.cancel;
  control.command_line = context.command_line;
  control.quiet = context.common->quiet;
  return control;
}

void add_output_options(CLI::App* cmd, ops::RasterOutputOptions& output) {
  cmd->add_option("--of,--format", output.format,  // -of too (main.cpp)
                  "Output format: a GDAL raster driver that can write (GTiff, COG, netCDF, HFA...); default: the one "
                  "the output's extension names (.tif: GTiff)");
  cmd->add_option("--co", output.creation_options,
                  "Creation option KEY=VALUE of the format's driver, as gdal_translate -co; repeatable; over "
                  "minerisk's defaults")
      ->expected(1)
      ->allow_extra_args(false)  // one KEY=VALUE each time: `-co K=V in.tif out.tif` as in GDAL
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--dst-nodata", output.nodata,
                  "No-data value of the output, as gdalwarp -dstnodata (default: the tool's own, -9999 as gdaldem, NaN "
                  "for diff; nan for NaN); a computed value equal to it is refused");
  // CLI11's own check, named "choices" for the man page and completion (choices.hpp): its
  // message is the one engine/ops gives Python for the same value.
  cmd->add_option("--compress", output.compress,
                  "GeoTIFF compression: ZSTD (default; lossless, fast), DEFLATE, LZW or NONE")
      ->transform(choice({"ZSTD", "DEFLATE", "LZW", "NONE"}));
}

void add_run_command(CLI::App& app, std::vector<Command>& commands, const Context& context) {
  struct Args {
    std::string scenario;
    std::filesystem::path output, model;
    ops::Control tiles;
    bool no_picture = false;
    std::string evidence = "packed";
    std::filesystem::path timings;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("run", "Compute the probability grid of a scenario and write it as netCDF-4 (CF-1.8)");
  cmd->add_option("scenario", args->scenario, "Scenario file (TOML)")->required();
  cmd->add_option("-o,--output", args->output,
                  "Output netCDF-4 file (.nc, CF-1.8); a quick-look PNG is written beside it")->required();
  cmd->add_option("--model", args->model,
                  "Model file from 'minerisk fit --model': its intercept, weights and transforms replace the "
                  "scenario's; the scenario must define the same layers");
  add_tile_options(cmd, args->tiles);
  cmd->add_flag("--no-picture", args->no_picture, "Do not write the quick-look PNG");
  cmd->add_option("--evidence", args->evidence,
                  "How OUT_evidence.nc stores each layer's contribution: packed (default; int16 in steps of 0.001 "
                  "log-odds, within +-32.767), float32 (as computed; 2 to 4 times larger and slower to write) or none "
                  "(no evidence file; explain then cannot explain the grid)")
      ->transform(choice({"packed", "float32", "none"}));
  cmd->add_option("--timings", args->timings,
                  "Also write where the time went as JSON: phases by wall clock, and the tiles' work (reading, each "
                  "feature, combine, compression, writing) summed over threads")
      ->check([](const std::string& path) { return path.empty() ? std::string("give a file name") : std::string(); });
  cmd->footer("Example: minerisk run out/sample/scenario.toml -o out/sample.nc");
  commands.push_back({cmd, [args, context] {
                        Scenario scenario = load_scenario(args->scenario);
                        if (!args->model.empty()) scenario = apply_model(scenario, load_model_file(args->model));
                        RunOptions run;
                        if (!args->model.empty()) run.model_file = std::filesystem::absolute(args->model);
                        static_cast<ops::Control&>(run) = control_of(args->tiles, context);
                        run.output = args->output;
                        run.quicklook = !args->no_picture;
                        run.evidence = evidence_storage_named(args->evidence, "--evidence");
                        run.timings = args->timings;
                        const RunSummary summary = run_scenario(scenario, run);
                        if (run.quiet) return;
                        std::fprintf(stderr, "minerisk run: %lld x %lld cells in %.1f s\n",
                                     static_cast<long long>(summary.width), static_cast<long long>(summary.height),
                                     summary.seconds);
                        print_grid_files(summary);
                        if (!run.timings.empty()) print_file_line("timings", run.timings);
                      }});
}

}  // namespace minerisk::cli
