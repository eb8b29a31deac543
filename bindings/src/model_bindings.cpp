// The model on scenarios (a file or a dict): run, fit, evaluate. Results come back as numpy
// arrays that own the engine's buffers (no copy) and plain dicts.
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <set>
#include <string>

#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include "arrays.hpp"
#include "minerisk/engine/dataset_name.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/ops/evaluate.hpp"
#include "minerisk/engine/ops/explain.hpp"
#include "minerisk/engine/ops/fit.hpp"
#include "minerisk/engine/model_file.hpp"
#include "minerisk/engine/ops/run.hpp"
#include "minerisk/engine/ops/update.hpp"
#include "minerisk/engine/scenario.hpp"
#include "minerisk/engine/toml_reader.hpp"
#include "minerisk/engine/ops/sweep.hpp"
#include "python_support.hpp"

namespace fs = std::filesystem;

namespace minerisk::python {
namespace {

// A Python value as a TOML node: dicts become tables, lists arrays, the rest scalars. Nesting
// is bounded as in a file (kMaxTomlDepth), which also stops a dict that holds itself.
void insert_value(toml::table& table, const std::string& key, const py::handle& value, int depth);

// Text as UTF-8; a str holding a lone surrogate has none. `what`: "key 'title' holds", "a key is".
std::string utf8_of(const py::handle& text, const std::string& what) {
  try {
    return py::str(text).cast<std::string>();
  } catch (const std::exception&) {  // py::error_already_set (UnicodeEncodeError) or py::cast_error
    throw UserError("scenario: " + what + " text that is not valid Unicode (a lone surrogate); fix it");
  }
}

// A scalar as TOML holds it: Python's bool, int and float, and numpy's (np.float32(-5), a 0-d
// array) by their Python value; text and paths as strings. False for anything else.
template <class Add>
bool add_scalar(const py::handle& given, const std::string& key, Add&& add) {
  py::object value = py::reinterpret_borrow<py::object>(given);
  if (py::hasattr(value, "dtype") && py::hasattr(value, "ndim") && value.attr("ndim").cast<int>() == 0)
    value = value.attr("item")();
  if (py::isinstance<py::bool_>(value)) {
    add(value.cast<bool>());
  } else if (py::isinstance<py::int_>(value)) {
    try {
      add(value.cast<int64_t>());
    } catch (const py::cast_error&) {
      throw UserError("scenario: key '" + key + "' holds " + py::repr(value).cast<std::string>().substr(0, 40) +
                      ", beyond a 64-bit integer; give a smaller number");
    }
  } else if (py::isinstance<py::float_>(value)) {
    add(value.cast<double>());
  } else if (py::isinstance<py::str>(value) || py::isinstance(value, py::module_::import("pathlib").attr("PurePath"))) {
    add(utf8_of(value, "key '" + key + "' holds"));
  } else {
    return false;
  }
  return true;
}

toml::array to_array(const py::handle& list, const std::string& key) {
  toml::array out;
  for (const py::handle& item : list)
    if (!add_scalar(item, key, [&](auto v) { out.push_back(std::move(v)); }))
      throw py::type_error("scenario: lists may hold only numbers, booleans and strings");
  return out;
}

toml::table to_table(const py::dict& d, int depth = 0) {
  if (depth >= kMaxTomlDepth)
    throw UserError("scenario: dicts nested deeper than " + std::to_string(kMaxTomlDepth) + " levels; not accepted");
  toml::table out;
  for (const auto& [k, v] : d) insert_value(out, utf8_of(k, "a key is"), v, depth + 1);
  return out;
}

void insert_value(toml::table& table, const std::string& key, const py::handle& value, int depth) {
  // Any mapping (a MappingProxyType, an OrderedDict) is a table, as the stub's Mapping says; a
  // one-dimensional numpy array is a list.
  const bool mapping = py::isinstance(value, py::module_::import("collections.abc").attr("Mapping"));
  const bool numpy_list = py::hasattr(value, "dtype") && py::hasattr(value, "ndim") && value.attr("ndim").cast<int>() == 1;
  if (mapping) table.insert(key, to_table(py::dict(py::reinterpret_borrow<py::object>(value)), depth));
  else if (numpy_list) table.insert(key, to_array(value.attr("tolist")(), key));
  else if (py::isinstance<py::list>(value) || py::isinstance<py::tuple>(value)) table.insert(key, to_array(value, key));
  else if (!add_scalar(value, key, [&](auto v) { table.insert(key, std::move(v)); }))
    throw py::type_error("scenario: key '" + key + "' holds a value that is not a number, string, list or dict");
}

// A scenario from a path or a dict (relative paths resolved against base_dir).
Scenario scenario_of(const py::object& scenario, const fs::path& base_dir) {
  if (py::isinstance<py::dict>(scenario)) {
    const fs::path base = fs::absolute(base_dir.empty() ? fs::path(".") : base_dir);
    return parse_scenario(to_table(scenario.cast<py::dict>()), base / "<dict>");
  }
  return load_scenario(name_bytes(scenario));  // a str, bytes or path, as the file system spells it
}

// A numpy array that owns `values` (moved, not copied).
py::array_t<float> owned_grid(std::vector<float>&& values, int64_t rows, int64_t cols) {
  auto* heap = new std::vector<float>(std::move(values));
  py::capsule owner(heap, [](void* p) { delete static_cast<std::vector<float>*>(p); });
  return py::array_t<float>({rows, cols}, heap->data(), owner);
}

py::object run(const py::object& scenario, const fs::path& base_dir, const std::optional<fs::path>& output,
               int threads, int64_t tile_size, bool picture, bool overwrite, const std::string& evidence_storage) {
  const Scenario s = scenario_of(scenario, base_dir);
  const EvidenceStorage storage = evidence_storage_named(evidence_storage, "evidence");  // without an output too
  if (output) {
    RunOptions options;
    as_python_control(options, "run", threads, /*quiet=*/true, overwrite, tile_size);
    options.output = *output;
    options.quicklook = picture;
    options.evidence = storage;
    Interruptible interruptible(options);
    interruptible.run([&] { run_scenario(s, options); });
    return path_object(*output);
  }
  ops::Control control = python_control("run", threads, /*quiet=*/true, /*overwrite=*/false, tile_size);
  Interruptible interruptible(control);
  GridResult r = interruptible.run([&] { return compute_grid(s, control); });
  const int64_t rows = r.grid.height(), cols = r.grid.width();
  py::dict evidence;
  for (size_t k = 0; k < r.evidence_names.size(); ++k)
    evidence[py::str(r.evidence_names[k])] = owned_grid(std::move(r.evidence[k]), rows, cols);
  py::dict out;
  out["probability"] = owned_grid(std::move(r.probability), rows, cols);
  out["evidence"] = evidence;
  const auto& gt = r.grid.frame.geotransform;
  out["geotransform"] = py::make_tuple(gt[0], gt[1], gt[2], gt[3], gt[4], gt[5]);
  out["crs_wkt"] = r.grid.crs_wkt;
  // What the output file's x and y say of themselves (longitude/latitude, or the CRS's unit).
  out["geographic"] = r.grid.frame.geographic;
  out["linear_unit"] = r.grid.frame.linear_unit;
  out["title"] = s.title;
  out["intercept"] = s.intercept;
  return out;
}

py::object json_to_python(const std::string& text) { return py::module_::import("json").attr("loads")(text); }

// A path given as str, bytes or os.PathLike, read from the current folder as the command line
// reads it; anything else (None, True, "": an empty path would read as no option) is refused.
fs::path path_option(const py::handle& v) {
  if (!py::isinstance<py::str>(v) && !py::isinstance<py::bytes>(v) && !py::hasattr(v, "__fspath__"))
    throw py::cast_error();
  const std::string text = name_bytes(v);
  if (text.empty()) throw py::cast_error();
  return resolve_dataset_name(text, fs::current_path());
}

// One fit option from Python into the spec; a value of the wrong type throws py::cast_error.
void set_fit_option(FitSpec& spec, const std::string& key, const py::handle& v) {
  // pybind11 takes True for the number 1 (repeats=True would fit once) and None for False
  // (cross_validate=None would turn it off): a number must be no boolean, a switch a boolean.
  static const std::set<std::string> numbers = {"background_ratio", "l2", "block_size", "knots", "folds", "seed",
                                                "repeats"};
  if (numbers.count(key) && is_boolean(v)) throw py::cast_error();
  if (key == "cross_validate" && !is_boolean(v)) throw py::cast_error();
  if (key == "labels") spec.labels = path_option(v);
  else if (key == "zones") spec.zones = path_option(v);
  else if (key == "background_ratio") spec.background_ratio = v.cast<double>();
  else if (key == "l2") spec.l2 = v.cast<double>();
  else if (key == "block_size") spec.block_size = v.cast<double>();
  else if (key == "knots") spec.knots = v.cast<int>();
  else if (key == "cross_validate") spec.cross_validate = v.attr("__bool__")().cast<bool>();
  else if (key == "folds") spec.folds = v.cast<int>();
  else if (key == "seed") spec.seed = v.cast<uint64_t>();
  else if (key == "repeats") spec.repeats = v.cast<int>();
  else throw py::value_error("fit: unknown option '" + key + "'; use labels, zones, background_ratio, l2, block_size, folds, seed, repeats, knots or cross_validate");
}

// What an option takes, for the message when a value does not cast.
std::string fit_option_type(const std::string& key) {
  if (key == "labels" || key == "zones") return "a path";
  if (key == "knots" || key == "folds" || key == "repeats") return "a whole number";
  if (key == "seed") return "a whole number from 0";
  if (key == "cross_validate") return "True or False";
  return "a number";
}

py::object fit(const py::object& scenario, const fs::path& base_dir, const py::dict& overrides, int threads) {
  const Scenario s = scenario_of(scenario, base_dir);
  FitOptions options;
  options.spec = s.fit;
  as_python_control(options, "fit", threads, /*quiet=*/true, /*overwrite=*/false);
  for (const auto& [k, v] : overrides) {
    const auto key = py::str(k).cast<std::string>();
    try {
      set_fit_option(options.spec, key, v);
    } catch (const py::cast_error&) {
      // pybind11's own message names no option: say which, and what it takes (a TypeError, as
      // every wrong type is).
      throw py::type_error("fit: option '" + key + "' got " + py::str(py::type::of(v)).cast<std::string>() + " " +
                            py::repr(v).cast<std::string>() + "; give " + fit_option_type(key));
    }
  }
  options.spec.keep_given_folds(overrides.contains("zones"), overrides.contains("block_size"));
  Interruptible interruptible(options);
  const FitResult r = interruptible.run([&] { return fit_scenario(s, options); });
  py::dict out = json_to_python(fit_json(r));
  out["fitted_toml"] = r.fitted_toml;
  out["model_toml"] = model_file_text(s, r);  // the portable model, as `minerisk fit --model` writes it
  return std::move(out);
}

py::object evaluate(const fs::path& grid, const fs::path& truth, const std::string& layer,
                    const std::string& count_field, const std::string& variable, const std::string& where) {
  TruthSpec spec;
  spec.path = truth;
  spec.layer = layer;
  spec.count_field = count_field;
  spec.where = where;
  Evaluation e;
  {
    py::gil_scoped_release release;
    e = evaluate_grid(grid, spec, variable);
  }
  return json_to_python(evaluation_json(e, grid));
}

py::object sweep(const fs::path& sweep_file, const fs::path& output, int threads, int64_t tile_size,
                 bool overwrite) {
  const SweepSpec spec = load_sweep(sweep_file);
  SweepOptions options;
  as_python_control(options, "sweep", threads, /*quiet=*/true, overwrite, tile_size);
  options.output = output;
  Interruptible interruptible(options);
  interruptible.run([&] { run_sweep(spec, options); });
  return path_object(output);
}

py::object explain(const fs::path& grid, double x, double y, const std::string& crs, const std::string& variable) {
  ops::Explanation e;
  {
    py::gil_scoped_release release;
    e = ops::explain(grid, {x, y, crs, variable});
  }
  return json_to_python(e.json());
}

// minerisk update: the summary as a dict (the fields of its JSON log's summary event).
py::dict update(const py::object& scenario, const fs::path& base_dir, const fs::path& output, int threads,
                std::optional<int64_t> tile_size, bool picture, bool overwrite,
                const std::optional<std::string>& evidence_storage, int keep, bool wait) {
  const Scenario s = scenario_of(scenario, base_dir);
  UpdateOptions options;
  as_python_control(options, "update", threads, /*quiet=*/true, overwrite, tile_size.value_or(ops::Control{}.tile_size));
  options.output = output;
  options.tile_size_given = tile_size.has_value();
  options.quicklook = picture;
  options.evidence = evidence_storage_named(evidence_storage.value_or("packed"), "evidence");
  options.evidence_given = evidence_storage.has_value();
  if (keep < 0) throw UserError("keep: must be 0 or more");
  options.keep = keep;
  options.wait = wait;
  Interruptible interruptible(options);
  const UpdateSummary r = interruptible.run([&] { return update_scenario(s, options); });
  py::dict out;
  out["output"] = path_object(r.run.output);
  out["probability_digest"] = r.probability_digest;
  out["tiles_total"] = r.tiles_total;
  out["tiles_recomputed"] = r.tiles_recomputed;
  out["tiles_copied"] = r.tiles_copied;
  out["tiles_from_journal"] = r.tiles_from_journal;
  out["tiles_damaged"] = r.tiles_damaged;
  out["tiles_left_unread"] = r.tiles_left_unread;
  out["tiles_in_part"] = r.tiles_in_part;
  out["cells_recomputed"] = r.cells_recomputed;
  const auto none_or = [](const std::string& s) { return s.empty() ? py::object(py::none()) : py::object(py::str(s)); };
  out["previous_copied_by"] = none_or(r.previous_copied_by);
  out["whole_write_reason"] = none_or(r.whole_write_reason);
  out["full_reason"] = r.full_reason.empty() ? py::object(py::none()) : py::object(py::str(r.full_reason));
  py::dict by_input;
  for (const auto& [part, tiles] : r.tiles_by_input) by_input[py::str(part)] = tiles;
  out["tiles_by_input"] = by_input;
  out["files_changed"] = r.files_changed;
  py::list kept;
  for (const auto& k : r.kept) kept.append(k.string());
  out["kept"] = kept;
  out["seconds"] = r.run.seconds;
  return out;
}

std::string resolve(const py::object& scenario, const fs::path& base_dir) {
  return scenario_of(scenario, base_dir).resolved_toml;
}

}  // namespace

void add_model(py::module_& m) {
  m.def("run", &run, py::arg("scenario"), py::arg("base_dir") = "", py::arg("output") = py::none(), py::arg("threads") = 0,
        py::arg("tile_size") = 512, py::arg("picture") = true, py::arg("overwrite") = false,
        py::arg("evidence") = "packed",
        "Runs a scenario (a file path or a dict). With output: writes the netCDF-4 file (and its PNG; an existing "
        "one is refused unless overwrite) and returns its path; without: returns a dict of numpy arrays "
        "(probability, evidence), geotransform, crs_wkt, geographic and linear_unit.");
  m.def("update", &update, py::arg("scenario"), py::arg("base_dir") = "", py::arg("output") = "", py::arg("threads") = 0,
        py::arg("tile_size") = py::none(), py::arg("picture") = true, py::arg("overwrite") = false,
        py::arg("evidence") = py::none(), py::arg("keep") = 0, py::arg("wait") = false,
        "Updates an output of run or update after its inputs changed, as minerisk update (only the tiles whose "
        "inputs changed are computed); returns the summary as a dict.");
  m.def("fit", &fit, py::arg("scenario"), py::arg("base_dir") = "", py::arg("options") = py::dict(), py::arg("threads") = 0,
        "Fits a scenario's weights; returns the coefficient table, cross-validation, weights of evidence, fitted_toml and model_toml.");
  m.def("evaluate", &evaluate, py::arg("grid"), py::arg("truth"), py::arg("layer") = "", py::arg("count_field") = "",
        py::arg("variable") = "", py::arg("where") = "",
        "Scores a grid (variable: one of a file of several) against the truth (points or a label raster, where: an "
        "OGR filter on the points); returns the metrics as a dict.");
  m.def("sweep", &sweep, py::arg("sweep_file"), py::arg("output"), py::arg("threads") = 0, py::arg("tile_size") = 512,
        py::arg("overwrite") = false,
        "Runs a sweep file (see minerisk sweep) and writes its netCDF-4 file (an existing one is refused unless "
        "overwrite); returns the output path.");
  m.def("explain", &explain, py::arg("grid"), py::arg("x"), py::arg("y"), py::arg("crs") = "",
        py::arg("variable") = "",
        "Each layer's log-odds contribution at a point of a run's output (or the value of `variable` of a file of "
        "several), and its rank in the region.");
  m.def("resolve_scenario", &resolve, py::arg("scenario"), py::arg("base_dir") = "",
        "Validates a scenario and returns it as TOML with every default filled in and every path absolute.");
}

}  // namespace minerisk::python
