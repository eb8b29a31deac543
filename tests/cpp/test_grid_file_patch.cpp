// Update's way of writing: a copy of a run's pair of files (clone_file), reopened and patched
// (RunFileWriter's Reopen): tiles written over the copy's, attributes overwritten in place (a
// growing history included, fifty times over: HDF5 1.10 crashed when such attributes were
// deleted and made again), and the refusals that send an update to a whole write instead.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "file_clone.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/file_descriptor.hpp"
#include "minerisk/engine/run_file_writer.hpp"
#include "minerisk/engine/update_record.hpp"
#include "small_grid.hpp"

namespace fs = std::filesystem;
using namespace minerisk;
using kernels::Window;
using minerisk::test_support::small_grid;

namespace {

constexpr int64_t kTile = 16;

fs::path test_dir() {
  const fs::path dir = fs::temp_directory_path() / "minerisk_grid_file_patch_tests" /
                       ::testing::UnitTest::GetInstance()->current_test_info()->name();
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

OutputMetadata metadata(const std::string& history) {
  OutputMetadata m;
  m.title = "patch test";
  m.version = "0.0-test";
  m.created_utc = "2024-01-01T00:00:00Z";
  m.history = history;
  m.scenario_toml = "title = \"patch test\"\n";
  m.inputs_json = "[]";
  m.run_id = "0123456789abcdef0123456789abcdef";
  return m;
}

std::vector<Window> tiles(const Grid& g) {
  std::vector<Window> out;
  for (int64_t r = 0; r < g.height(); r += kTile)
    for (int64_t c = 0; c < g.width(); c += kTile)
      out.push_back({c, r, std::min(kTile, g.width() - c), std::min(kTile, g.height() - r)});
  return out;
}

std::vector<float> filled(const Window& w, float value) { return std::vector<float>(static_cast<size_t>(w.cells()), value); }

// A run's pair of files with every tile's probability `value` and one evidence layer.
void write_run(const fs::path& grid_file, const Grid& grid, const OutputMetadata& meta, float value) {
  RunFileWriter writer(grid_file, evidence_file_for(grid_file), evidence_file_for(grid_file).filename().string(), grid,
                       kTile, {"slope"}, {"slope's contribution"}, meta);
  for (const Window& w : tiles(grid)) writer.write_tile(w, filled(w, value), {filled(w, -0.5f)});
  writer.add_record_group(UpdateRecord::kGroup, {{"format", "test"}}, {});  // as update's record is
  writer.close();
}

std::vector<float> probability_of(const fs::path& file, const Grid& grid) {
  std::vector<float> values(static_cast<size_t>(grid.width() * grid.height()));
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t ds = H5Dopen2(f, "probability", H5P_DEFAULT);
  EXPECT_GE(H5Dread(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), 0);
  H5Dclose(ds);
  H5Fclose(f);
  return values;
}

std::string history_of(const fs::path& file) {
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t a = H5Aopen(f, "history", H5P_DEFAULT);
  const hid_t type = H5Aget_type(a);
  char* text = nullptr;
  std::string out;
  if (H5Tis_variable_str(type) > 0 && H5Aread(a, type, &text) >= 0 && text) out = text;
  if (text) H5free_memory(text);
  H5Tclose(type);
  H5Aclose(a);
  H5Fclose(f);
  return out;
}

std::string bytes_of(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Copies `from` to `to` as update does: an empty file first (the private temporary), then clone_file.
CloneMethod clone(const fs::path& from, const fs::path& to) {
  std::ofstream(to).close();
  const FileDescriptor source(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  return clone_file(source.get(), to, nullptr);
}

}  // namespace

TEST(GridFilePatch, CloneCopiesEveryByteAndLeavesTheSourceAlone) {
  const fs::path dir = test_dir();
  std::ofstream(dir / "a.bin", std::ios::binary) << std::string(3 << 20, 'x') + "end";
  const FileDescriptor source(::open((dir / "a.bin").c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_EQ(::lseek(source.get(), 17, SEEK_SET), 17);
  std::ofstream(dir / "b.bin").close();
  const CloneMethod method = clone_file(source.get(), dir / "b.bin", nullptr);
  EXPECT_TRUE(method == CloneMethod::reflink || method == CloneMethod::kernel_copy) << clone_method_name(method);
  EXPECT_EQ(bytes_of(dir / "b.bin"), bytes_of(dir / "a.bin"));
  EXPECT_EQ(::lseek(source.get(), 0, SEEK_CUR), 17);  // its position is neither used nor moved
}

TEST(GridFilePatch, CloneRefusesALinkAndStopsWhenCancelled) {
  const fs::path dir = test_dir();
  std::ofstream(dir / "a.bin") << "data";
  std::ofstream(dir / "victim.bin") << "someone else's";
  fs::create_symlink(dir / "victim.bin", dir / "link.bin");
  const FileDescriptor source(::open((dir / "a.bin").c_str(), O_RDONLY | O_CLOEXEC));
  EXPECT_THROW(clone_file(source.get(), dir / "link.bin", nullptr), std::runtime_error);
  EXPECT_EQ(bytes_of(dir / "victim.bin"), "someone else's");
  std::ofstream(dir / "b.bin").close();
  const std::atomic<bool> cancel{true};
  EXPECT_THROW(clone_file(source.get(), dir / "b.bin", &cancel), Cancelled);
}

TEST(GridFilePatch, TilesAndAGrowingHistoryPatchedFiftyTimes) {
  const fs::path dir = test_dir();
  const Grid grid = small_grid();
  std::string history = "2024-01-01T00:00:00Z: run";
  write_run(dir / "run.nc", grid, metadata(history), 0.25f);
  fs::path previous = dir / "run.nc";
  const Window tile = tiles(grid)[3];
  for (int n = 1; n <= 50; ++n) {
    history += "\n2024-01-02T00:00:00Z: update number " + std::to_string(n) + std::string(static_cast<size_t>(n), '.');
    const fs::path next = dir / ("update" + std::to_string(n) + ".nc");
    // Every copy names the evidence file of the run it came from, as an updated output does.
    ASSERT_EQ(RunFileWriter::patch_refusal(previous, evidence_file_for(previous), "run_evidence.nc", grid, kTile,
                                           {"slope"}, metadata(history), EvidenceStorage::packed),
              "")
        << n;
    clone(previous, next);
    clone(evidence_file_for(previous), evidence_file_for(next));
    RunFileWriter writer(RunFileWriter::Reopen{}, next, evidence_file_for(next), "run_evidence.nc", grid, kTile,
                         {"slope"}, metadata(history), EvidenceStorage::packed);
    writer.write_tile(tile, filled(tile, 0.5f + 0.01f * static_cast<float>(n)), {filled(tile, 1.0f)});
    writer.close();
    EXPECT_EQ(history_of(next), history) << n;
    previous = next;
  }
  const std::vector<float> values = probability_of(previous, grid);
  for (int64_t r = 0; r < grid.height(); ++r)
    for (int64_t c = 0; c < grid.width(); ++c) {
      const bool in_tile = r >= tile.row0 && r < tile.row0 + tile.height && c >= tile.col0 && c < tile.col0 + tile.width;
      ASSERT_EQ(values[static_cast<size_t>(r * grid.width() + c)], in_tile ? 0.5f + 0.01f * 50 : 0.25f) << r << "," << c;
    }
}

TEST(GridFilePatch, RefusesAnAttributeThatWouldChangeItsSizeOrOtherFilters) {
  const fs::path dir = test_dir();
  const Grid grid = small_grid();
  write_run(dir / "run.nc", grid, metadata("h"), 0.25f);
  const auto refusal = [&](const std::string& evidence_name, int64_t tile, EvidenceStorage storage) {
    return RunFileWriter::patch_refusal(dir / "run.nc", dir / "run_evidence.nc", evidence_name, grid, tile, {"slope"},
                                        metadata("a longer history"), storage);
  };
  EXPECT_EQ(refusal("run_evidence.nc", kTile, EvidenceStorage::packed), "");
  EXPECT_EQ(refusal("another_name_evidence.nc", kTile, EvidenceStorage::packed),
            "its attribute evidence_file would change its size");
  EXPECT_EQ(refusal("run_evidence.nc", 32, EvidenceStorage::packed),
            "its variable probability is not stored as this version stores it");
  EXPECT_EQ(refusal("run_evidence.nc", kTile, EvidenceStorage::float32),
            "its attribute description would change its size");
  // An attribute another tool added would outlive a patch: the files are written whole instead.
  const hid_t f = H5Fopen((dir / "run.nc").c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  const hid_t space = H5Screate(H5S_SCALAR);
  const int value = 1;
  const hid_t attr = H5Acreate2(f, "added_by_hand", H5T_NATIVE_INT, space, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(attr, H5T_NATIVE_INT, &value);
  H5Aclose(attr);
  H5Sclose(space);
  H5Fclose(f);
  EXPECT_EQ(refusal("run_evidence.nc", kTile, EvidenceStorage::packed),
            "it holds other variables or attributes than a run's");
}
