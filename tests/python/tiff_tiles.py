"""The stored tiles of a tiled float32 GeoTIFF, read from the file's bytes without libtiff or GDAL:
the tests compare what minerisk's workers encode with what GDAL (through libtiff) encodes, below
the level of decoded arrays. Classic TIFF and BigTIFF, little-endian, first directory only."""
import struct
import zlib

import numpy as np

COMPRESSION, PREDICTOR, TILE_WIDTH, TILE_OFFSETS, TILE_BYTE_COUNTS = 259, 317, 322, 324, 325
_TYPES = {3: ("H", 2), 4: ("I", 4), 16: ("Q", 8)}  # SHORT, LONG, LONG8


def directory(path):
    """{tag: tuple of values} for the integer tags of the first directory, plus 'bigtiff'."""
    data = open(path, "rb").read()
    assert data[:2] == b"II", "little-endian TIFF expected"
    big = struct.unpack_from("<H", data, 2)[0] == 43
    if big:
        offset = struct.unpack_from("<Q", data, 8)[0]
        count, entry, start, inline = struct.unpack_from("<Q", data, offset)[0], 20, offset + 8, 8
    else:
        offset = struct.unpack_from("<I", data, 4)[0]
        count, entry, start, inline = struct.unpack_from("<H", data, offset)[0], 12, offset + 2, 4
    tags = {"bigtiff": big}
    for i in range(count):
        at = start + i * entry
        tag, kind = struct.unpack_from("<HH", data, at)
        if kind not in _TYPES:
            continue
        n = struct.unpack_from("<Q" if big else "<I", data, at + 4)[0]
        code, size = _TYPES[kind]
        where = at + (12 if big else 8)
        if n * size > inline:
            where = struct.unpack_from("<Q" if big else "<I", data, where)[0]
        tags[tag] = struct.unpack_from(f"<{n}{code}", data, where)
    return tags


def raw_tiles(path):
    """The stored bytes of every tile, in TIFF's order."""
    tags = directory(path)
    data = open(path, "rb").read()
    return [data[o:o + n] for o, n in zip(tags[TILE_OFFSETS], tags[TILE_BYTE_COUNTS])]


def predicted_bytes(stored, compression):
    """A tile's bytes before compression (after the predictor, when there is one)."""
    if compression == 1:
        return stored
    if compression in (8, 32946):
        return zlib.decompress(stored)
    if compression == 50000:
        import subprocess  # no zstd module in Debian's python: the zstd program decodes a frame
        return subprocess.run(["zstd", "-dc"], input=stored, capture_output=True, check=True).stdout
    raise ValueError(f"compression {compression}")


def undo_float_predictor(predicted, block):
    """The tile's block x block float32 values from the floating-point predictor's bytes."""
    rows = np.frombuffer(predicted, dtype=np.uint8).reshape(block, 4 * block)
    summed = np.cumsum(rows, axis=1, dtype=np.uint64).astype(np.uint8)  # modulo 256
    planes = summed.reshape(block, 4, block)[:, ::-1, :]  # most significant byte first
    return np.ascontiguousarray(planes.transpose(0, 2, 1)).view("<f4").reshape(block, block)
