#include "minerisk/engine/grid_file_writer.hpp"

#include <hdf5.h>
#include <H5DSpublic.h>  // after hdf5.h, which it needs

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <tuple>
#include <utility>

#include "cf_variables.hpp"
#include "cf_packing.hpp"
#include "chunk_codec.hpp"
#include "gridded_datasets.hpp"
#include "grid_file_writer_impl.hpp"
#include "hdf5_handles.hpp"

namespace minerisk {
namespace {

using h5::check;
using h5::require;
using cf::ordered_creation_plist;
using cf::set_number;
using cf::write_bytes;
using gridded::create_gridded;
using gridded::set_gridded_attributes;
using gridded::write_hyperslab;
using cf::set_text;
using cf::write_coordinate;
using cf::write_crs_variable;
using cf::write_xy;

}  // namespace

std::vector<grid_file_detail::RootText> grid_file_detail::root_attributes(const OutputMetadata& meta) {
  // Every text that may differ between two runs of one scenario is a variable-length string,
  // which an update can overwrite in place whatever its new length (grid_file_patch.cpp):
  // history gains a line each time, the inputs' sizes gain digits, the title may be edited.
  std::vector<RootText> out{{"Conventions", "CF-1.8"},
                            {"title", meta.title, true},
                            {"history", meta.history, true},
                            {"source", "minerisk " + meta.version, true},
                            {"minerisk_version", meta.version, true},
                            {"date_created", meta.created_utc, true},
                            {"scenario", meta.scenario_toml, true},
                            {"inputs", meta.inputs_json, true}};
  if (!meta.run_id.empty()) out.push_back({"run_id", meta.run_id, true});
  return out;
}

GridFileWriter::GridFileWriter(const std::filesystem::path& path, const Grid& grid, int64_t tile_size,
                               const OutputMetadata& meta) try
    : impl_(std::make_unique<Impl>(path, grid, tile_size)) {
  // Each public entry converts HDF5's errors (in a function-try-block) into one line naming
  // the file, a UserError for a full disk; and first stops HDF5 printing them on its thread.
  h5::quiet_errors();
  Impl& m = *impl_;
  {
    const h5::PropertyList fcpl = ordered_creation_plist(H5P_FILE_CREATE);
    m.file = h5::File(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.get(), H5P_DEFAULT));
    require(m.file, "creating " + path.string());
  }
  for (const auto& [name, value, variable_length] : grid_file_detail::root_attributes(meta))
    (variable_length ? cf::set_string : set_text)(m.file.get(), name, value);
  std::tie(m.x, m.y) = write_xy(m.file.get(), grid);
  write_crs_variable(m.file.get(), grid);
} catch (const h5::Error& e) {
  h5::rethrow_for_output(e, path);
}

void GridFileWriter::set_attribute(const std::string& name, const std::string& value) try {
  h5::quiet_errors();
  if (!impl_->file.valid()) throw std::invalid_argument("GridFileWriter: the file is closed");
  (impl_->reopened ? cf::overwrite_text : set_text)(impl_->file.get(), name, value);
} catch (const h5::Error& e) {
  h5::rethrow_for_output(e, impl_->path);
}

void GridFileWriter::add_record_group(const std::string& group,
                                      const std::vector<std::pair<std::string, std::string>>& attributes,
                                      const std::vector<std::pair<std::string, std::vector<std::byte>>>& arrays) try {
  h5::quiet_errors();
  if (!impl_->file.valid()) throw std::invalid_argument("GridFileWriter: the file is closed");
  // A reopened copy's record goes just before the new one is written: the space it frees is
  // then taken by the new one's arrays of the same sizes, not left unused.
  if (impl_->reopened && H5Lexists(impl_->file.get(), group.c_str(), H5P_DEFAULT) > 0)
    check(H5Ldelete(impl_->file.get(), group.c_str(), H5P_DEFAULT), "replacing group " + group);
  const h5::PropertyList gcpl = ordered_creation_plist(H5P_GROUP_CREATE);
  h5::Group g(H5Gcreate2(impl_->file.get(), group.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT));
  require(g, "group " + group);
  for (const auto& [name, value] : attributes) set_text(g.get(), name, value);
  for (const auto& [name, bytes] : arrays) write_bytes(g.get(), name, name + "_length", bytes);
  check(g.close(), "closing group " + group);
} catch (const h5::Error& e) {
  h5::rethrow_for_output(e, impl_->path);
}

void GridFileWriter::set_valid_range(Variable variable, float low, float high) try {
  h5::quiet_errors();
  const float range[2] = {low, high};
  set_number(impl_->gridded(variable.index, 2).dataset.get(), "valid_range", H5T_NATIVE_FLOAT, range, 2);
} catch (const h5::Error& e) {
  h5::rethrow_for_output(e, impl_->path);
}

GridFileWriter::Variable GridFileWriter::add_variable(const std::string& name, const std::string& long_name,
                                                      const std::string& units, const std::string& group) {
  return add_packed_variable(name, long_name, units, 0.0, group);
}

GridFileWriter::Variable GridFileWriter::add_packed_variable(const std::string& name, const std::string& long_name,
                                                             const std::string& units, double scale_factor,
                                                             const std::string& group) try {
  h5::quiet_errors();
  Impl& m = *impl_;
  if (!m.file.valid()) throw std::invalid_argument("GridFileWriter: the file is closed");
  hid_t parent = m.file.get(), x = m.x.get(), y = m.y.get();
  if (!group.empty()) {
    const Impl::GroupOfGrids& g = m.group(group);
    parent = g.group.get(), x = g.x.get(), y = g.y.get();
  }
  if (!(scale_factor >= 0) || !std::isfinite(scale_factor))
    throw std::invalid_argument("GridFileWriter: scale factor " + std::to_string(scale_factor));
  h5::Dataset ds = create_gridded(parent, name, {static_cast<hsize_t>(m.height), static_cast<hsize_t>(m.width)},
                                  {m.chunk_rows(), m.chunk_cols()}, scale_factor);
  check(H5DSattach_scale(ds.get(), y, 0), "attaching y to " + name);
  check(H5DSattach_scale(ds.get(), x, 1), "attaching x to " + name);
  set_gridded_attributes(ds.get(), long_name, units);
  m.variables.push_back({std::move(ds), 2, 1, scale_factor});
  return Variable{m.variables.size() - 1};
} catch (const h5::Error& e) {
  h5::rethrow_for_output(e, impl_->path);
}

void GridFileWriter::write(Variable variable, const kernels::Window& w, std::span<const float> values) try {
  h5::quiet_errors();
  const Impl::Gridded& v = impl_->gridded(variable.index, 2);
  grid_file_detail::check_size(w, values);
  if (impl_->is_chunk(w)) return write(impl_->encode(variable.index, 2, 0, w, values));
  const hsize_t start[2] = {static_cast<hsize_t>(w.row0), static_cast<hsize_t>(w.col0)};
  const hsize_t count[2] = {static_cast<hsize_t>(w.height), static_cast<hsize_t>(w.width)};
  impl_->variables[variable.index].clipped +=
      write_hyperslab(v.dataset.get(), 2, start, count, values, v.packed_scale, "writing a tile");
} catch (const h5::Error& e) {
  h5::rethrow_for_output(e, impl_->path);
}

GridFileWriter::Stack GridFileWriter::add_stack(const std::string& name, int64_t count, const std::string& long_name,
                                                const std::string& units) try {
  h5::quiet_errors();
  Impl& m = *impl_;
  if (!m.file.valid()) throw std::invalid_argument("GridFileWriter: the file is closed");
  if (count <= 0) throw std::invalid_argument("GridFileWriter: a stack of " + std::to_string(count) + " layers");
  h5::Dataset ds = create_gridded(
      m.file.get(), name, {static_cast<hsize_t>(count), static_cast<hsize_t>(m.height), static_cast<hsize_t>(m.width)},
      {1, m.chunk_rows(), m.chunk_cols()}, 0.0);
  check(H5DSattach_scale(ds.get(), m.scenario_dimension(static_cast<hsize_t>(count)), 0), "attaching scenario to " + name);
  check(H5DSattach_scale(ds.get(), m.y.get(), 1), "attaching y to " + name);
  check(H5DSattach_scale(ds.get(), m.x.get(), 2), "attaching x to " + name);
  set_gridded_attributes(ds.get(), long_name, units);
  m.variables.push_back({std::move(ds), 3, count});
  return Stack{m.variables.size() - 1};
} catch (const h5::Error& e) {
  h5::rethrow_for_output(e, impl_->path);
}

void GridFileWriter::write(Stack stack, int64_t layer, const kernels::Window& w, std::span<const float> values) try {
  h5::quiet_errors();
  const Impl::Gridded& v = impl_->gridded(stack.index, 3);
  if (layer < 0 || layer >= v.layers)
    throw std::invalid_argument("GridFileWriter: layer " + std::to_string(layer) + " of a stack of " +
                                std::to_string(v.layers));
  grid_file_detail::check_size(w, values);
  if (impl_->is_chunk(w)) return write(impl_->encode(stack.index, 3, layer, w, values));
  const hsize_t start[3] = {static_cast<hsize_t>(layer), static_cast<hsize_t>(w.row0), static_cast<hsize_t>(w.col0)};
  const hsize_t count[3] = {1, static_cast<hsize_t>(w.height), static_cast<hsize_t>(w.width)};
  write_hyperslab(v.dataset.get(), 3, start, count, values, v.packed_scale, "writing a stack layer");  // float32
} catch (const h5::Error& e) {
  h5::rethrow_for_output(e, impl_->path);
}

bool GridFileWriter::is_chunk(const kernels::Window& window) const { return impl_->is_chunk(window); }

GridFileWriter::EncodedChunk GridFileWriter::encode(Variable variable, const kernels::Window& window,
                                                    std::span<const float> values,
                                                    std::span<const std::byte> stored) const {
  return impl_->encode(variable.index, 2, 0, window, values, stored);
}

GridFileWriter::EncodedChunk GridFileWriter::encode(Stack stack, int64_t layer, const kernels::Window& window,
                                                    std::span<const float> values) const {
  return impl_->encode(stack.index, 3, layer, window, values);
}

std::vector<std::byte> GridFileWriter::encode_detached(std::span<const float> values, const kernels::Window& window,
                                                      int64_t chunk_rows, int64_t chunk_cols, double packed_scale,
                                                      int64_t* clipped, std::span<const std::byte> stored) {
  *clipped = 0;
  if (packed_scale > 0) {
    const std::vector<int16_t> packed = cf_packing::pack(values, static_cast<float>(packed_scale), clipped);
    return chunk_codec::encode_chunk(std::span<const int16_t>(packed), window.height, window.width, chunk_rows,
                                     chunk_cols, cf_packing::kFill, chunk_codec::kDeflateLevel, stored);
  }
  return chunk_codec::encode_chunk(values, window.height, window.width, chunk_rows, chunk_cols, NAN,
                                   chunk_codec::kDeflateLevel, stored);
}

std::vector<float> GridFileWriter::decode(Variable variable, const kernels::Window& window,
                                          std::span<const std::byte> bytes) const {
  const Impl::Gridded& v = impl_->gridded(variable.index, 2);
  if (!impl_->is_chunk(window)) throw std::invalid_argument("GridFileWriter: a stored chunk that is not one of the file's");
  const auto chunk_rows = static_cast<int64_t>(impl_->chunk_rows()), chunk_cols = static_cast<int64_t>(impl_->chunk_cols());
  if (v.packed_scale <= 0) return chunk_codec::decode_chunk<float>(bytes, chunk_rows, chunk_cols, window.height, window.width);
  const std::vector<int16_t> steps =
      chunk_codec::decode_chunk<int16_t>(bytes, chunk_rows, chunk_cols, window.height, window.width);
  const auto scale = static_cast<double>(static_cast<float>(v.packed_scale));  // as pack() divides by it
  std::vector<float> out(steps.size());
  // Within 2^-24 of the step times the scale: packing it again rounds back to the step.
  for (size_t i = 0; i < steps.size(); ++i)
    out[i] = steps[i] == cf_packing::kFill ? NAN : static_cast<float>(static_cast<double>(steps[i]) * scale);
  return out;
}

bool GridFileWriter::stored_alike(Variable variable, std::span<const float> a, std::span<const float> b) const {
  const Impl::Gridded& v = impl_->gridded(variable.index, 2);
  if (a.size() != b.size()) return false;
  if (v.packed_scale <= 0) return std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
  const auto scale = static_cast<float>(v.packed_scale);
  for (size_t i = 0; i < a.size(); ++i)
    if (cf_packing::pack(a[i], scale) != cf_packing::pack(b[i], scale)) return false;
  return true;
}

GridFileWriter::EncodedChunk GridFileWriter::stored(Variable variable, const kernels::Window& window,
                                                    std::vector<std::byte> bytes) const {
  impl_->gridded(variable.index, 2);  // checks that it is a (y, x) variable of this file
  if (!impl_->is_chunk(window)) throw std::invalid_argument("GridFileWriter: a stored chunk that is not one of the file's");
  EncodedChunk chunk;
  chunk.writer = impl_.get();
  chunk.variable = variable.index;
  chunk.window = window;
  chunk.bytes = std::move(bytes);
  return chunk;
}

GridFileWriter::EncodedChunk GridFileWriter::stored(Stack stack, int64_t layer, const kernels::Window& window,
                                                    std::vector<std::byte> bytes) const {
  const Impl::Gridded& v = impl_->gridded(stack.index, 3);  // checks that it is a stack of this file
  if (layer < 0 || layer >= v.layers || !impl_->is_chunk(window))
    throw std::invalid_argument("GridFileWriter: a stored chunk that is not one of the stack's");
  EncodedChunk chunk;
  chunk.writer = impl_.get();
  chunk.variable = stack.index;
  chunk.layer = layer;
  chunk.window = window;
  chunk.bytes = std::move(bytes);
  return chunk;
}

void GridFileWriter::write(const EncodedChunk& chunk) try {
  h5::quiet_errors();
  Impl& m = *impl_;
  if (chunk.writer != impl_.get()) throw std::invalid_argument("GridFileWriter: a chunk encoded by another writer");
  // encode() made it from a variable of this writer: its own rank is the one to check against.
  if (chunk.variable >= m.variables.size()) throw std::invalid_argument("GridFileWriter: not a variable of this file");
  const Impl::Gridded& v = m.variables[chunk.variable];
  if (chunk.layer < 0 || chunk.layer >= v.layers || !m.is_chunk(chunk.window))
    throw std::invalid_argument("GridFileWriter: an encoded chunk that is not one of this variable's");
  const hsize_t offset[3] = {static_cast<hsize_t>(chunk.layer), static_cast<hsize_t>(chunk.window.row0),
                             static_cast<hsize_t>(chunk.window.col0)};
  // Filter mask 0: every filter of the pipeline (shuffle, deflate) was applied.
  check(H5Dwrite_chunk(v.dataset.get(), H5P_DEFAULT, 0, v.rank == 2 ? offset + 1 : offset, chunk.bytes.size(),
                       chunk.bytes.data()),
        "writing a tile");
  m.variables[chunk.variable].clipped += chunk.clipped;
} catch (const h5::Error& e) {
  h5::rethrow_for_output(e, impl_->path);
}

int64_t GridFileWriter::clipped_values(Variable variable) const {
  return impl_->gridded(variable.index, 2).clipped;
}

void GridFileWriter::add_series(const std::string& name, const std::vector<double>& values, const std::string& long_name,
                                const std::string& units) try {
  h5::quiet_errors();
  Impl& m = *impl_;
  if (!m.file.valid()) throw std::invalid_argument("GridFileWriter: the file is closed");
  const hid_t dim = m.scenario_dimension(values.size());
  const hsize_t n = values.size();
  h5::Dataspace space(H5Screate_simple(1, &n, nullptr));
  require(space, "dataspace for " + name);
  const h5::PropertyList dcpl = ordered_creation_plist(H5P_DATASET_CREATE);
  h5::Dataset ds(H5Dcreate2(m.file.get(), name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT));
  require(ds, name);
  check(H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), name);
  check(H5DSattach_scale(ds.get(), dim, 0), "attaching scenario to " + name);
  set_text(ds.get(), "long_name", long_name);
  set_text(ds.get(), "units", units);
  check(ds.close(), "closing " + name);
} catch (const h5::Error& e) {
  h5::rethrow_for_output(e, impl_->path);
}

void GridFileWriter::close() try {
  h5::quiet_errors();
  Impl& m = *impl_;
  if (!m.file.valid()) return;  // closed already, or a close failed: never closed twice
  // Every object in the file first, in the order they were made: the file closes only when the
  // last of them does, so closing it with any still open would lose its error. Every one is
  // closed even after a failure, and the first failure is reported.
  h5::FirstFailure failure;
  for (Impl::Gridded& v : m.variables) failure.note(v.dataset.close(), "closing a variable");
  for (Impl::GroupOfGrids& g : m.groups) {
    failure.note(g.x.close(), "closing x of group " + g.name);
    failure.note(g.y.close(), "closing y of group " + g.name);
    failure.note(g.group.close(), "closing group " + g.name);
  }
  failure.note(m.scenario.close(), "closing the scenario dimension");
  failure.note(m.x.close(), "closing x");
  failure.note(m.y.close(), "closing y");
  m.variables.clear();
  m.groups.clear();
  failure.note(m.file.close(), "closing the output file");
  failure.rethrow();
} catch (const h5::Error& e) {
  h5::rethrow_for_output(e, impl_->path);
}

GridFileWriter::~GridFileWriter() {
  try {
    close();
  } catch (...) {
    // The pipeline removes a file it could not finish; nothing more to do here.
  }
}

}  // namespace minerisk
