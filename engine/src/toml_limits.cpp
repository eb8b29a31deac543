// Limits on a TOML text, checked before toml++ sees it. toml++ builds (and destroys) nested
// tables and arrays recursively, so a header nested 40,000 deep ([a.a.a...]) overflows the
// stack. A scan of the text that knows TOML's strings and comments counts the nesting as
// written: the components of a table header or a dotted key, plus the arrays and inline tables
// opened around a value. It over-counts rather than under-counts: whatever toml++ could build
// from the text is at most twice as deep (an array of tables adds a level per component).
#include <string>
#include <vector>

#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/toml_reader.hpp"

namespace minerisk {
namespace {

class NestingScan {
 public:
  NestingScan(std::string_view text, const std::string& source) : t_(text), source_(source) {}

  void run() {
    start_line();
    while (i_ < t_.size()) {
      const char c = t_[i_];
      if (c == '"' || c == '\'') {
        skip_string(c);
        fresh_ = false;
        continue;
      }
      ++i_;
      if (c == '#') {
        while (i_ < t_.size() && t_[i_] != '\n') ++i_;
      } else if (c == '\n') {
        ++line_;
        if (frames_.empty()) start_line();
      } else if (c != ' ' && c != '\t' && c != '\r') {
        structural(c);
      }
    }
  }

 private:
  enum class Mode { key, header, value };
  struct Frame {
    bool inline_table;
    int depth;  // the depth of the array or inline table itself
  };

  void start_line() {
    mode_ = Mode::key;
    base_ = header_depth_;
    components_ = 1;
    fresh_ = true;
  }

  void check(int depth) const {
    if (depth > kMaxTomlDepth)
      throw UserError(source_ + ":" + std::to_string(line_) + ": nested deeper than " + std::to_string(kMaxTomlDepth) +
                      " levels (table header or dotted key components, arrays and inline tables); not accepted");
  }

  void structural(char c) {
    if (mode_ == Mode::header) {
      if (c == '.') check(++components_);
      else if (c == ']') {
        header_depth_ = components_ + (array_header_ ? 1 : 0);
        check(header_depth_);
        if (array_header_ && i_ < t_.size() && t_[i_] == ']') ++i_;
        mode_ = Mode::value;  // what follows on the line is an error for toml++; scan it as a value
        value_depth_ = header_depth_;
      } else if (c == '[' || c == '{') {
        open(c == '{', components_);  // not TOML; counted all the same
      }
      return;
    }
    if (mode_ == Mode::key) {
      if (c == '[' && fresh_ && frames_.empty()) {
        mode_ = Mode::header;
        array_header_ = i_ < t_.size() && t_[i_] == '[';
        if (array_header_) ++i_;
        components_ = 1;
        return;
      }
      fresh_ = false;
      if (c == '.') check(base_ + ++components_);
      else if (c == '=') {
        mode_ = Mode::value;
        value_depth_ = base_ + components_;
        check(value_depth_);
      } else if (c == '}') {
        close(true);
      } else if (c == '[' || c == '{') {
        open(c == '{', base_ + components_);  // not TOML; counted all the same
      }
      return;
    }
    // A value at value_depth_.
    if (c == '[' || c == '{') open(c == '{', value_depth_);
    else if (c == ']') close(false);
    else if (c == '}') close(true);
    else if (c == ',' && !frames_.empty()) {
      const Frame& top = frames_.back();
      if (top.inline_table) {
        mode_ = Mode::key;
        base_ = top.depth;
        components_ = 1;
        fresh_ = false;
      } else {
        value_depth_ = top.depth + 1;
      }
    }
  }

  void open(bool inline_table, int depth) {
    check(depth + 1);
    frames_.push_back({inline_table, depth});
    if (inline_table) {
      mode_ = Mode::key;
      base_ = depth;
      components_ = 1;
      fresh_ = false;
    } else {
      mode_ = Mode::value;
      value_depth_ = depth + 1;
    }
  }

  // Closes the innermost frame if it is of the kind; a mismatched closer is left to toml++ (it
  // is an error there), and keeping the frame open can only over-count.
  void close(bool inline_table) {
    if (frames_.empty() || frames_.back().inline_table != inline_table) return;
    const int depth = frames_.back().depth;
    frames_.pop_back();
    mode_ = Mode::value;
    value_depth_ = depth;
  }

  // Skips a string of any of TOML's four kinds, counting its lines.
  void skip_string(char quote) {
    const bool multiline = t_.compare(i_, 3, std::string(3, quote)) == 0;
    const bool escapes = quote == '"';
    i_ += multiline ? 3 : 1;
    while (i_ < t_.size()) {
      const char c = t_[i_];
      if (c == '\n') {
        ++line_;
        if (!multiline) return;  // an error for toml++: it stops there
      }
      if (escapes && c == '\\') {
        if (i_ + 1 < t_.size() && t_[i_ + 1] == '\n') ++line_;
        i_ += 2;
        continue;
      }
      if (c == quote) {
        if (!multiline) {
          ++i_;
          return;
        }
        if (t_.compare(i_, 3, std::string(3, quote)) == 0) {
          i_ += 3;
          for (int extra = 0; extra < 2 && i_ < t_.size() && t_[i_] == quote; ++extra) ++i_;  // """a""""" is a""
          return;
        }
      }
      ++i_;
    }
  }

  std::string_view t_;
  const std::string& source_;
  size_t i_ = 0;
  int line_ = 1;
  std::vector<Frame> frames_;
  Mode mode_ = Mode::key;
  int header_depth_ = 0;
  bool array_header_ = false;
  int base_ = 0, components_ = 1, value_depth_ = 0;
  bool fresh_ = true;  // nothing but blanks yet on this line: a '[' opens a table header
};

}  // namespace

void check_toml_limits(std::string_view text, const std::string& source) {
  if (text.size() > kMaxTomlBytes)
    throw UserError(source + ": larger than " + std::to_string(kMaxTomlBytes >> 20) +
                    " MiB; a scenario or sweep file is a few kilobytes, check that this is the right file");
  NestingScan(text, source).run();
}

}  // namespace minerisk
