// chunk_codec and cf_packing, the engine's own halves of HDF5's filter pipeline: the shuffle
// against a byte-by-byte reference, the deflate stream against inflation, edge chunks padded,
// and packing's rounding, saturation and fill value. That HDF5 and its clients read the
// chunks back is tested through the writer (test_grid_file_writer.cpp) and from Python
// (tests/python/test_chunked_output.py).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "cf_packing.hpp"
#include "chunk_codec.hpp"

using namespace minerisk;

namespace {

std::vector<std::byte> random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<std::byte> out(n);
  for (auto& b : out) b = static_cast<std::byte>(rng() & 0xff);
  return out;
}

// HDF5's shuffle, written as its documentation states it: byte k of element i goes to k * n + i.
std::vector<std::byte> reference_shuffle(const std::vector<std::byte>& in, std::size_t size) {
  std::vector<std::byte> out(in);
  const std::size_t n = in.size() / size;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < size; ++k) out[k * n + i] = in[i * size + k];
  return out;
}

template <typename T>
std::vector<T> decode(const std::vector<std::byte>& stream, std::size_t cells) {
  const std::vector<std::byte> shuffled = chunk_codec::zlib_decompress(stream, cells * sizeof(T));
  std::vector<std::byte> plain(shuffled.size());
  chunk_codec::unshuffle(shuffled, plain, sizeof(T));
  std::vector<T> out(cells);
  std::memcpy(out.data(), plain.data(), plain.size());
  return out;
}

}  // namespace

TEST(ChunkCodec, ShuffleMatchesTheByteByByteReferenceForEverySize) {
  // Lengths around the vector path's 16 elements, element sizes 1 to 8, and a partial element.
  for (std::size_t size : {1u, 2u, 4u, 8u})
    for (std::size_t n : {0u, 1u, 15u, 16u, 17u, 33u, 1000u}) {
      const std::vector<std::byte> in = random_bytes(n * size + (size == 4 ? 3 : 0), static_cast<unsigned>(n + size));
      std::vector<std::byte> out(in.size()), back(in.size());
      chunk_codec::shuffle(in, out, size);
      EXPECT_EQ(out, reference_shuffle(in, size)) << size << " bytes x " << n;
      chunk_codec::unshuffle(out, back, size);
      EXPECT_EQ(back, in) << size << " bytes x " << n;
    }
}

TEST(ChunkCodec, ZlibStreamsInflateToTheInputAtEveryLevel) {
  const std::vector<std::byte> data = random_bytes(100000, 3);
  for (int level = 1; level <= 12; ++level)
    EXPECT_EQ(chunk_codec::zlib_decompress(chunk_codec::zlib_compress(data, level), data.size()), data) << level;
  // The zlib wrapper HDF5's deflate filter expects: CM = 8 (deflate), and the header checksum.
  const std::vector<std::byte> stream = chunk_codec::zlib_compress(data);
  EXPECT_EQ(static_cast<int>(stream[0]) & 0x0f, 8);
  EXPECT_EQ((static_cast<int>(stream[0]) * 256 + static_cast<int>(stream[1])) % 31, 0);
  EXPECT_THROW(chunk_codec::zlib_compress(data, 0), std::invalid_argument);
  EXPECT_THROW(chunk_codec::zlib_decompress(stream, data.size() - 1), std::runtime_error);
  std::vector<std::byte> damaged = stream;
  damaged[damaged.size() / 2] ^= std::byte{0x55};
  EXPECT_THROW(chunk_codec::zlib_decompress(damaged, data.size()), std::runtime_error);
}

TEST(ChunkCodec, AnEdgeChunkIsPaddedWithTheFillValue) {
  // A 3 x 5 window at the grid's corner, in a 4 x 8 chunk.
  std::vector<float> window(15);
  for (std::size_t i = 0; i < window.size(); ++i) window[i] = static_cast<float>(i) * 0.25f;
  const std::vector<float> chunk = decode<float>(chunk_codec::encode_chunk(window, 3, 5, 4, 8, NAN), 32);
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 8; ++c) {
      const float v = chunk[static_cast<std::size_t>(r * 8 + c)];
      if (r < 3 && c < 5) EXPECT_EQ(v, window[static_cast<std::size_t>(r * 5 + c)]) << r << "," << c;
      else EXPECT_TRUE(std::isnan(v)) << r << "," << c;
    }
  const std::vector<int16_t> small = {1, -2, 3, -4};
  const std::vector<int16_t> packed = decode<int16_t>(chunk_codec::encode_chunk(small, 2, 2, 2, 3, int16_t{-7}), 6);
  EXPECT_EQ(packed, (std::vector<int16_t>{1, -2, -7, 3, -4, -7}));
  EXPECT_THROW(chunk_codec::encode_chunk(window, 5, 3, 4, 8, NAN), std::invalid_argument);  // taller than a chunk
  EXPECT_THROW(chunk_codec::encode_chunk(window, 3, 4, 4, 8, NAN), std::invalid_argument);  // 15 values for 12
}

TEST(ChunkCodec, AStoredChunkOfTheSameValuesIsKeptAndAnyOtherIsNot) {
  // An update's unchanged evidence layer: the stored bytes come back as they are, even when
  // they are not what this compressor writes (here a level-9 stream), which shows they were kept.
  std::vector<float> values(12 * 10);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = std::sin(static_cast<float>(i) * 0.1f);
  const std::vector<std::byte> fresh = chunk_codec::encode_chunk(values, 12, 10, 16, 16, NAN);
  const std::vector<std::byte> stored = chunk_codec::encode_chunk(values, 12, 10, 16, 16, NAN, 9);
  ASSERT_NE(stored, fresh);
  EXPECT_EQ(chunk_codec::encode_chunk(values, 12, 10, 16, 16, NAN, chunk_codec::kDeflateLevel, stored), stored);
  // One value other, the padding's fill other, a damaged or truncated stream, another size: compressed afresh.
  std::vector<float> changed = values;
  changed[57] = std::nextafter(changed[57], 2.0f);
  EXPECT_EQ(chunk_codec::encode_chunk(changed, 12, 10, 16, 16, NAN, chunk_codec::kDeflateLevel, stored),
            chunk_codec::encode_chunk(changed, 12, 10, 16, 16, NAN));
  EXPECT_EQ(chunk_codec::encode_chunk(values, 12, 10, 16, 16, 0.0f, chunk_codec::kDeflateLevel, stored),
            chunk_codec::encode_chunk(values, 12, 10, 16, 16, 0.0f));
  std::vector<std::byte> damaged = stored;
  damaged[damaged.size() / 2] ^= std::byte{0x5a};
  EXPECT_EQ(chunk_codec::encode_chunk(values, 12, 10, 16, 16, NAN, chunk_codec::kDeflateLevel, damaged), fresh);
  std::vector<std::byte> appended = stored;  // one stream and then some: not the stored chunk
  appended.insert(appended.end(), {std::byte{1}, std::byte{2}, std::byte{3}});
  EXPECT_EQ(chunk_codec::encode_chunk(values, 12, 10, 16, 16, NAN, chunk_codec::kDeflateLevel, appended), fresh);
  const std::vector<std::byte> truncated(stored.begin(), stored.end() - 4);
  EXPECT_EQ(chunk_codec::encode_chunk(values, 12, 10, 16, 16, NAN, chunk_codec::kDeflateLevel, truncated), fresh);
  EXPECT_EQ(chunk_codec::encode_chunk(values, 12, 10, 16, 20, NAN, chunk_codec::kDeflateLevel, stored),
            chunk_codec::encode_chunk(values, 12, 10, 16, 20, NAN));
  // Packed layers the same way.
  const std::vector<int16_t> packed = {5, -3, 7, 0, 1, 2};
  const std::vector<std::byte> stored16 = chunk_codec::encode_chunk(packed, 2, 3, 2, 3, int16_t{-7}, 9);
  EXPECT_EQ(chunk_codec::encode_chunk(packed, 2, 3, 2, 3, int16_t{-7}, chunk_codec::kDeflateLevel, stored16), stored16);
}

TEST(CfPacking, RoundsToTheNearestStepSaturatesAndKeepsNoData) {
  const float step = 0.001f;
  EXPECT_EQ(cf_packing::pack(0.0f, step), 0);
  EXPECT_EQ(cf_packing::pack(1.2344f, step), 1234);
  EXPECT_EQ(cf_packing::pack(-1.2346f, step), -1235);
  EXPECT_EQ(cf_packing::pack(32.767f, step), 32767);
  EXPECT_EQ(cf_packing::pack(40.0f, step), 32767);
  EXPECT_EQ(cf_packing::pack(-40.0f, step), -32767);  // never the fill value
  EXPECT_EQ(cf_packing::pack(-std::numeric_limits<float>::infinity(), step), -32767);
  EXPECT_EQ(cf_packing::pack(std::numeric_limits<float>::infinity(), step), 32767);
  EXPECT_EQ(cf_packing::pack(NAN, step), cf_packing::kFill);
  // Within half a step over the range, as unpacked in float32 by every reader.
  for (float v = -32.0f; v < 32.0f; v += 0.0137f) {
    const float back = static_cast<float>(cf_packing::pack(v, step)) * static_cast<float>(step);
    EXPECT_NEAR(back, v, step / 2 + 4e-6) << v;
  }
}

TEST(CfPacking, TheVectorisedLoopPacksAsTheScalarRuleDoes) {
  // Random values, exact ties between two steps (ties go to the even step), the range's edges,
  // and what lies beyond: every value as pack(value, scale), and the finite ones beyond counted.
  const float step = 0.001f;
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> any(-40.0f, 40.0f);
  std::vector<float> values = {NAN, std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                               32.7675f, -32.7675f, 32.767f, -32.767f, 32.768f, -32.768f, 1e30f, -1e30f, 0.0f, -0.0f};
  for (int k = -2000; k <= 2000; ++k) values.push_back((static_cast<float>(k) + 0.5f) * step);  // near-ties
  for (int k = 0; k < 100000; ++k) values.push_back(any(rng));
  int64_t clipped = -1;
  const std::vector<int16_t> packed = cf_packing::pack(values, step, &clipped);
  int64_t expected_clipped = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(packed[i], cf_packing::pack(values[i], step)) << values[i];
    expected_clipped += cf_packing::clipped(values[i], step) ? 1 : 0;
  }
  EXPECT_EQ(clipped, expected_clipped);
  EXPECT_GT(clipped, 1000);  // the random values beyond +-32.767
}
