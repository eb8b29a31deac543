#include "minerisk/engine/scenario.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/nearest_name.hpp"
#include "minerisk/engine/toml_reader.hpp"
#include "../features/feature.hpp"
#include "scenario_schema.hpp"

namespace fs = std::filesystem;

namespace minerisk {
namespace {

GridSpec read_grid(const TomlReader& r) {
  GridSpec g;
  g.crs = r.required_text("crs", "set the target CRS, e.g. crs = \"EPSG:32638\"");
  const std::vector<double> res = r.numbers("resolution");
  if (!r.has("resolution")) r.fail("resolution", "is missing; set the cell size in CRS units, e.g. resolution = 10");
  if (res.size() != 1 && res.size() != 2) r.fail("resolution", "must be one number or [x, y]");
  g.resolution_x = res[0];
  g.resolution_y = res.size() == 2 ? res[1] : res[0];
  r.require_positive("resolution", g.resolution_x, "the cell size must be larger than zero");
  r.require_positive("resolution", g.resolution_y, "the cell size must be larger than zero");
  const std::vector<double> b = r.numbers("bounds");
  if (!r.has("bounds")) r.fail("bounds", "is missing; set bounds = [xmin, ymin, xmax, ymax] in CRS units");
  if (b.size() != 4) r.fail("bounds", "must be [xmin, ymin, xmax, ymax]");
  g.xmin = b[0], g.ymin = b[1], g.xmax = b[2], g.ymax = b[3];
  if (!(g.xmax > g.xmin && g.ymax > g.ymin)) r.fail("bounds", "must have xmax > xmin and ymax > ymin");
  if ((g.xmax - g.xmin) / g.resolution_x < 0.5 || (g.ymax - g.ymin) / g.resolution_y < 0.5)
    r.fail("resolution", "is larger than the bounds; the grid would have no cells");
  return g;
}

// The keys of a vector section: its file, and the attribute the model takes from it.
std::vector<std::string> vector_keys(const std::string& value_key, const std::vector<std::string>& extra_keys) {
  std::vector<std::string> allowed = {"path", "layer", "where"};
  if (!value_key.empty()) {
    allowed.push_back(value_key + "_field");
    allowed.push_back(value_key);
  }
  allowed.insert(allowed.end(), extra_keys.begin(), extra_keys.end());
  return allowed;
}

VectorInputSpec read_vector(const toml::table& table, const std::string& section, const fs::path& file,
                            const std::string& value_key, double default_value, bool value_is_probability,
                            const std::vector<std::string>& extra_keys = {}) {
  TomlReader r(table, section, file, vector_keys(value_key, extra_keys));
  VectorInputSpec v;
  v.path = r.path("path", file.parent_path());
  v.layer = r.text("layer").value_or("");
  v.where = r.text("where").value_or("");
  v.default_value = default_value;
  if (!value_key.empty()) {
    v.value_field = r.text(value_key + "_field").value_or("");
    v.default_value = r.number_or(value_key, default_value);
    if (value_is_probability) r.require_probability(value_key, v.default_value);
    else if (!(v.default_value >= 0)) r.fail(value_key, "must not be negative");
  }
  return v;
}

// How a message names a section a feature needs.
std::string section_noun(const std::string& section) {
  if (section == "front_lines") return "front lines";
  if (section == "records") return "minefield records";
  return section;
}

}  // namespace

std::pair<std::string, std::string> fit_spec_problem(const FitSpec& f) {
  if (!(f.background_ratio >= 0 && f.background_ratio <= 100))
    return {"background_ratio", "must lie in [0, 100] (random background cells per positive)"};
  // Beyond 1e9 every standardised weight is 0 already; at 1e15 the solve lost the design to
  // rounding and called it singular, asking for a larger l2.
  if (!(f.l2 >= 0 && f.l2 <= 1e9)) return {"l2", "must be a number from 0 (no penalty) to 1e9 (every weight 0)"};
  // Blocks of a centimetre are already a cell each; 1e-300 m overflowed the block numbers.
  if (!(f.block_size == 0 || (f.block_size >= 0.01 && f.block_size <= kMaxDistance)))
    return {"block_size", "must be zero (not given: no cross-validation, or the default blocks when layers are built "
                          "from labels) or a size in metres from 0.01 to 10,000 km"};
  if (!(f.folds >= 2 && f.folds <= 100)) return {"folds", "must be a whole number from 2 to 100"};
  if (!(f.knots == 0 || (f.knots >= 2 && f.knots <= 50)))
    return {"knots", "must be 0 (keep the given transforms) or a whole number of curve segments from 2 to 50"};
  if (!(f.repeats >= 1 && f.repeats <= 100)) return {"repeats", "must be a whole number of fits from 1 to 100"};
  // Every fit's seed is one `--seed` can give, to reproduce that fit alone.
  if (f.seed > kMaxSeed - static_cast<uint64_t>(f.repeats - 1))
    return {"seed", "must be a whole number from 0 to 2^53 - (repeats - 1), so that every fit's seed is at most 2^53"};
  return {};
}

namespace {

FitSpec read_fit(const TomlReader& r) {
  FitSpec f;
  if (r.has("labels")) f.labels = r.path("labels", r.file().parent_path());
  if (r.has("zones")) f.zones = r.path("zones", r.file().parent_path());
  f.background_ratio = r.number_or("background_ratio", 0.0);
  f.l2 = r.number_or("l2", 1.0);
  f.block_size = r.number_or("block_size", 0.0);
  const double folds = r.number_or("folds", 5.0);
  if (folds != std::floor(folds) || !(folds >= 2 && folds <= 100)) r.fail("folds", "must be a whole number from 2 to 100");
  f.folds = static_cast<int>(folds);
  const double knots = r.number_or("knots", 0.0);
  if (knots != std::floor(knots) || !(knots >= 0 && knots <= 50)) r.fail("knots", "must be 0 or a whole number from 2 to 50");
  f.knots = static_cast<int>(knots);
  const double repeats = r.number_or("repeats", 1.0);
  if (repeats != std::floor(repeats) || !(repeats >= 1 && repeats <= 100)) r.fail("repeats", "must be a whole number from 1 to 100");
  f.repeats = static_cast<int>(repeats);
  if (const toml::node* node = r.raw().get("cross_validate")) {
    if (!node->is_boolean()) r.fail("cross_validate", "must be true or false");
    f.cross_validate = *node->value<bool>();
  }
  const double seed = r.number_or("seed", 1.0);
  if (!(seed >= 0 && seed <= static_cast<double>(kMaxSeed)) || seed != std::floor(seed))
    r.fail("seed", "must be a whole number from 0 to 2^53");
  f.seed = static_cast<uint64_t>(seed);
  if (const auto [key, problem] = fit_spec_problem(f); !key.empty()) r.fail(key, problem);
  return f;
}

std::string toml_text(const toml::table& table) {
  std::ostringstream out;
  out << toml::toml_formatter(table);
  return out.str();
}

// Rebuilds the scenario as TOML with defaults filled in and absolute paths.
std::string resolved_text(const Scenario& s) {
  toml::table root;
  root.insert("title", s.title);
  if (s.grid) {
    toml::table g;
    g.insert("crs", s.grid->crs);
    g.insert("resolution", toml::array{s.grid->resolution_x, s.grid->resolution_y});
    g.insert("bounds", toml::array{s.grid->xmin, s.grid->ymin, s.grid->xmax, s.grid->ymax});
    root.insert("grid", std::move(g));
  }
  root.insert("terrain", toml::table{{"dem", s.dem.string()}});
  auto vector_table = [](const VectorInputSpec& v, const std::string& value_key) {
    toml::table t{{"path", v.path.string()}, {"layer", v.layer}, {"where", v.where}};
    if (!value_key.empty()) {
      t.insert(value_key + "_field", v.value_field);
      t.insert(value_key, v.default_value);
    }
    return t;
  };
  if (s.front_lines) root.insert("front_lines", vector_table(*s.front_lines, ""));
  if (s.finds) root.insert("finds", vector_table(*s.finds, "count"));
  if (s.cleared) root.insert("cleared", vector_table(*s.cleared, "pod"));
  if (s.records) {
    toml::table t = vector_table(*s.records, "reliability");
    t.insert("line_buffer", s.record_line_buffer);
    root.insert("records", std::move(t));
  }
  toml::table evidence;
  for (const EvidenceSpec& e : s.evidence) evidence.insert(e.name, schema::write_evidence(e));
  root.insert("model", toml::table{{"intercept", s.intercept}, {"evidence", std::move(evidence)}});
  root.insert("fit", schema::write_fit(s.fit));
  return toml_text(root);
}

}  // namespace

Scenario load_scenario(const fs::path& file_in) {
  require_existing(file_in, "scenario file");
  const fs::path file = fs::absolute(file_in).lexically_normal();
  return parse_scenario(parse_toml_file(file, "scenario file"), file);
}

Scenario parse_scenario(const toml::table& root, const fs::path& file) {
  const fs::path base = file.parent_path();
  TomlReader top(root, "", file, {"title", "grid", "terrain", "front_lines", "finds", "cleared", "records", "model", "fit"});
  Scenario s;
  s.file = file;
  s.title = top.text("title").value_or(file.stem().string());
  if (const toml::table* g = top.table("grid")) s.grid = read_grid(TomlReader(*g, "grid", file, {"crs", "resolution", "bounds"}));

  const toml::table* terrain = top.table("terrain");
  if (!terrain) top.fail("terrain", "is missing; add [terrain] with dem = \"path/to/dem.tif\"");
  s.dem = TomlReader(*terrain, "terrain", file, {"dem"}).path("dem", base);

  if (const toml::table* t = top.table("front_lines")) s.front_lines = read_vector(*t, "front_lines", file, "", 1.0, false);
  if (const toml::table* t = top.table("finds")) s.finds = read_vector(*t, "finds", file, "count", 1.0, false);
  if (const toml::table* t = top.table("cleared")) s.cleared = read_vector(*t, "cleared", file, "pod", 0.9, true);
  if (const toml::table* t = top.table("records")) {
    s.records = read_vector(*t, "records", file, "reliability", 0.25, true, {"line_buffer"});
    const TomlReader r(*t, "records", file, vector_keys("reliability", {"line_buffer"}));
    s.record_line_buffer = r.number_or("line_buffer", 25.0);
    r.require_positive("line_buffer", s.record_line_buffer, "give the buffer around line records in metres");
    if (s.record_line_buffer > kMaxDistance) r.fail("line_buffer", "must be at most 10,000 km (1e7 metres)");
  }

  if (const toml::table* f = top.table("fit"))
    s.fit = read_fit(TomlReader(*f, "fit", file, {"labels", "background_ratio", "l2", "block_size", "zones", "folds", "seed", "knots", "repeats", "cross_validate"}));

  const toml::table* model = top.table("model");
  if (!model) top.fail("model", "is missing; add [model] with an intercept and [model.evidence.NAME] layers");
  TomlReader m(*model, "model", file, {"intercept", "evidence"});
  s.intercept = m.required_number("intercept", "give the log-odds of contamination with no evidence, e.g. -4");
  if (!(std::abs(s.intercept) <= kMaxLogOdds)) m.fail("intercept", "must be a number of log-odds within +-1e6");
  if (const toml::table* ev = m.table("evidence")) {
    for (const auto& [key, node] : *ev) {
      const std::string name(key.str());
      if (!node.is_table()) m.fail("evidence", "must hold one table per layer, e.g. [model.evidence." + name + "]");
      s.evidence.push_back(schema::read_evidence(name, *node.as_table(), "model.evidence", file));
      // Each feature needs its sections.
      const TomlReader er(*node.as_table(), "model.evidence." + name, file, schema::evidence_key_names());
      const features::FeatureKind& kind = *features::find_feature_kind(s.evidence.back().feature);
      for (const std::string& section : kind.sections) {
        const bool given = (section == "front_lines" && s.front_lines) || (section == "finds" && s.finds) ||
                           (section == "records" && s.records);
        if (!given) er.fail("feature", "needs " + section_noun(section) + "; add [" + section + "] with path = \"...\"");
      }
    }
  }
  s.resolved_toml = resolved_text(s);
  return s;
}

}  // namespace minerisk
