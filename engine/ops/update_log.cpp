#include "minerisk/engine/ops/update_log.hpp"

#include <cctype>
#include <cstdio>

#include "minerisk/engine/errors.hpp"
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
  std::string lower = name;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "text") return UpdateLog::Format::text;
  if (lower == "json") return UpdateLog::Format::json;
  throw UserError(option + ": '" + name + "' is not one of text, json");
}

}  // namespace minerisk::ops
