#pragma once
// An output that the system refused to take, reported as something the user can fix.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "minerisk/engine/errors.hpp"

namespace minerisk {

/// The system's error number for a write that failed with `detail` (GDAL's or HDF5's message):
/// `system_errno` when it is one a user can act on, else the one whose text `detail` quotes
/// (libtiff says "_tiffWriteProc:No space left on device" and keeps no number), else 0.
inline int storage_errno(int system_errno, const std::string& detail) {
  for (int e : {ENOSPC, EDQUOT, EFBIG, EROFS, EACCES, EPERM})
    if (system_errno == e) return e;
  for (int e : {ENOSPC, EDQUOT, EFBIG, EROFS, EACCES, EPERM})
    if (detail.find(std::strerror(e)) != std::string::npos) return e;
  return 0;
}

/// Throws for a failure to write `file` while doing `operation`: a UserError naming the file
/// and the system's reason when the disk is full or the folder cannot be written to (what the
/// user can fix), std::runtime_error("OPERATION of 'FILE' failed: DETAIL") for anything else.
[[noreturn]] inline void throw_write_failure(const std::filesystem::path& file, const std::string& operation,
                                             const std::string& detail, int system_errno) {
  const std::string where = "cannot write '" + file.string() + "' (" + operation + "): ";
  const int e = storage_errno(system_errno, detail);
  if (e == ENOSPC || e == EDQUOT || e == EFBIG)
    throw UserError(where + std::strerror(e) + "; free space there or write the output to another disk");
  if (e != 0) throw UserError(where + std::strerror(e) + "; write the output to a folder you can write to");
  throw std::runtime_error(operation + " of '" + file.string() + "' failed: " +
                           (detail.empty() ? "no detail" : detail));
}

}  // namespace minerisk
