// `minerisk update SCENARIO -o OUT.nc`: the nightly batch (engine/ops/update.cpp).
#include <cstdio>

#include "choices.hpp"
#include "command.hpp"
#include "summary_lines.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/model_file.hpp"
#include "minerisk/engine/names_in_any_case.hpp"
#include "minerisk/engine/ops/update.hpp"
#include "minerisk/engine/scenario.hpp"

namespace minerisk::cli {

namespace {
// The exit code main() gives each failure, for the log's error event.
int exit_code_of(const std::exception& e) {
  if (dynamic_cast<const Busy*>(&e)) return kExitBusy;
  if (dynamic_cast<const UserError*>(&e)) return kExitUserError;
  if (dynamic_cast<const Cancelled*>(&e)) return kExitInterrupted;
  if (dynamic_cast<const std::filesystem::filesystem_error*>(&e)) return kExitUserError;
  return kExitInternal;
}

std::string change_text(const UpdateSummary& s) {
  if (!s.full_reason.empty()) return "every tile recomputed (" + s.full_reason + ")";
  std::string text;
  for (const auto& [part, tiles] : s.tiles_by_input)
    text += (text.empty() ? "" : ", ") + part + " in " + std::to_string(tiles) + (tiles == 1 ? " tile" : " tiles");
  if (!text.empty()) return "changed: " + text;
  // Damaged tiles are computed again though no input changed (the note below says why).
  return s.tiles_damaged > 0 ? "no input changed" : "nothing changed";
}
}  // namespace

void add_update_command(CLI::App& app, std::vector<Command>& commands, const Context& context) {
  struct Args {
    std::string scenario;
    std::filesystem::path output, model, timings;
    ops::Control tiles;
    bool no_picture = false, wait = false;
    int keep = 0;
    std::string evidence = "packed", log_format = "text";
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "update", "Recompute only the tiles of OUT.nc whose inputs changed since it was written (the nightly batch)");
  cmd->add_option("scenario", args->scenario, "Scenario file (TOML), as for run")->required();
  cmd->add_option("-o,--output", args->output,
                  "The grid to update (.nc), written by run or update; computed in full when it does not exist")
      ->required();
  cmd->add_option("--model", args->model, "Model file from 'minerisk fit --model', as for run");
  cmd->add_option("--threads", args->tiles.threads, "Worker threads (default: all cores)")->check(non_negative_number());
  CLI::Option* tile_size = cmd->add_option(
      "--tile-size", args->tiles.tile_size,
      "Tile edge in cells, 16 to 16384 (default: the previous output's, else 512); another than the previous "
      "output's recomputes every tile");
  cmd->add_flag("--overwrite", args->tiles.overwrite,
                "Replace OUT.nc even when it holds no record of its tiles (not written by run or update)");
  cmd->add_flag("--no-picture", args->no_picture, "Do not write the quick-look PNG");
  CLI::Option* evidence = cmd->add_option(
      "--evidence", args->evidence,
      "Evidence storage, as for run: packed, float32 or none (default: the previous output's, else packed)")
      ->transform(choice({"packed", "float32", "none"}));
  cmd->add_flag("--wait", args->wait,
                "When another update of OUT.nc is running, wait for it to finish (default: exit at once with code 3)");
  cmd->add_option("--keep", args->keep,
                  "Keep the previous N grids (and pictures) beside OUT.nc under dated names, OUT.20261204T020000Z.nc "
                  "(default 0: none)")
      ->check(CLI::Range(0, 10000));
  cmd->add_option("--log-format", args->log_format,
                  "text (default: lines on stderr) or json (one JSON object per line on stdout: start, wait, plan, "
                  "progress, summary, error)")
      ->transform(choice({"text", "json"}));
  cmd->add_option("--timings", args->timings, "Also write where the time went as JSON, as for run");
  cmd->footer("Exit codes: 0 updated (or nothing to do), 2 bad input, 3 busy (another update holds OUT.nc.lock),\n"
              "130 interrupted, 1 internal error. A failed or interrupted update leaves OUT.nc as it was.\n"
              "Example: minerisk update out/sample/scenario.toml -o out/sample.nc --keep 7 --log-format json");
  commands.push_back({cmd, [args, context, tile_size, evidence] {
                        const ops::UpdateLog log(ops::log_format_named(args->log_format, "--log-format"),
                                                 context.common->quiet);
                        try {
                          Scenario scenario = load_scenario(args->scenario);
                          if (!args->model.empty()) scenario = apply_model(scenario, load_model_file(args->model));
                          UpdateOptions update;
                          static_cast<ops::Control&>(update) = control_of(args->tiles, context);
                          if (!args->model.empty()) update.model_file = std::filesystem::absolute(args->model);
                          update.output = args->output;
                          update.quicklook = !args->no_picture;
                          update.evidence = evidence_storage_named(args->evidence, "--evidence");
                          update.timings = args->timings;
                          update.wait = args->wait;
                          update.tile_size_given = tile_size->count() > 0;
                          update.evidence_given = evidence->count() > 0;
                          update.keep = args->keep;
                          update.log = &log;
                          // The bar is for a terminal; a JSON log reports progress itself.
                          if (log.json()) {
                            update.quiet = true;
                            update.progress = [&log, last = -1](double f) mutable {
                              const int tenth = static_cast<int>(f * 10);
                              if (tenth != last) log.event("progress", {{"fraction", tenth / 10.0}}, "");
                              last = tenth;
                              return true;
                            };
                          }
                          const UpdateSummary s = update_scenario(scenario, update);
                          const auto null_or = [](const std::string& text) {
                            return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
                          };
                          nlohmann::json kept = nlohmann::json::array();
                          for (const auto& k : s.kept) kept.push_back(k.string());
                          log.event("summary",
                                    {{"output", s.run.output.string()},
                                     {"probability_digest", s.probability_digest},
                                     {"tiles_total", s.tiles_total},
                                     {"tiles_recomputed", s.tiles_recomputed},
                                     {"tiles_copied", s.tiles_copied},
                                     {"tiles_from_journal", s.tiles_from_journal},
                                     {"tiles_damaged", s.tiles_damaged},
                                     {"tiles_left_unread", s.tiles_left_unread},
                                     {"tiles_in_part", s.tiles_in_part},
                                     {"cells_recomputed", s.cells_recomputed},
                                     {"full_reason", null_or(s.full_reason)},
                                     {"tiles_by_input", s.tiles_by_input},
                                     {"files_changed", s.files_changed},
                                     {"kept", kept},
                                     {"previous_copied_by", null_or(s.previous_copied_by)},
                                     {"whole_write_reason", null_or(s.whole_write_reason)},
                                     {"notes", s.run.notes},
                                     {"seconds", s.run.seconds}},
                                    "");
                          if (log.json() || context.common->quiet) return;
                          char line[200];
                          const std::string in_part =
                              s.tiles_in_part ? " (" + std::to_string(s.tiles_in_part) + " of them in part)" : "";
                          std::snprintf(line, sizeof line, "%lld of %lld tiles recomputed%s, %lld copied%s in %.2f s",
                                        static_cast<long long>(s.tiles_recomputed), static_cast<long long>(s.tiles_total),
                                        in_part.c_str(),
                                        static_cast<long long>(s.tiles_copied),
                                        s.tiles_from_journal ? (", " + std::to_string(s.tiles_from_journal) +
                                                                " from the journal").c_str()
                                                             : "",
                                        s.run.seconds);
                          std::fprintf(stderr, "minerisk update: %s; %s\n", change_text(s).c_str(), line);
                          if (s.tiles_damaged > 0)
                            std::fprintf(stderr,
                                         "minerisk update: note: %lld unchanged tiles of the previous output failed "
                                         "their check (damaged, or re-encoded by another tool) and were computed again\n",
                                         static_cast<long long>(s.tiles_damaged));
                          print_grid_files(s.run);
                          std::printf("probability digest: %s\n", s.probability_digest.c_str());
                          for (const auto& k : s.kept) print_file_line("kept", k);
                        } catch (const std::exception& e) {
                          log.event("error", {{"exit_code", exit_code_of(e)}, {"message", e.what()}}, "");
                          throw;
                        }
                      }});
}

void log_update_parse_error(const std::vector<std::string>& args, const std::string& message) {
  if (std::find(args.begin(), args.end(), "update") == args.end()) return;
  bool json = false;
  for (size_t k = 0; k < args.size(); ++k) {
    if (args[k] == "--log-format" && k + 1 < args.size()) json = lower_case(args[k + 1]) == "json";
    if (args[k].rfind("--log-format=", 0) == 0) json = lower_case(args[k].substr(13)) == "json";
  }
  if (json) ops::UpdateLog(ops::UpdateLog::Format::json, true).event("error", {{"exit_code", 2}, {"message", message}}, "");
}

}  // namespace minerisk::cli
