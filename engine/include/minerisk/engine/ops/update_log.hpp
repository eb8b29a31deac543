#pragma once
// What `minerisk update` tells a person or a scheduler. In text form, lines on stderr for a
// person; with --log-format json, one JSON object per line on stdout and nothing else there,
// for journald, a log shipper or a script: every object has "time" (UTC, ISO 8601) and "event"
// (start, wait, plan, progress, summary, error); README.md ("`minerisk update`: the nightly
// batch") lists the fields, and engine/ops/update_log.schema.json is their schema.
#include <string>

#include <nlohmann/json.hpp>

namespace minerisk::ops {

class UpdateLog {
 public:
  enum class Format { text, json };
  UpdateLog(Format format, bool quiet) : format_(format), quiet_(quiet) {}
  /// `text`: the line for a person ("" for none: the event is for machines only).
  void event(const std::string& name, nlohmann::json fields, const std::string& text) const;
  bool json() const { return format_ == Format::json; }

 private:
  Format format_;
  bool quiet_;
};

/// text or json (any case); a UserError naming `option` otherwise.
UpdateLog::Format log_format_named(const std::string& name, const std::string& option);

}  // namespace minerisk::ops
