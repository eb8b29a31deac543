#include "minerisk/engine/previous_output.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <stdexcept>

#include "cf_variables.hpp"
#include "chunk_codec.hpp"
#include "hdf5_handles.hpp"
#include "minerisk/engine/errors.hpp"

namespace fs = std::filesystem;

namespace minerisk {

namespace {
// Where each tile's chunk of `variable` lies in the file; false when one is missing or was
// stored with a filter skipped (its bytes are then not what this version writes).
bool locate(hid_t file, const std::string& variable, const std::vector<kernels::Window>& tiles,
            std::vector<std::vector<uint64_t>>& address_size, const std::atomic<bool>* cancel) {
  h5::Dataset ds(H5Dopen2(file, variable.c_str(), H5P_DEFAULT));
  if (!ds.valid()) return false;
  address_size.assign(tiles.size(), {});
  for (size_t i = 0; i < tiles.size(); ++i) {
    // About 70 microseconds a lookup: 8836 tiles of six variables took 4 s, deaf to Ctrl-C (and
    // under mpirun, killed a second after SIGTERM, leaving the staging folder).
    if (cancel && i % 256 == 0 && cancel->load()) throw Cancelled();
    const hsize_t offset[2] = {static_cast<hsize_t>(tiles[i].row0), static_cast<hsize_t>(tiles[i].col0)};
    unsigned mask = 0;
    haddr_t address = 0;
    hsize_t size = 0;
    if (H5Dget_chunk_info_by_coord(ds.get(), offset, &mask, &address, &size) < 0 || mask != 0 || size == 0 ||
        address == HADDR_UNDEF)
      return false;
    address_size[i] = {static_cast<uint64_t>(address), static_cast<uint64_t>(size)};
  }
  return true;
}

// Whether every chunk lies inside the file and no two share a byte: a damaged index could point
// two tiles at one place, or past the end, and an update patching a copy would then write one
// tile over another's bytes.
bool disjoint_within(std::vector<std::pair<uint64_t, uint64_t>> extents, uint64_t file_size) {
  std::sort(extents.begin(), extents.end());
  uint64_t end = 0;
  for (const auto& [address, size] : extents) {
    if (address < end || size > file_size || address > file_size - size) return false;
    end = address + size;
  }
  return true;
}

// Why the file's chunks cannot be read at the addresses HDF5 gives: it starts with a user block
// (h5jam), and addresses then do not count from its first byte; "" when they can.
std::string why_addresses_are_off(hid_t file) {
  h5::PropertyList fcpl(H5Fget_create_plist(file));
  hsize_t size = 0;
  if (!fcpl.valid() || H5Pget_userblock(fcpl.get(), &size) < 0) return "its creation properties cannot be read";
  return size != 0 ? "it starts with a user block" : "";
}

int open_no_follow(const fs::path& path) { return ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC); }
}  // namespace

std::optional<PreviousOutput> PreviousOutput::open(const fs::path& grid_file, const fs::path& evidence_file,
                                                   const std::vector<std::string>& evidence_layers,
                                                   const std::vector<kernels::Window>& tiles, UpdateRecord record,
                                                   const FileStat& seen, std::string& why,
                                                   const std::atomic<bool>* cancel) {
  h5::quiet_errors();
  PreviousOutput p;
  p.record_ = std::move(record);
  if (p.record_.tiles() != static_cast<int64_t>(tiles.size()) ||
      p.record_.chunks_per_tile() != 1 + evidence_layers.size()) {
    why = "its tiles are not this run's";
    return std::nullopt;
  }
  // The descriptors first, without following a link; HDF5 then opens the very files they hold
  // (/proc/self/fd), and the grid must still be the one whose record was read.
  p.grid_fd_ = FileDescriptor(open_no_follow(grid_file));
  if (p.grid_fd_.get() < 0 && errno == ELOOP) {
    why = "it is a symbolic link: the new files take the link's place, and the file it points to is left alone";
    return std::nullopt;
  }
  struct stat st{};
  if (p.grid_fd_.get() < 0 || ::fstat(p.grid_fd_.get(), &st) != 0 || static_cast<uint64_t>(st.st_ino) != seen.inode ||
      static_cast<uint64_t>(st.st_dev) != seen.device ||
      static_cast<int64_t>(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec != seen.ctime_ns) {
    why = "it was replaced or changed while this update ran";
    return std::nullopt;
  }
  std::vector<std::vector<uint64_t>> located;
  h5::File grid(H5Fopen(descriptor_path(p.grid_fd_.get()).c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!grid.valid() || !locate(grid.get(), "probability", tiles, located, cancel)) {
    why = "its probability is not stored one chunk per tile as this version writes it";
    return std::nullopt;
  }
  if (why = why_addresses_are_off(grid.get()); !why.empty()) return std::nullopt;
  p.file_bytes_ = static_cast<uint64_t>(st.st_size);
  std::vector<std::pair<uint64_t, uint64_t>> extents;
  for (const auto& a : located) {
    p.probability_.push_back({a[0], a[1]});
    p.chunk_bytes_ += a[1];
    extents.emplace_back(a[0], a[1]);
  }
  if (!disjoint_within(extents, static_cast<uint64_t>(st.st_size))) {
    why = "its index of stored tiles is damaged (tiles overlap or lie past the end of the file)";
    return std::nullopt;
  }
  if (evidence_layers.empty()) return p.checked_sizes(why);
  p.evidence_fd_ = FileDescriptor(open_no_follow(evidence_file));
  if (p.evidence_fd_.get() < 0) {
    why = "its evidence file '" + evidence_file.string() + "' is missing or a link";
    return std::nullopt;
  }
  h5::File evidence(H5Fopen(descriptor_path(p.evidence_fd_.get()).c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!evidence.valid()) {
    why = "its evidence file '" + evidence_file.string() + "' cannot be read (damaged, or not HDF5)";
    return std::nullopt;
  }
  if (const auto run_id = cf::read_text(evidence.get(), "run_id"); !run_id || run_id->empty() ||
      run_id != cf::read_text(grid.get(), "run_id")) {
    why = "the evidence file beside it is not the grid's own (another run's)";
    return std::nullopt;
  }
  if (::fstat(p.evidence_fd_.get(), &st) != 0) {
    why = "its evidence file cannot be read";
    return std::nullopt;
  }
  if (const std::string off = why_addresses_are_off(evidence.get()); !off.empty()) {
    why = "its evidence file cannot be copied from: " + off;
    return std::nullopt;
  }
  p.file_bytes_ += static_cast<uint64_t>(st.st_size);
  extents.clear();
  p.evidence_.assign(tiles.size(), {});
  for (const std::string& layer : evidence_layers) {
    if (!locate(evidence.get(), layer, tiles, located, cancel)) {
      why = "its evidence file lacks layer '" + layer + "' as this version stores it";
      return std::nullopt;
    }
    for (size_t i = 0; i < tiles.size(); ++i) {
      p.evidence_[i].push_back({located[i][0], located[i][1]});
      p.chunk_bytes_ += located[i][1];
      extents.emplace_back(located[i][0], located[i][1]);
    }
  }
  if (!disjoint_within(extents, static_cast<uint64_t>(st.st_size))) {
    why = "its evidence file's index of stored tiles is damaged (tiles overlap or lie past the end of the file)";
    return std::nullopt;
  }
  return p.checked_sizes(why);
}

std::optional<PreviousOutput> PreviousOutput::checked_sizes(std::string& why) {
  if (sizes_are_recorded()) return std::move(*this);
  why = "its stored chunks are not the sizes its record gives (rewritten by another tool, such as h5repack or nccopy)";
  return std::nullopt;
}

uint64_t PreviousOutput::tile_bytes(int64_t index) const {
  const std::vector<uint64_t> sizes = stored_sizes(index);
  return std::accumulate(sizes.begin(), sizes.end(), uint64_t{0});
}

std::vector<uint64_t> PreviousOutput::stored_sizes(int64_t index) const {
  const auto i = static_cast<size_t>(index);
  std::vector<uint64_t> sizes{probability_.at(i).size};
  if (!evidence_.empty())
    for (const Location& at : evidence_.at(i)) sizes.push_back(at.size);
  return sizes;
}

bool PreviousOutput::sizes_are_recorded() const {
  const std::vector<uint64_t>& recorded = record_.chunk_sizes;
  if (recorded.empty()) return true;  // a record from before they were kept
  const size_t per_tile = record_.chunks_per_tile();
  for (size_t i = 0; i < probability_.size(); ++i) {
    const std::vector<uint64_t> sizes = stored_sizes(static_cast<int64_t>(i));
    if (sizes.size() != per_tile || !std::equal(sizes.begin(), sizes.end(), recorded.begin() + static_cast<std::ptrdiff_t>(i * per_tile)))
      return false;
  }
  return true;
}

void PreviousOutput::read_copies(const fs::path& grid_copy, const fs::path& evidence_copy) {
  FileDescriptor grid(open_no_follow(grid_copy));
  FileDescriptor evidence(evidence_copy.empty() ? -1 : open_no_follow(evidence_copy));
  if (!grid.valid() || (!evidence_copy.empty() && !evidence.valid()))
    throw std::runtime_error("reopening the copy of the previous output failed: " + std::string(std::strerror(errno)));
  grid_read_ = std::move(grid);
  evidence_read_ = std::move(evidence);
}

void PreviousOutput::prefetch(const std::vector<int64_t>& tiles) const {
  const FileDescriptor& grid = grid_read_.valid() ? grid_read_ : grid_fd_;
  const FileDescriptor& evidence = evidence_read_.valid() ? evidence_read_ : evidence_fd_;
  auto ask = [](const FileDescriptor& file, const Location& at) {
    // Advice only: a file system that ignores it (or fails) leaves the reads as they were.
    (void)::posix_fadvise(file.get(), static_cast<off_t>(at.address), static_cast<off_t>(at.size), POSIX_FADV_WILLNEED);
  };
  for (int64_t index : tiles) {
    ask(grid, probability_.at(static_cast<size_t>(index)));
    if (!evidence_.empty())
      for (const Location& at : evidence_.at(static_cast<size_t>(index))) ask(evidence, at);
  }
}

std::vector<std::byte> PreviousOutput::read(const FileDescriptor& file, const Location& at) const {
  std::vector<std::byte> bytes(at.size);
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::pread(file.get(), bytes.data() + done, bytes.size() - done, static_cast<off_t>(at.address + done));
    if (n <= 0) throw std::runtime_error("reading a stored tile of the previous output failed");
    done += static_cast<size_t>(n);
  }
  return bytes;
}

std::optional<std::vector<std::vector<std::byte>>> PreviousOutput::tile_chunks(int64_t index) const {
  return checked_chunks(index, true);
}

std::optional<std::vector<std::vector<std::byte>>> PreviousOutput::tile_evidence_chunks(int64_t index) const {
  return checked_chunks(index, false);
}

std::optional<std::vector<std::vector<std::byte>>> PreviousOutput::checked_chunks(int64_t index,
                                                                                  bool with_probability) const {
  const size_t per_tile = record_.chunks_per_tile();
  // The record's CRC-32s of the chunks read: the probability's is the tile's first.
  const uint32_t* crc = record_.crc32.data() + static_cast<size_t>(index) * per_tile + (with_probability ? 0 : 1);
  std::vector<std::vector<std::byte>> chunks;
  try {
    if (with_probability) chunks.push_back(probability_chunk(index));
    for (auto& c : evidence_chunks(index)) chunks.push_back(std::move(c));
  } catch (const std::runtime_error&) {
    return std::nullopt;  // a read error: the tile is computed instead
  }
  for (size_t k = 0; k < chunks.size(); ++k)
    if (crc32_of(chunks[k]) != crc[k]) return std::nullopt;
  return chunks;
}

std::vector<std::byte> PreviousOutput::probability_chunk(int64_t index) const {
  return read(grid_read_.valid() ? grid_read_ : grid_fd_, probability_.at(static_cast<size_t>(index)));
}

std::vector<std::vector<std::byte>> PreviousOutput::evidence_chunks(int64_t index) const {
  std::vector<std::vector<std::byte>> chunks;
  if (evidence_.empty()) return chunks;
  const FileDescriptor& file = evidence_read_.valid() ? evidence_read_ : evidence_fd_;
  for (const Location& at : evidence_.at(static_cast<size_t>(index))) chunks.push_back(read(file, at));
  return chunks;
}

std::vector<float> decode_float_chunk(const std::vector<std::byte>& stored, int64_t chunk_rows, int64_t chunk_cols,
                                      int64_t rows, int64_t cols) {
  return chunk_codec::decode_chunk<float>(stored, chunk_rows, chunk_cols, rows, cols);
}

}  // namespace minerisk
