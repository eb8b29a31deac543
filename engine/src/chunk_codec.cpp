#include "chunk_codec.hpp"

#include <libdeflate.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

#if defined(__SSSE3__)
#include <tmmintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace minerisk::chunk_codec {
namespace {

struct CompressorDeleter {
  void operator()(libdeflate_compressor* c) const { libdeflate_free_compressor(c); }
};
struct DecompressorDeleter {
  void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
};

// libdeflate's compressors are not thread-safe and cost a few hundred kilobytes to make: each
// thread keeps one per level it has used.
libdeflate_compressor& compressor_for(int level) {
  if (level < 1 || level > 12) throw std::invalid_argument("zlib_compress: level " + std::to_string(level));
  thread_local std::unique_ptr<libdeflate_compressor, CompressorDeleter> by_level[13];
  auto& c = by_level[level];
  if (!c) c.reset(libdeflate_alloc_compressor(level));
  if (!c) throw std::bad_alloc();
  return *c;
}

// Four-byte elements, sixteen at a time: each 16-byte load is reordered so that its four
// elements' byte 0 come first, then byte 1..., and a 4 x 4 transpose of 32-bit lanes gathers
// byte k of all sixteen elements into one 16-byte store. Returns the elements done.
std::size_t shuffle4_vector(const std::byte* in, std::byte* out, std::size_t n) {
#if defined(__SSSE3__)
  const __m128i group = _mm_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const auto* src = reinterpret_cast<const __m128i*>(in + 4 * i);
    const __m128i a = _mm_shuffle_epi8(_mm_loadu_si128(src + 0), group);
    const __m128i b = _mm_shuffle_epi8(_mm_loadu_si128(src + 1), group);
    const __m128i c = _mm_shuffle_epi8(_mm_loadu_si128(src + 2), group);
    const __m128i d = _mm_shuffle_epi8(_mm_loadu_si128(src + 3), group);
    const __m128i ab_lo = _mm_unpacklo_epi32(a, b), ab_hi = _mm_unpackhi_epi32(a, b);
    const __m128i cd_lo = _mm_unpacklo_epi32(c, d), cd_hi = _mm_unpackhi_epi32(c, d);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 0 * n + i), _mm_unpacklo_epi64(ab_lo, cd_lo));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 1 * n + i), _mm_unpackhi_epi64(ab_lo, cd_lo));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 2 * n + i), _mm_unpacklo_epi64(ab_hi, cd_hi));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 3 * n + i), _mm_unpackhi_epi64(ab_hi, cd_hi));
  }
  return i;
#else
  (void)in, (void)out, (void)n;
  return 0;
#endif
}

// Two-byte elements (packed layers), sixteen at a time: each 16-byte load is reordered to its
// eight low bytes then its eight high bytes, and two such halves are joined per byte plane.
std::size_t shuffle2_vector(const std::byte* in, std::byte* out, std::size_t n) {
#if defined(__SSSE3__)
  const __m128i split = _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const auto* src = reinterpret_cast<const __m128i*>(in + 2 * i);
    const __m128i a = _mm_shuffle_epi8(_mm_loadu_si128(src + 0), split);
    const __m128i b = _mm_shuffle_epi8(_mm_loadu_si128(src + 1), split);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), _mm_unpacklo_epi64(a, b));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + n + i), _mm_unpackhi_epi64(a, b));
  }
  return i;
#else
  (void)in, (void)out, (void)n;
  return 0;
#endif
}

// The inverses: sixteen elements' byte planes, 16 bytes of each, interleaved back into elements.
std::size_t unshuffle4_vector(const std::byte* in, std::byte* out, std::size_t n) {
#if defined(__SSE2__)
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + 0 * n + i));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + 1 * n + i));
    const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + 2 * n + i));
    const __m128i d = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + 3 * n + i));
    const __m128i ab_lo = _mm_unpacklo_epi8(a, b), ab_hi = _mm_unpackhi_epi8(a, b);
    const __m128i cd_lo = _mm_unpacklo_epi8(c, d), cd_hi = _mm_unpackhi_epi8(c, d);
    auto* dst = reinterpret_cast<__m128i*>(out + 4 * i);
    _mm_storeu_si128(dst + 0, _mm_unpacklo_epi16(ab_lo, cd_lo));
    _mm_storeu_si128(dst + 1, _mm_unpackhi_epi16(ab_lo, cd_lo));
    _mm_storeu_si128(dst + 2, _mm_unpacklo_epi16(ab_hi, cd_hi));
    _mm_storeu_si128(dst + 3, _mm_unpackhi_epi16(ab_hi, cd_hi));
  }
  return i;
#else
  (void)in, (void)out, (void)n;
  return 0;
#endif
}

std::size_t unshuffle2_vector(const std::byte* in, std::byte* out, std::size_t n) {
#if defined(__SSE2__)
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i));
    const __m128i hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + n + i));
    auto* dst = reinterpret_cast<__m128i*>(out + 2 * i);
    _mm_storeu_si128(dst + 0, _mm_unpacklo_epi8(lo, hi));
    _mm_storeu_si128(dst + 1, _mm_unpackhi_epi8(lo, hi));
  }
  return i;
#else
  (void)in, (void)out, (void)n;
  return 0;
#endif
}

}  // namespace

void shuffle(std::span<const std::byte> in, std::span<std::byte> out, std::size_t element_size) {
  if (out.size() != in.size() || element_size == 0) throw std::invalid_argument("shuffle: sizes differ");
  const std::size_t n = in.size() / element_size;
  std::size_t i = element_size == 4   ? shuffle4_vector(in.data(), out.data(), n)
                  : element_size == 2 ? shuffle2_vector(in.data(), out.data(), n)
                                      : 0;
  for (; i < n; ++i)
    for (std::size_t b = 0; b < element_size; ++b) out[b * n + i] = in[i * element_size + b];
  // HDF5 leaves a partial element's bytes where they were.
  std::copy(in.begin() + static_cast<std::ptrdiff_t>(n * element_size), in.end(),
            out.begin() + static_cast<std::ptrdiff_t>(n * element_size));
}

void unshuffle(std::span<const std::byte> in, std::span<std::byte> out, std::size_t element_size) {
  if (out.size() != in.size() || element_size == 0) throw std::invalid_argument("unshuffle: sizes differ");
  const std::size_t n = in.size() / element_size;
  std::size_t i = element_size == 4   ? unshuffle4_vector(in.data(), out.data(), n)
                  : element_size == 2 ? unshuffle2_vector(in.data(), out.data(), n)
                                      : 0;
  for (; i < n; ++i)
    for (std::size_t b = 0; b < element_size; ++b) out[i * element_size + b] = in[b * n + i];
  std::copy(in.begin() + static_cast<std::ptrdiff_t>(n * element_size), in.end(),
            out.begin() + static_cast<std::ptrdiff_t>(n * element_size));
}

std::span<std::byte> scratch(Scratch which, std::size_t size) {
  thread_local std::vector<std::byte> buffers[2];
  std::vector<std::byte>& buffer = buffers[which == Scratch::staged ? 0 : 1];
  if (buffer.size() < size) buffer.resize(size);
  return std::span(buffer).first(size);
}

std::vector<std::byte> zlib_compress(std::span<const std::byte> data, int level) {
  libdeflate_compressor& c = compressor_for(level);
  const std::span<std::byte> out = scratch(Scratch::compressed, libdeflate_zlib_compress_bound(&c, data.size()));
  const std::size_t size = libdeflate_zlib_compress(&c, data.data(), data.size(), out.data(), out.size());
  if (size == 0) throw std::runtime_error("zlib_compress: the bound was too small");  // cannot happen
  return {out.begin(), out.begin() + static_cast<std::ptrdiff_t>(size)};
}

namespace {
// Decompressors are cheap but not free to make (tens of kilobytes): one per thread.
libdeflate_decompressor& decompressor() {
  thread_local std::unique_ptr<libdeflate_decompressor, DecompressorDeleter> d;
  if (!d) d.reset(libdeflate_alloc_decompressor());
  if (!d) throw std::bad_alloc();
  return *d;
}

// Whether the zlib stream `stored` is exactly one stream (no bytes after its end, which
// inflating alone would ignore) that inflates to exactly `bytes` (through the thread's
// Scratch::compressed buffer, which `bytes` must not be). A damaged stream holds nothing.
bool inflates_to(std::span<const std::byte> stored, std::span<const std::byte> bytes) {
  const std::span<std::byte> out = scratch(Scratch::compressed, bytes.size());
  std::size_t read = 0, written = 0;
  return libdeflate_zlib_decompress_ex(&decompressor(), stored.data(), stored.size(), out.data(), out.size(), &read,
                                       &written) == LIBDEFLATE_SUCCESS &&
         read == stored.size() && written == bytes.size() && std::memcmp(out.data(), bytes.data(), bytes.size()) == 0;
}
}  // namespace

std::vector<std::byte> zlib_decompress(std::span<const std::byte> stream, std::size_t size) {
  libdeflate_decompressor* d = &decompressor();
  std::vector<std::byte> out(size);
  std::size_t actual = 0;
  const libdeflate_result r =
      libdeflate_zlib_decompress(d, stream.data(), stream.size(), out.data(), out.size(), &actual);
  if (r != LIBDEFLATE_SUCCESS || actual != size)
    throw std::runtime_error("zlib_decompress: a damaged stream or a size other than " + std::to_string(size));
  return out;
}

namespace {
template <typename T>
std::vector<std::byte> encode_any(std::span<const T> values, int64_t rows, int64_t cols, int64_t chunk_rows,
                                  int64_t chunk_cols, T fill, int level, std::span<const std::byte> stored) {
  if (rows <= 0 || cols <= 0 || rows > chunk_rows || cols > chunk_cols ||
      values.size() != static_cast<std::size_t>(rows * cols))
    throw std::invalid_argument("encode_chunk: " + std::to_string(values.size()) + " values for " +
                                std::to_string(rows) + " x " + std::to_string(cols) + " cells of a " +
                                std::to_string(chunk_rows) + " x " + std::to_string(chunk_cols) + " chunk");
  const auto cells = static_cast<std::size_t>(chunk_rows * chunk_cols);
  std::vector<T> padded;
  std::span<const T> chunk = values;
  if (rows != chunk_rows || cols != chunk_cols) {  // an edge chunk: HDF5 stores whole chunks
    padded.assign(cells, fill);
    for (int64_t r = 0; r < rows; ++r) std::copy_n(values.begin() + r * cols, cols, padded.begin() + r * chunk_cols);
    chunk = padded;
  }
  const std::span<std::byte> shuffled = scratch(Scratch::staged, cells * sizeof(T));
  shuffle(std::as_bytes(chunk), shuffled, sizeof(T));
  if (!stored.empty() && inflates_to(stored, shuffled)) return {stored.begin(), stored.end()};
  return zlib_compress(shuffled, level);
}
}  // namespace

std::vector<std::byte> encode_chunk(std::span<const float> values, int64_t rows, int64_t cols, int64_t chunk_rows,
                                    int64_t chunk_cols, float fill, int level, std::span<const std::byte> stored) {
  return encode_any(values, rows, cols, chunk_rows, chunk_cols, fill, level, stored);
}

std::vector<std::byte> encode_chunk(std::span<const int16_t> values, int64_t rows, int64_t cols, int64_t chunk_rows,
                                    int64_t chunk_cols, int16_t fill, int level, std::span<const std::byte> stored) {
  return encode_any(values, rows, cols, chunk_rows, chunk_cols, fill, level, stored);
}

template <class T>
std::vector<T> decode_chunk(std::span<const std::byte> stored, int64_t chunk_rows, int64_t chunk_cols, int64_t rows,
                            int64_t cols) {
  const auto cells = static_cast<std::size_t>(chunk_rows * chunk_cols);
  const std::vector<std::byte> shuffled = zlib_decompress(stored, cells * sizeof(T));
  std::vector<T> chunk(cells);
  unshuffle(shuffled, std::as_writable_bytes(std::span(chunk)), sizeof(T));
  if (rows == chunk_rows && cols == chunk_cols) return chunk;
  std::vector<T> window(static_cast<std::size_t>(rows * cols));
  for (int64_t r = 0; r < rows; ++r) std::copy_n(chunk.begin() + r * chunk_cols, cols, window.begin() + r * cols);
  return window;
}
template std::vector<float> decode_chunk<float>(std::span<const std::byte>, int64_t, int64_t, int64_t, int64_t);
template std::vector<int16_t> decode_chunk<int16_t>(std::span<const std::byte>, int64_t, int64_t, int64_t, int64_t);

}  // namespace minerisk::chunk_codec
