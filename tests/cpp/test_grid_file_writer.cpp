// GridFileWriter and GridFileReader: a small file written and read back, and errors that throw
// without leaving an HDF5 object open.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/grid.hpp"
#include "small_grid.hpp"
#include "minerisk/engine/grid_file_reader.hpp"
#include "minerisk/engine/run_file_writer.hpp"
#include "minerisk/engine/grid_file_writer.hpp"

namespace fs = std::filesystem;
using namespace minerisk;
using minerisk::test_support::small_grid;
using kernels::Window;

namespace {

// Each test writes into its own folder: ctest runs tests in parallel processes.
fs::path test_dir() {
  const fs::path dir = fs::temp_directory_path() / "minerisk_grid_file_tests" /
                       ::testing::UnitTest::GetInstance()->current_test_info()->name();
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// HDF5 objects in files (files, datasets, groups, named types, attributes) open in this process.
ssize_t open_hdf5_objects() { return H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL); }

// Identifiers of the kinds H5Fget_obj_count does not see (dataspaces, property lists,
// datatypes) made since the watch started and still open. HDF5 numbers each kind's
// identifiers in sequence, so those made in between lie between two probes of that kind.
class LeakWatch {
 public:
  LeakWatch() : space_(probe_space()), plist_(probe_plist()), type_(probe_type()) {}
  int64_t still_open() const {
    return open_between(space_, probe_space()) + open_between(plist_, probe_plist()) + open_between(type_, probe_type());
  }

 private:
  static hid_t probe_space() {
    const hid_t id = H5Screate(H5S_SCALAR);
    H5Sclose(id);
    return id;
  }
  static hid_t probe_plist() {
    const hid_t id = H5Pcreate(H5P_DATASET_CREATE);
    H5Pclose(id);
    return id;
  }
  static hid_t probe_type() {
    const hid_t id = H5Tcopy(H5T_C_S1);
    H5Tclose(id);
    return id;
  }
  static int64_t open_between(hid_t first, hid_t last) {
    int64_t n = 0;
    for (hid_t id = first + 1; id < last; ++id) n += H5Iis_valid(id) > 0;
    return n;
  }
  hid_t space_, plist_, type_;
};


OutputMetadata metadata() {
  OutputMetadata m;
  m.title = "writer test";
  m.version = "0.0-test";
  m.created_utc = "2024-01-01T00:00:00Z";
  m.history = m.created_utc + ": test";
  m.scenario_toml = "title = \"writer test\"\n";
  m.inputs_json = "[]";
  return m;
}

// Distinct, exactly representable values per variable and cell; NaN in one cell to check it survives.
float value_of(int variable, int64_t row, int64_t col) {
  if (row == 3 && col == 5) return NAN;
  return static_cast<float>(variable * 10000 + row * 100 + col) / 1024.0f;
}

std::vector<float> window_values(int variable, const Window& w) {
  std::vector<float> v;
  for (int64_t r = w.row0; r < w.row0 + w.height; ++r)
    for (int64_t c = w.col0; c < w.col0 + w.width; ++c) v.push_back(value_of(variable, r, c));
  return v;
}

std::vector<Window> tiles(const Grid& g, int64_t size) {
  std::vector<Window> out;
  for (int64_t r = 0; r < g.height(); r += size)
    for (int64_t c = 0; c < g.width(); c += size)
      out.push_back({c, r, std::min(size, g.width() - c), std::min(size, g.height() - r)});
  return out;
}

// Every value as written; within `tolerance` for a packed variable.
void expect_whole(const std::vector<float>& got, const Grid& g, int variable, double tolerance = 0) {
  ASSERT_EQ(got.size(), static_cast<size_t>(g.width() * g.height()));
  for (int64_t r = 0; r < g.height(); ++r)
    for (int64_t c = 0; c < g.width(); ++c) {
      const float want = value_of(variable, r, c), have = got[static_cast<size_t>(r * g.width() + c)];
      if (std::isnan(want)) EXPECT_TRUE(std::isnan(have)) << r << "," << c;
      else if (tolerance > 0) EXPECT_NEAR(have, want, tolerance) << "variable " << variable << " at " << r << "," << c;
      else EXPECT_EQ(have, want) << "variable " << variable << " at " << r << "," << c;
    }
}

// Packed evidence (the default): half a step, plus float32's rounding of values near 20.
constexpr double kPackedTolerance = kEvidenceStep / 2 + 2e-6;

}  // namespace

TEST(GridFileWriter, RunFileReadsBack) {
  const fs::path path = test_dir() / "run.nc";
  const Grid grid = small_grid();
  {
    RunFileWriter writer(path, evidence_file_for(path), "run_evidence.nc", grid, 16, {"slope", "finds"},
                         {"slope contribution", "finds contribution"}, metadata());
    EXPECT_GT(open_hdf5_objects(), 0);
    for (const Window& w : tiles(grid, 16))
      writer.write_tile(w, window_values(0, w), {window_values(1, w), window_values(2, w)});
    writer.close();
    EXPECT_EQ(open_hdf5_objects(), 0);
    writer.close();  // a second close is a no-op
  }
  const GridFileReader reader(path);
  EXPECT_EQ(reader.grid().width(), grid.width());
  EXPECT_EQ(reader.grid().height(), grid.height());
  EXPECT_EQ(reader.grid().frame.geotransform, grid.frame.geotransform);
  EXPECT_EQ(reader.grid().crs_wkt, grid.crs_wkt);
  EXPECT_EQ(reader.evidence_names(), (std::vector<std::string>{"slope", "finds"}));
  EXPECT_EQ(reader.scenario_toml(), metadata().scenario_toml);
  expect_whole(reader.read("probability"), grid, 0);
  expect_whole(reader.read("evidence/slope"), grid, 1, kPackedTolerance);
  expect_whole(reader.read("evidence/finds"), grid, 2, kPackedTolerance);
  EXPECT_NEAR(reader.read_cell("evidence/finds", 22, 36), value_of(2, 22, 36), kPackedTolerance);
  EXPECT_TRUE(std::isnan(reader.read_cell("probability", 3, 5)));
  EXPECT_EQ(open_hdf5_objects(), 0);
}

TEST(GridFileWriter, VariablesStacksAndSeries) {
  const fs::path path = test_dir() / "sweep.h5";
  const Grid grid = small_grid();
  {
    GridFileWriter writer(path, grid, 16, metadata());
    const GridFileWriter::Variable probability = writer.add_variable("probability", "p", "1");
    const GridFileWriter::Variable other = writer.add_variable("other", "o", "1", "extra");
    const GridFileWriter::Stack stack = writer.add_stack("stack", 2, "s", "1");
    for (const Window& w : tiles(grid, 16)) {
      writer.write(probability, w, window_values(0, w));
      writer.write(other, w, window_values(1, w));
      writer.write(stack, 0, w, window_values(2, w));
      writer.write(stack, 1, w, window_values(3, w));
    }
    writer.add_series("parameter", {1.5, 2.5}, "a parameter", "1");
    writer.close();
  }
  EXPECT_EQ(open_hdf5_objects(), 0);
  const GridFileReader reader(path);
  EXPECT_TRUE(reader.evidence_names().empty());
  expect_whole(reader.read("probability"), grid, 0);
  expect_whole(reader.read("extra/other"), grid, 1);
  // The reader reads (y, x) variables only: a stack is refused, not read into a buffer too small.
  EXPECT_THROW(reader.read("stack"), UserError);
  EXPECT_THROW(reader.read_cell("stack", 0, 0), UserError);
  EXPECT_THROW(reader.read("parameter"), UserError);
  EXPECT_THROW(reader.read("no_such_variable"), UserError);
  EXPECT_EQ(open_hdf5_objects(), 0);
  // The reader goes through GDAL's netCDF driver, and netCDF-C 4.9 keeps one HDF5 identifier
  // (a property list, not a file) per file it opens: measured here as +1 per open, the same
  // for a failed read. Files and datasets are all closed (open_hdf5_objects above); the
  // identifiers of our own writer are checked by the other tests of this file.
}

TEST(GridFileWriter, AFolderThatDoesNotExistThrowsAndLeavesNothingOpen) {
  const fs::path path = test_dir() / "no" / "such" / "folder" / "out.h5";
  const LeakWatch watch;
  EXPECT_THROW(GridFileWriter(path, small_grid(), 16, metadata()), std::runtime_error);
  EXPECT_EQ(open_hdf5_objects(), 0);
  EXPECT_EQ(watch.still_open(), 0);
  EXPECT_FALSE(fs::exists(path));
}

TEST(GridFileWriter, AFailureInTheConstructorLeavesNothingOpen) {
  // Two evidence layers of one name: the second dataset cannot be created, after both files,
  // their coordinates and the first dataset were.
  const fs::path path = test_dir() / "out.nc";
  const LeakWatch watch;
  EXPECT_THROW(RunFileWriter(path, evidence_file_for(path), "out_evidence.nc", small_grid(), 16, {"a", "a"},
                             {"first", "second"}, metadata()),
               std::runtime_error);
  EXPECT_EQ(open_hdf5_objects(), 0);
  EXPECT_EQ(watch.still_open(), 0);
}

TEST(GridFileWriter, BadWritesThrowAndTheFileStillClosesCleanly) {
  const fs::path path = test_dir() / "out.nc";
  const Grid grid = small_grid();
  const LeakWatch watch;
  {
    GridFileWriter writer(path, grid, 16, metadata());
    const GridFileWriter::Variable a = writer.add_variable("a", "a", "1");
    const Window w{0, 0, 16, 16};
    EXPECT_THROW(writer.write(GridFileWriter::Variable{}, w, window_values(0, w)), std::invalid_argument);
    EXPECT_THROW(writer.write(GridFileWriter::Variable{42}, w, window_values(0, w)), std::invalid_argument);
    EXPECT_THROW(writer.write(GridFileWriter::Stack{0}, 0, w, window_values(0, w)), std::invalid_argument);
    EXPECT_THROW(writer.write(a, w, std::vector<float>(10)), std::invalid_argument);
    const LeakWatch open;
    EXPECT_THROW(writer.add_variable("a", "again", "1"), std::runtime_error);  // exists already
    EXPECT_THROW(writer.add_series("x", {1.0}, "a name taken by a coordinate", "1"), std::runtime_error);
    EXPECT_EQ(open.still_open(), 0);  // nothing left behind by the failed creations
    // A window reaching outside the grid: HDF5 refuses it.
    const Window outside{30, 20, 16, 16};
    EXPECT_THROW(writer.write(a, outside, window_values(1, outside)), std::runtime_error);
    EXPECT_GT(open_hdf5_objects(), 0);
    writer.write(a, w, window_values(1, w));
    writer.close();
    EXPECT_EQ(open_hdf5_objects(), 0);
    EXPECT_EQ(watch.still_open(), 0);
    EXPECT_THROW(writer.write(a, w, window_values(1, w)), std::invalid_argument);
    EXPECT_THROW(writer.add_variable("b", "b", "1"), std::invalid_argument);
  }
  const GridFileReader reader(path, "a");
  EXPECT_EQ(reader.read_cell("", 15, 15), value_of(1, 15, 15));
  EXPECT_TRUE(std::isnan(reader.read_cell("", 16, 16)));  // never written: the fill value
}

TEST(RunFileWriter, BadTilesThrowAndBothFilesStillCloseCleanly) {
  const fs::path path = test_dir() / "run.nc";
  const LeakWatch watch;
  {
    RunFileWriter writer(path, evidence_file_for(path), "run_evidence.nc", small_grid(), 16, {"a"}, {"a"},
                         metadata());
    const Window w{0, 0, 16, 16};
    EXPECT_THROW(writer.write_tile(w, std::vector<float>(10), {window_values(1, w)}), std::invalid_argument);
    EXPECT_THROW(writer.write_tile(w, window_values(0, w), {}), std::invalid_argument);
    writer.write_tile(w, window_values(0, w), {window_values(1, w)});
    writer.close();
  }
  EXPECT_EQ(open_hdf5_objects(), 0);
  EXPECT_EQ(watch.still_open(), 0);
  const GridFileReader reader(path);
  EXPECT_EQ(reader.evidence_names(), (std::vector<std::string>{"a"}));
  EXPECT_NEAR(reader.read_cell("evidence/a", 15, 15), value_of(1, 15, 15), kPackedTolerance);
  EXPECT_THROW(reader.read_cell("evidence/b", 15, 15), UserError);
  fs::remove(evidence_file_for(path));
  const GridFileReader alone(path);  // the grid still reads; its layers say where they should be
  EXPECT_NO_THROW(alone.read_cell("", 1, 1));
  EXPECT_THROW(alone.require_evidence(), UserError);
}

TEST(GridFileWriter, AWriterDestroyedWithoutCloseLeavesNothingOpen) {
  const fs::path path = test_dir() / "out.h5";
  const LeakWatch watch;
  {
    GridFileWriter writer(path, small_grid(), 16, metadata());
    const auto v = writer.add_variable("v", "v", "1");
    const Window w{0, 0, 8, 8};
    writer.write(v, w, window_values(0, w));
    writer.add_stack("s", 3, "s", "1");
  }
  EXPECT_EQ(open_hdf5_objects(), 0);
  EXPECT_EQ(watch.still_open(), 0);
}

TEST(GridFileReader, FilesThatAreNotOutputsThrowAndLeaveNothingOpen) {
  const fs::path dir = test_dir();
  EXPECT_THROW(GridFileReader(dir / "missing.h5"), UserError);
  std::ofstream(dir / "text.h5") << "not HDF5";
  EXPECT_THROW(GridFileReader(dir / "text.h5"), UserError);
  {
    // An HDF5 file without the variables of a run's output.
    GridFileWriter writer(dir / "bare.h5", small_grid(), 16, metadata());
    writer.close();
  }
  EXPECT_THROW(GridFileReader(dir / "bare.h5"), UserError);
  EXPECT_EQ(open_hdf5_objects(), 0);  // the files (netCDF-C keeps an identifier per open: see above)
}

TEST(RunFileWriter, EvidenceIsStoredPackedAsFloat32OrNotAtAll) {
  const Grid grid = small_grid();
  for (EvidenceStorage storage : {EvidenceStorage::float32, EvidenceStorage::none}) {
    const fs::path path = test_dir() / (storage == EvidenceStorage::none ? "none.nc" : "float.nc");
    {
      RunFileWriter writer(path, evidence_file_for(path), evidence_file_for(path).filename().string(), grid, 16, {"a"},
                           {"a"}, metadata(), storage);
      for (const Window& w : tiles(grid, 16)) writer.write_tile(w, window_values(0, w), {window_values(1, w)});
      writer.close();
    }
    const GridFileReader reader(path);
    expect_whole(reader.read("probability"), grid, 0);
    if (storage == EvidenceStorage::float32) {
      expect_whole(reader.read("evidence/a"), grid, 1);  // exactly
    } else {
      EXPECT_FALSE(fs::exists(evidence_file_for(path)));
      EXPECT_TRUE(reader.evidence_names().empty());
    }
  }
}

TEST(GridFileWriter, ChunksEncodedOnWorkersReadAsTheFiltersWouldHaveWrittenThem) {
  // The same values through encode() + write(chunk) and through HDF5's own filters (a window
  // that is not one chunk), float32 and packed: every reader sees the same numbers.
  const Grid grid = small_grid();
  const fs::path direct = test_dir() / "direct.nc", filtered = direct.parent_path() / "filtered.nc";
  for (const fs::path& path : {direct, filtered}) {
    GridFileWriter writer(path, grid, 16, metadata());
    const auto plain = writer.add_variable("probability", "plain", "1");
    const auto packed = writer.add_packed_variable("packed", "packed", "1", 0.01);
    for (const Window& w : tiles(grid, 16)) {
      EXPECT_TRUE(writer.is_chunk(w));
      if (path == direct) {
        writer.write(writer.encode(plain, w, window_values(0, w)));
        writer.write(writer.encode(packed, w, window_values(1, w)));
        continue;
      }
      // Row by row: never one chunk, so HDF5 filters them.
      for (int64_t r = 0; r < w.height; ++r) {
        const Window row{w.col0, w.row0 + r, w.width, 1};
        EXPECT_FALSE(writer.is_chunk(row));
        writer.write(plain, row, window_values(0, row));
        writer.write(packed, row, window_values(1, row));
      }
    }
    EXPECT_THROW(writer.encode(plain, Window{1, 0, 16, 16}, std::vector<float>(256)), std::invalid_argument);
    writer.close();
  }
  const GridFileReader a(direct), b(filtered);
  EXPECT_EQ(a.read("probability").size(), b.read("probability").size());
  for (const std::string v : {"probability", "packed"}) {
    const std::vector<float> x = a.read(v), y = b.read(v);
    for (size_t i = 0; i < x.size(); ++i)
      EXPECT_TRUE(x[i] == y[i] || (std::isnan(x[i]) && std::isnan(y[i]))) << v << " cell " << i;
  }
  expect_whole(a.read("probability"), grid, 0);
  expect_whole(a.read("packed"), grid, 1, 0.005 + 1e-5);
}

TEST(GridFileWriter, AStoredChunkDecodesToValuesThatEncodeToTheSameBytes) {
  // What an update does with a tile it recomputes in part: the previous chunk decoded, some
  // cells replaced, encoded again. Unchanged cells must give the stored bytes back, packed or not,
  // edge chunks (the grid is not a whole number of tiles) and values beyond the packed range too.
  const Grid grid = small_grid();
  GridFileWriter writer(test_dir() / "decode.nc", grid, 16, metadata());
  const auto plain = writer.add_variable("plain", "plain", "1");
  const auto packed = writer.add_packed_variable("packed", "packed", "1", 0.001);
  for (const Window& w : tiles(grid, 16)) {
    std::vector<float> values = window_values(0, w);
    for (size_t i = 0; i < values.size(); ++i) {
      const std::array<float, 6> odd{NAN, 40.0f, -1e9f, INFINITY, -INFINITY, 32.7675f};
      values[i] = i % 7 == 0 ? odd[(i / 7) % odd.size()] : values[i] * 60.0f - 30.0f;
    }
    for (const auto variable : {plain, packed}) {
      const std::vector<std::byte> bytes = writer.encode(variable, w, values).bytes;
      const std::vector<float> decoded = writer.decode(variable, w, bytes);
      ASSERT_EQ(decoded.size(), values.size());
      EXPECT_EQ(writer.encode(variable, w, decoded).bytes, bytes);
      for (size_t i = 0; i < values.size(); ++i) {
        if (std::isnan(values[i])) {
          EXPECT_TRUE(std::isnan(decoded[i]));
        } else if (variable.index == plain.index) {
          EXPECT_EQ(decoded[i], values[i]);
        } else if (std::abs(values[i]) < 32.7) {
          EXPECT_NEAR(decoded[i], values[i], 0.0005 + 1e-6);
        }
      }
    }
    std::vector<std::byte> damaged = writer.encode(plain, w, values).bytes;
    damaged.resize(damaged.size() / 2);
    EXPECT_THROW(writer.decode(plain, w, damaged), std::runtime_error);
    EXPECT_THROW(writer.decode(plain, Window{w.col0 + 1, w.row0, w.width, w.height}, damaged), std::invalid_argument);
  }
  writer.close();
}
