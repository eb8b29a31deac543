#include "minerisk/engine/staged_file.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "minerisk/engine/errors.hpp"

namespace fs = std::filesystem;

namespace minerisk {

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
  std::ofstream probe(temporary_, std::ios::binary | std::ios::trunc);
  if (!probe)
    throw UserError("output: cannot write in folder '" + folder.string() + "' (" + std::strerror(errno) +
                    "); choose a folder you can write to");
}

StagedFile::~StagedFile() {
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
