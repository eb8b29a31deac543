// What travels between MPI ranks, without MPI: a computed tile flattened into bytes and back
// (ops/tile_message), a tile compressed away from any file (RunTileEncoding) exactly as the
// writer compresses it, and a sweep's sums flattened and added back.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "minerisk/engine/grid.hpp"
#include "small_grid.hpp"
#include "minerisk/engine/run_file_writer.hpp"
#include "ops/sweep_statistics.hpp"
#include "ops/sweep_tiles.hpp"
#include "ops/tile_message.hpp"

namespace fs = std::filesystem;
using namespace minerisk;
using minerisk::test_support::small_grid;
using kernels::Window;

namespace {

ops::TileMessage sample_message() {
  ops::TileMessage m;
  m.index = 41;
  m.valid_cells = 1234;
  m.seconds = 0.25;
  m.fingerprint.resize(3);
  m.fingerprint[1].bytes[7] = std::byte{9};
  m.chunk.bytes[0] = std::byte{1};
  m.picture = {0.5f, NAN, 1.0f};
  m.stored.chunks = {{std::byte{1}, std::byte{2}}, {}, {std::byte{3}}};
  m.stored.clipped = {0, 7, 0};
  return m;
}


std::vector<float> values(const Window& w, float scale) {
  std::vector<float> v;
  for (int64_t r = 0; r < w.height; ++r)
    for (int64_t c = 0; c < w.width; ++c) v.push_back(r == 2 && c == 3 ? NAN : scale * static_cast<float>(r * 7 - c));
  return v;
}

}  // namespace

TEST(TileMessage, ComesBackAsItWent) {
  const ops::TileMessage m = sample_message();
  const ops::TileMessage back = ops::unpack_tile_message(ops::pack_tile_message(m));
  EXPECT_EQ(back.index, m.index);
  EXPECT_EQ(back.valid_cells, m.valid_cells);
  EXPECT_EQ(back.seconds, m.seconds);
  EXPECT_EQ(back.fingerprint, m.fingerprint);
  EXPECT_EQ(back.chunk, m.chunk);
  ASSERT_EQ(back.picture.size(), 3u);
  EXPECT_EQ(back.picture[0], 0.5f);
  EXPECT_TRUE(std::isnan(back.picture[1]));
  EXPECT_EQ(back.stored.chunks, m.stored.chunks);
  EXPECT_EQ(back.stored.clipped, m.stored.clipped);
}

TEST(TileMessage, CutShortOrTooLongIsRefused) {
  const std::vector<std::byte> bytes = ops::pack_tile_message(sample_message());
  for (size_t n = 0; n < bytes.size(); ++n)
    EXPECT_THROW(ops::unpack_tile_message(std::vector<std::byte>(bytes.begin(), bytes.begin() + n)), std::runtime_error)
        << n;
  std::vector<std::byte> longer = bytes;
  longer.push_back(std::byte{0});
  EXPECT_THROW(ops::unpack_tile_message(longer), std::runtime_error);
}

// A worker's bytes are the writer's own, for every storage, on whole and partial tiles, with
// the packed range's clipped values counted alike.
TEST(RunTileEncoding, GivesTheWritersBytes) {
  const Grid grid = small_grid();
  // A folder of this process's own: ctest runs tests in parallel processes.
  const fs::path dir = fs::temp_directory_path() / ("minerisk_tile_message_tests_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  for (EvidenceStorage storage : {EvidenceStorage::packed, EvidenceStorage::float32, EvidenceStorage::none}) {
    const fs::path path = dir / ("grid" + std::to_string(static_cast<int>(storage)) + ".nc");
    RunFileWriter writer(path, evidence_file_for(path), "e.nc", grid, 16, {"a", "b"}, {"layer a", "layer b"}, {},
                         storage);
    const RunTileEncoding encoding(grid.width(), grid.height(), 16, storage);
    for (const Window w : {Window{0, 0, 16, 16}, Window{32, 16, 5, 7}}) {
      const std::vector<float> p = values(w, 0.001f);
      const std::vector<std::vector<float>> evidence{values(w, 1.5f), values(w, -0.25f)};  // a's beyond +-32.767
      const RunFileWriter::EncodedTile want = writer.encode_tile(w, p, evidence);
      const DetachedTile got = encoding.encode(w, p, evidence);
      ASSERT_EQ(got.chunks.size(), 1 + want.evidence.size());
      EXPECT_EQ(got.chunks[0], want.probability.bytes);
      for (size_t k = 0; k < want.evidence.size(); ++k) {
        EXPECT_EQ(got.chunks[1 + k], want.evidence[k].bytes);
        EXPECT_EQ(got.clipped[1 + k], want.evidence[k].clipped);
      }
      if (storage == EvidenceStorage::packed) {
        EXPECT_GT(got.clipped[1], 0);
      }
      // And back on the writer's side, as the chunks it would have made.
      const RunFileWriter::EncodedTile again = writer.detached_tile(w, got);
      EXPECT_EQ(again.probability.bytes, want.probability.bytes);
      for (size_t k = 0; k < want.evidence.size(); ++k) EXPECT_EQ(again.evidence[k].clipped, want.evidence[k].clipped);
      writer.write_tile(again);
    }
    EXPECT_THROW(writer.detached_tile(Window{0, 0, 16, 16}, DetachedTile{}), std::invalid_argument);
    writer.close();
  }
  fs::remove_all(dir);
}

TEST(SweepSums, FlattenedAndAddedBackAreTheSame) {
  sweep::Totals a(3, 2), b(3, 2);
  a.expected_milli_m2 = {1, 2, 3, 4};
  a.above_milli_m2[1][2] = 5;
  a.histogram[2][100] = 6;
  a.in_base_top[0][sweep::kBins - 1] = 7;
  a.base_top = 8;
  b.add_flat(a.flat());
  EXPECT_EQ(b.flat(), a.flat());
  std::vector<int64_t> short_sums = a.flat();
  short_sums.pop_back();
  EXPECT_THROW(b.add_flat(short_sums), std::runtime_error);

  sweep::BaseSums s;
  s.add(std::vector<float>{0.5f, NAN, 0.25f});
  const sweep::BaseSums back = sweep::BaseSums::from_flat(s.flat());
  EXPECT_EQ(back.valid, 2);
  EXPECT_EQ(back.histogram, s.histogram);
  EXPECT_THROW(sweep::BaseSums::from_flat({1, 2}), std::runtime_error);
}
