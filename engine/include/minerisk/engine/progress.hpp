#pragma once
// Progress over tiles: a bar redrawn in place on a terminal, plain lines in a log.
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>

namespace minerisk {

class Progress {
 public:
  enum class Style { bar, lines, quiet };
  /// Picks the bar when `stream` is a terminal, plain lines otherwise; quiet prints nothing.
  Progress(int64_t total, const std::string& label, bool quiet, std::FILE* stream = stderr);

  /// One more item done. Thread-safe.
  void tick();
  /// Prints the final line (with the elapsed time).
  void finish();

  Style style() const { return style_; }

 private:
  void print(bool final_line);

  int64_t total_, done_ = 0;
  std::string label_;
  Style style_;
  std::FILE* stream_;
  std::chrono::steady_clock::time_point start_, last_print_;
  int last_decile_ = -1;
  std::mutex mutex_;
};

/// "1:05" or "1:02:05".
std::string format_duration(double seconds);

}  // namespace minerisk
