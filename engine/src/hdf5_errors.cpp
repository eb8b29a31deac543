// HDF5's error stack as one line, and the library kept from crashing at exit (see
// hdf5_handles.hpp).
#include <H5Epublic.h>
#include <hdf5.h>

#include <cstdlib>
#include <cstring>

#include "hdf5_handles.hpp"
#include "minerisk/engine/errors.hpp"
#include "minerisk/engine/write_failure.hpp"

namespace minerisk::h5 {
namespace {

// Before any other HDF5 call (static initialisation of this library): HDF5 1.10 frees a file's
// structures when H5Fclose fails (a full disk) but keeps its identifier, and its exit handler
// then closes that identifier again and crashes (exit 139). Every object is closed explicitly
// (the handles), so the handler has nothing left to do on any other path. It fails harmlessly
// when HDF5 is already in use in the process (a Python session that opened h5py first).
[[maybe_unused]] const bool kNoAtExit = H5dont_atexit() >= 0;

struct Summary {
  std::string innermost, outermost;  // where HDF5 noticed the failure, and the API call that failed
  int system_errno = 0;
};

// The description of an entry, up to its first ": " detail (the sec2 driver's lists the
// time, the file, the buffer and the offsets after it).
std::string headline(const char* desc) {
  std::string text = desc ? desc : "";
  const size_t colon = text.find(": ");
  if (colon != std::string::npos) text.resize(colon);
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  return text;
}

herr_t visit(unsigned n, const H5E_error2_t* entry, void* data) {
  auto* s = static_cast<Summary*>(data);
  const std::string text = headline(entry->desc);
  if (n == 0) s->innermost = text;
  s->outermost = text;
  // The low-level drivers write the system's errno into their description.
  if (s->system_errno == 0 && entry->desc)
    if (const char* at = std::strstr(entry->desc, "errno = ")) s->system_errno = std::atoi(at + 8);
  return 0;
}

}  // namespace

void quiet_errors() {
  // Each thread has its own error stack and its own printing setting in a thread-safe HDF5,
  // so the tile loop's threads each switch it off once.
  thread_local bool quiet = false;
  if (!quiet) quiet = H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr) >= 0;
}

void fail(const std::string& what) {
  Summary s;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, visit, &s);
  H5Eclear2(H5E_DEFAULT);
  std::string reason = s.outermost;
  if (!s.innermost.empty() && s.innermost != s.outermost) reason += (reason.empty() ? "" : ", after: ") + s.innermost;
  if (s.system_errno != 0) reason += std::string(reason.empty() ? "" : ": ") + std::strerror(s.system_errno);
  if (reason.empty()) reason = "no detail from HDF5";
  throw Error(what, reason, s.system_errno);
}

void FirstFailure::note(herr_t status, const std::string& what) {
  if (status >= 0) return;
  try {
    fail(what);
  } catch (const Error& e) {
    if (!error_) error_ = e;
  }
}

Error::Error(const std::string& operation, const std::string& reason, int system_errno)
    : std::runtime_error("HDF5: " + operation + " failed (" + reason + ")"), operation_(operation), reason_(reason),
      system_errno_(system_errno) {}

void rethrow_for_output(const Error& e, const std::filesystem::path& file) {
  throw_write_failure(file, e.operation(), "HDF5: " + e.reason(), e.system_errno());
}

void rethrow_for_input(const Error& e, const std::filesystem::path& file) {
  throw UserError("grid: '" + file.string() + "' cannot be read: " + e.what() +
                  "; the file is damaged or truncated: run again to write it anew");
}

}  // namespace minerisk::h5
