#include "minerisk/engine/staged_file.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <set>

#include "minerisk/engine/errors.hpp"

namespace fs = std::filesystem;

namespace minerisk {
namespace {
// Destinations staged by this process: two outputs named alike (say -o out.png, whose picture
// is out.png too) would otherwise share one temporary file and silently replace each other.
std::mutex staged_mutex;
std::set<fs::path>& staged_destinations() {
  static std::set<fs::path> paths;
  return paths;
}
}  // namespace

StagedFile::StagedFile(fs::path destination) : destination_(std::move(destination)) {
  const fs::path folder = destination_.has_parent_path() ? destination_.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(folder, ec))
    throw UserError("output: folder '" + folder.string() + "' does not exist; create it or choose another output path");
  if (fs::is_directory(destination_, ec))
    throw UserError("output: '" + destination_.string() + "' is a folder; give a file name such as out.h5");
  // Hidden, and unique per process, so concurrent runs never share a temporary.
  std::string name = ".";
  name += destination_.filename().string();
  name += ".tmp-";
  name += std::to_string(::getpid());
  temporary_ = folder / name;
  {
    std::lock_guard lock(staged_mutex);
    if (!staged_destinations().insert(fs::absolute(destination_).lexically_normal()).second)
      throw UserError("output: '" + destination_.string() +
                      "' would be written twice (two outputs share the name); give the output another name");
  }
  std::ofstream probe(temporary_, std::ios::binary | std::ios::trunc);
  if (!probe) {
    const std::string reason = std::strerror(errno);
    std::lock_guard lock(staged_mutex);
    staged_destinations().erase(fs::absolute(destination_).lexically_normal());
    throw UserError("output: cannot write in folder '" + folder.string() + "' (" + reason +
                    "); choose a folder you can write to");
  }
}

StagedFile::~StagedFile() {
  {
    std::lock_guard lock(staged_mutex);
    staged_destinations().erase(fs::absolute(destination_).lexically_normal());
  }
  if (!committed_) {
    std::error_code ec;
    fs::remove(temporary_, ec);
  }
}

void StagedFile::commit() {
  std::error_code ec;
  fs::rename(temporary_, destination_, ec);
  if (ec) throw UserError("output: cannot replace '" + destination_.string() + "' (" + ec.message() + ")");
  committed_ = true;
}

}  // namespace minerisk
