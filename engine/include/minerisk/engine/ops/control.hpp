#pragma once
// What every operation in engine/ops takes besides its own options: how many threads, how big
// the tiles, whether to print progress, a progress callback and a cancel flag. The command line
// fills it from --threads, --tile-size and --quiet and Ctrl-C; the Python module from keyword
// arguments and its own callback.
#include <atomic>
#include <string>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/tile_loop.hpp"

namespace minerisk::ops {

struct Control {
  int threads = 0;          // 0: all cores
  int64_t tile_size = 512;  // cells; check_tile_size's range
  bool quiet = false;       // no progress bar or lines on stderr
  const std::atomic<bool>* cancel = nullptr;  // set (by a signal, say) to stop: Cancelled
  ProgressCallback progress;                  // optional: fraction done; false stops
  std::string command_line;                   // recorded in the output's history
  bool overwrite = false;                     // replace existing outputs (never an input)
  /// How messages name the options: "--threads" on the command line, "threads" in Python.
  std::string threads_name = "--threads", tile_size_name = "--tile-size", dst_nodata_name = "--dst-nodata";

  /// The tile loop's options for this control, with the progress label `label`.
  TileLoopOptions loop(const std::string& label) const { return {threads, quiet, label, cancel, progress}; }
  /// Checks threads and tile size (UserError naming the option).
  void check() const {
    check_threads(threads, threads_name);
    check_tile_size(tile_size, tile_size_name);
  }
  /// Throws Cancelled when the cancel flag is set (between steps that are not tiles).
  void check_cancelled() const {
    if (cancel && cancel->load()) throw Cancelled();
  }
  /// The control for one pass of several: its progress callback sees the pass's fractions
  /// mapped onto [from, to] of the whole operation.
  Control pass(double from, double to) const {
    Control p = *this;
    if (progress) p.progress = [whole = progress, from, to](double f) { return whole(from + f * (to - from)); };
    return p;
  }
};

}  // namespace minerisk::ops
