#include "minerisk/engine/progress.hpp"

#include <unistd.h>

#include <cmath>

namespace minerisk {

std::string format_duration(double seconds) {
  const auto s = static_cast<long>(std::lround(std::max(0.0, seconds)));
  char text[32];
  if (s >= 3600) std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  else std::snprintf(text, sizeof text, "%ld:%02ld", s / 60, s % 60);
  return text;
}

Progress::Progress(int64_t total, const std::string& label, bool quiet, std::FILE* stream)
    : total_(total), label_(label), stream_(stream), start_(std::chrono::steady_clock::now()), last_print_(start_) {
  style_ = quiet ? Style::quiet : (isatty(fileno(stream)) ? Style::bar : Style::lines);
}

void Progress::tick() {
  std::lock_guard lock(mutex_);
  ++done_;
  print(false);
}

void Progress::finish() {
  std::lock_guard lock(mutex_);
  print(true);
}

void Progress::print(bool final_line) {
  if (style_ == Style::quiet) return;
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0.0;
  const double left = rate > 0 ? static_cast<double>(total_ - done_) / rate : 0.0;
  const int percent = total_ > 0 ? static_cast<int>(100 * done_ / total_) : 100;
  if (style_ == Style::bar) {
    // Redraw at most 10 times a second, and always at the end.
    if (!final_line && done_ < total_ && now - last_print_ < std::chrono::milliseconds(100)) return;
    last_print_ = now;
    const int width = 30, filled = total_ > 0 ? static_cast<int>(width * done_ / total_) : width;
    std::string bar(static_cast<size_t>(filled), '#');
    bar.append(static_cast<size_t>(width - filled), '.');
    std::fprintf(stream_, "\r%s [%s] %lld/%lld %s %3d%%  %.1f/s  %s %s ", label_.c_str(), bar.c_str(),
                 static_cast<long long>(done_), static_cast<long long>(total_), "tiles", percent, rate,
                 final_line ? "took" : "left", format_duration(final_line ? elapsed : left).c_str());
    if (final_line) std::fputc('\n', stream_);
  } else {
    // A line at each tenth and at the end: readable in a nightly log.
    const int decile = total_ > 0 ? static_cast<int>(10 * done_ / total_) : 10;
    if (final_line) {
      std::fprintf(stream_, "%s: done, %lld tiles in %s\n", label_.c_str(), static_cast<long long>(done_),
                   format_duration(elapsed).c_str());
    } else if (decile != last_decile_) {
      last_decile_ = decile;
      std::fprintf(stream_, "%s: %lld/%lld tiles (%d%%), %.1f tiles/s, %s left\n", label_.c_str(),
                   static_cast<long long>(done_), static_cast<long long>(total_), percent, rate,
                   format_duration(left).c_str());
    }
  }
  std::fflush(stream_);
}

}  // namespace minerisk
