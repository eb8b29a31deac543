#pragma once
// A PNG written for speed rather than size: the quick-look picture every run and update draws.
// Cairo's own writer compresses at zlib's default level with adaptive row filters, about 60 ms
// for karabakh's 1141 x 930 picture, which a nightly update of half a second waits for; at level 1
// without row filters the same picture takes about a sixth of that and is about a tenth larger.
#include <cairo.h>

#include <filesystem>

namespace minerisk::render {

/// Writes an image surface (CAIRO_FORMAT_ARGB32 or RGB24) as an 8-bit PNG at zlib level 1, rows
/// unfiltered:
/// RGB when every pixel is opaque (as Cairo's writer does), else RGBA, un-premultiplied as
/// Cairo's writer does it. Throws UserError naming the path when it cannot be written.
void write_png_fast(cairo_surface_t* surface, const std::filesystem::path& path);

}  // namespace minerisk::render
