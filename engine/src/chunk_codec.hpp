#pragma once
// Private to the engine's writers: one HDF5 chunk (float32 or int16 values), encoded the way HDF5's own
// filter pipeline "shuffle, then deflate" would store it, so that a worker thread can compress
// its tile while others compute and the writer only appends the bytes (H5Dwrite_chunk).
//
// Why by hand: HDF5 runs its filters inside H5Dwrite, which is not thread-safe, so the
// compression of every tile was serialised under the writer's lock; and its deflate is zlib's.
// libdeflate writes the same zlib stream (RFC 1950: header, deflate data, Adler-32) several
// times faster, and every HDF5 or netCDF reader inflates it with zlib as before.
#include <cstddef>
#include <bit>
#include <cstdint>
#include <span>
#include <vector>

namespace minerisk::chunk_codec {

// The file's types are little-endian (H5T_IEEE_F32LE, H5T_STD_I16LE): chunks are encoded from
// memory as it is.
static_assert(std::endian::native == std::endian::little, "chunk_codec encodes little-endian memory as it is");

/// The deflate level written in the file's filter pipeline and used to compress (1 to 12 for
/// libdeflate; HDF5 records it but readers ignore it). Level 1: measured on the karabakh
/// preset's layers, libdeflate's level 1 compresses a float32 probability or slope tile about a
/// third faster than level 4, to within 0.5 % of its size, and a packed layer at least as well.
constexpr int kDeflateLevel = 1;
static_assert(kDeflateLevel >= 1 && kDeflateLevel <= 9, "H5Pset_deflate takes levels 0 to 9");

/// HDF5's shuffle filter for elements of `element_size` bytes: byte k of every element, then
/// byte k + 1, ... (bytes beyond the last whole element are copied as they are).
void shuffle(std::span<const std::byte> in, std::span<std::byte> out, std::size_t element_size);
/// The inverse of shuffle(), for tests and for readers of raw chunks.
void unshuffle(std::span<const std::byte> in, std::span<std::byte> out, std::size_t element_size);

/// Which of a thread's scratch buffers: the bytes about to be compressed, and the compressor's
/// output before it is copied out at its size.
enum class Scratch { staged, compressed };
/// This thread's scratch buffer `which`, of at least `size` bytes (contents undefined). A
/// tile's encoding needs a megabyte or two for a moment; fresh buffers a tile were zeroed and
/// page-faulted each time. Valid until the thread's next call for the same buffer: only for
/// leaf code that runs no parallel work while holding it. Each buffer keeps the largest size
/// the thread asked for (a tile's bytes) until the thread ends.
std::span<std::byte> scratch(Scratch which, std::size_t size);

/// The zlib stream of `data` (what HDF5's deflate filter stores), compressed at `level` with a
/// compressor kept per thread, through the thread's Scratch::compressed buffer (so `data` must
/// not be that buffer).
std::vector<std::byte> zlib_compress(std::span<const std::byte> data, int level = kDeflateLevel);
/// Inflates a zlib stream whose decompressed size is known exactly; throws std::runtime_error
/// on a damaged stream or a size mismatch.
std::vector<std::byte> zlib_decompress(std::span<const std::byte> stream, std::size_t size);

/// One stored chunk of `chunk_rows` x `chunk_cols` cells from a window of `rows` x `cols` values
/// (row-major) at its top-left corner: the cells beyond the window (a chunk at the grid's right
/// or bottom edge) take `fill`, then the chunk is shuffled and deflated.
///
/// `stored`, when given, is the chunk a file already holds for the same place: if it is one
/// zlib stream that inflates to exactly the bytes about to be deflated, a copy of it is returned
/// instead, whatever `level` says. Inflating and comparing costs a fraction of deflating. The
/// bytes kept are what deflating would give only if `stored` was deflated by this libdeflate at
/// this level: the caller vouches for that (update.cpp: the previous output's record matches
/// this version's model digest, which names libdeflate's version, and the chunk's CRC-32).
std::vector<std::byte> encode_chunk(std::span<const float> values, int64_t rows, int64_t cols, int64_t chunk_rows,
                                    int64_t chunk_cols, float fill, int level = kDeflateLevel,
                                    std::span<const std::byte> stored = {});
std::vector<std::byte> encode_chunk(std::span<const int16_t> values, int64_t rows, int64_t cols, int64_t chunk_rows,
                                    int64_t chunk_cols, int16_t fill, int level = kDeflateLevel,
                                    std::span<const std::byte> stored = {});

/// The inverse of encode_chunk(): a stored chunk of `chunk_rows` x `chunk_cols` values of type T
/// (float or int16_t) inflated, unshuffled and cut to the window of `rows` x `cols` at its
/// top-left corner (row-major). Throws std::runtime_error when it does not inflate to exactly
/// one chunk.
template <class T>
std::vector<T> decode_chunk(std::span<const std::byte> stored, int64_t chunk_rows, int64_t chunk_cols, int64_t rows,
                            int64_t cols);

}  // namespace minerisk::chunk_codec
