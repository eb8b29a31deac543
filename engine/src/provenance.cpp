#include "minerisk/engine/provenance.hpp"

#include <sys/stat.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <memory>
#include <random>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "minerisk/engine/byte_text.hpp"
#include "minerisk/engine/dataset_name.hpp"
#include "minerisk/engine/digest.hpp"
#include "minerisk/engine/errors.hpp"

namespace fs = std::filesystem;

namespace minerisk {

std::string sha256_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read '" + path.string() + "' to hash it");
  Sha256 h;
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    h.add_bytes(buffer.data(), static_cast<size_t>(in.gcount()));
  }
  return h.finish().hex();
}

std::optional<FileStat> stat_file(const fs::path& path) {
  struct stat st{};
  if (path.empty() || ::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  FileStat s;
  s.size = static_cast<uint64_t>(st.st_size);
  s.inode = static_cast<uint64_t>(st.st_ino);
  s.device = static_cast<uint64_t>(st.st_dev);
  s.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  s.ctime_ns = static_cast<int64_t>(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec;
  return s;
}

void require_utf8_path(const fs::path& path, const std::string& role) {
  if (is_utf8(path.string())) return;
  // The odd bytes as \xNN (visible_text), so the line itself is text.
  throw UserError(role + ": the path '" + visible_text(path.string()) + "' is not UTF-8 text, which the grid's record of its files (JSON) "
                  "cannot hold; rename it to UTF-8 (convmv -f latin1 -t utf8 -r --notest PATH)");
}

InputFile describe_input(const std::string& role, const fs::path& path, const KnownHashes* known, bool hash) {
  require_utf8_path(path, role.empty() ? "input" : role);
  InputFile f{role, path, 0, "", std::nullopt};
  // For a GDAL dataset name (NETCDF:"f.nc":probability, /vsizip/a.zip/x.tif), the file it reads.
  const fs::path file = local_file(path.string());
  // Taken before hashing: a file written meanwhile gets a new ctime, so the next use of this
  // stat rehashes it rather than trust a hash of older bytes.
  f.stat = stat_file(file);
  if (!f.stat) return f;
  f.size = f.stat->size;
  if (!hash) return f;
  if (known)
    if (auto it = known->find(file.string()); it != known->end() && it->second.first == *f.stat) {
      f.sha256 = it->second.second;
      return f;
    }
  f.sha256 = sha256_file(file);
  return f;
}

std::string new_run_id() {
  std::random_device device;
  char text[40];
  std::snprintf(text, sizeof text, "%08x%08x%08x%08x", device(), device(), device(), device());
  return text;
}

std::string utc_now_iso8601() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::string inputs_json(const std::vector<InputFile>& inputs) {
  nlohmann::json array = nlohmann::json::array();
  for (const InputFile& f : inputs)
    array.push_back({{"role", f.role}, {"path", f.path.string()}, {"size", f.size}, {"sha256", f.sha256}});
  return array.dump();
}

}  // namespace minerisk
