#include "minerisk/engine/ops/update_log.hpp"

#include <cstdio>

#include "minerisk/engine/names_in_any_case.hpp"
#include "minerisk/engine/provenance.hpp"

namespace minerisk::ops {

void UpdateLog::event(const std::string& name, nlohmann::json fields, const std::string& text) const {
  if (format_ == Format::json) {
    nlohmann::json line{{"time", utc_now_iso8601()}, {"event", name}};
    for (auto& [key, value] : fields.items()) line[key] = value;
    const std::string out = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);  // a line at a time: a scheduler reads it as it comes
    return;
  }
  if (quiet_ || text.empty()) return;
  std::fprintf(stderr, "minerisk update: %s\n", text.c_str());
}

UpdateLog::Format log_format_named(const std::string& name, const std::string& option) {
  return choice_in_any_case(name, {"text", "json"}, option) == "json" ? UpdateLog::Format::json : UpdateLog::Format::text;
}

}  // namespace minerisk::ops
