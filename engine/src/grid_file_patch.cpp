// GridFileWriter's second way in: a copy of an output it wrote, reopened to patch it. `update`
// copies the previous output (a reflink where the file system has them) and rewrites only the
// tiles that changed, its attributes and its record, instead of writing every tile again.
//
// Attributes are only ever overwritten in place, never deleted and created again: HDF5 1.10
// corrupts (or crashes on) an object whose attributes are in dense storage with a creation-order
// index, as a netCDF-4 root with more than eight is, when one is replaced by a longer one. So a
// copy is patched only when each root attribute keeps its size (history, a variable-length
// string, may grow), which patch_refusal checks before anything is written.
#include <hdf5.h>

#include "grid_file_writer_impl.hpp"
#include "gridded_datasets.hpp"

namespace minerisk {

using h5::check;
using h5::require;

std::string GridFileWriter::patch_refusal(const std::filesystem::path& path, const Grid& grid, int64_t tile_size,
                                          const OutputMetadata& meta,
                                          const std::vector<std::pair<std::string, std::string>>& extra_attributes,
                                          const std::vector<std::pair<std::string, double>>& variables,
                                          const std::vector<std::string>& extra_links) {
  h5::quiet_errors();
  h5::File file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!file.valid()) return "it cannot be opened";
  // Nothing but what a new file holds: whatever else another tool added would outlive the patch
  // (a whole write drops it).
  const auto texts = grid_file_detail::root_attributes(meta);
  H5G_info_t links{};
  H5O_info_t object{};
  if (H5Gget_info(file.get(), &links) < 0 || H5Oget_info2(file.get(), &object, H5O_INFO_NUM_ATTRS) < 0 ||
      links.nlinks != 3 + variables.size() + extra_links.size() ||
      object.num_attrs != texts.size() + extra_attributes.size())
    return "it holds other variables or attributes than a run's";
  for (const char* name : {"x", "y", "crs"})
    if (H5Lexists(file.get(), name, H5P_DEFAULT) <= 0) return std::string("it lacks ") + name;
  for (const std::string& name : extra_links)
    if (H5Lexists(file.get(), name.c_str(), H5P_DEFAULT) <= 0) return "it lacks " + name;
  for (const auto& text : texts)
    if (!cf::text_fits(file.get(), text.name, text.value)) return "its attribute " + text.name + " would change its size";
  for (const auto& [name, value] : extra_attributes)
    if (!cf::text_fits(file.get(), name, value)) return "its attribute " + name + " would change its size";
  // A tile written into the copy is decoded with the copy's pipeline: it must be this writer's
  // (a file re-encoded by nccopy or h5repack has another).
  const std::vector<hsize_t> chunk{static_cast<hsize_t>(std::min(tile_size, grid.height())),
                                   static_cast<hsize_t>(std::min(tile_size, grid.width()))};
  for (const auto& [name, packed_scale] : variables) {
    h5::Dataset ds(H5Dopen2(file.get(), name.c_str(), H5P_DEFAULT));
    if (!ds.valid() || !gridded::stored_as_created(ds.get(), chunk, packed_scale))
      return "its variable " + name + " is not stored as this version stores it";
  }
  return "";
}

GridFileWriter::GridFileWriter(Reopen, const std::filesystem::path& path, const Grid& grid, int64_t tile_size,
                               const OutputMetadata& meta) try
    : impl_(std::make_unique<Impl>(path, grid, tile_size)) {
  h5::quiet_errors();
  Impl& m = *impl_;
  m.reopened = true;
  m.file = h5::File(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT));
  require(m.file, "opening " + path.string() + " to patch it");
  const hid_t file = m.file.get();
  for (const auto& text : grid_file_detail::root_attributes(meta)) cf::overwrite_text(file, text.name, text.value);
  m.x = h5::Dataset(H5Dopen2(file, "x", H5P_DEFAULT));
  m.y = h5::Dataset(H5Dopen2(file, "y", H5P_DEFAULT));
  require(m.x, "x of " + path.string());
  require(m.y, "y of " + path.string());
} catch (const h5::Error& e) {
  h5::rethrow_for_output(e, path);
}

GridFileWriter::Variable GridFileWriter::open_variable(const std::string& name, double packed_scale) try {
  h5::quiet_errors();
  Impl& m = *impl_;
  h5::Dataset ds(H5Dopen2(m.file.get(), name.c_str(), H5P_DEFAULT));
  require(ds, "variable " + name + " of " + m.path.string());
  // Its chunks must be this writer's tiles, or a tile written into it would land elsewhere.
  const h5::PropertyList dcpl(H5Dget_create_plist(ds.get()));
  hsize_t chunk[2] = {0, 0};
  if (H5Pget_chunk(dcpl.get(), 2, chunk) != 2 || chunk[0] != m.chunk_rows() || chunk[1] != m.chunk_cols())
    throw std::invalid_argument("GridFileWriter: variable " + name + " of " + m.path.string() +
                                " is not stored in this writer's tiles");
  m.variables.push_back({std::move(ds), 2, 1, packed_scale});
  return Variable{m.variables.size() - 1};
} catch (const h5::Error& e) {
  h5::rethrow_for_output(e, impl_->path);
}

}  // namespace minerisk
