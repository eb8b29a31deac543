#pragma once
// Private to the engine's HDF5 code (grid_file_writer.cpp, grid_file_reader.cpp): owners for
// HDF5 identifiers, so every object opened or created is closed on every path, errors included.
//
// Each kind of object has its own owner type, closed by its own function, and move-only. Put
// the result of an H5*create / H5*open / H5*get_* call straight into one, then test it:
//
//   h5::Dataset ds(H5Dopen2(file.get(), name, H5P_DEFAULT));
//   h5::require(ds, "opening " + name);
//
// (two statements, so that nothing can throw between HDF5 handing out the identifier and the
// owner taking it). Where a failure to close must be reported, call close() and test the status;
// otherwise the destructor closes and ignores the status. Declare the file before the objects in
// it: they are then destroyed, and so closed, before it.
//
// Errors: every public entry of the writer and reader calls quiet_errors() first (HDF5 would
// print its whole stack, 40 lines, on any thread that has not), check() and require() throw
// h5::Error with the stack summed up on one line, including the system's reason ("No space
// left on device"), and the entries turn it into a UserError where the user can act on it.
#include <hdf5.h>

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace minerisk::h5 {

template <herr_t (*Close)(hid_t)>
class Handle {
 public:
  Handle() noexcept = default;
  /// Takes ownership of `id`; a negative id (a failed call) gives an empty handle.
  explicit Handle(hid_t id) noexcept : id_(id < 0 ? H5I_INVALID_HID : id) {}
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      discard();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { discard(); }

  hid_t get() const noexcept { return id_; }
  bool valid() const noexcept { return id_ >= 0; }

  /// Closes now and returns HDF5's status (0 for an empty handle). The identifier is given up
  /// either way, never closed twice: HDF5 1.10 frees an object whose close failed (a file it
  /// could not flush to a full disk) but keeps its identifier, and a second close of it crashes.
  [[nodiscard]] herr_t close() noexcept {
    if (id_ < 0) return 0;
    return Close(std::exchange(id_, H5I_INVALID_HID));
  }

 private:
  void discard() noexcept {
    if (id_ >= 0) Close(id_);  // a destructor cannot report; close() is for when it matters
    id_ = H5I_INVALID_HID;
  }

  hid_t id_ = H5I_INVALID_HID;
};

using File = Handle<H5Fclose>;
using Group = Handle<H5Gclose>;
using Dataset = Handle<H5Dclose>;
using Dataspace = Handle<H5Sclose>;
using PropertyList = Handle<H5Pclose>;
using Attribute = Handle<H5Aclose>;
using Datatype = Handle<H5Tclose>;

/// An HDF5 call failed: "HDF5: OPERATION failed (REASON)" on one line, with the system's error
/// number when a low-level read or write failed (0 otherwise).
class Error : public std::runtime_error {
 public:
  Error(const std::string& operation, const std::string& reason, int system_errno);
  const std::string& operation() const { return operation_; }
  const std::string& reason() const { return reason_; }
  int system_errno() const { return system_errno_; }

 private:
  std::string operation_, reason_;
  int system_errno_;
};

/// Switches off HDF5's printing of its error stack for the calling thread (once per thread).
void quiet_errors();

/// Throws h5::Error for `what`, summing up (and clearing) this thread's error stack.
[[noreturn]] void fail(const std::string& what);

/// An output that could not be written: UserError for a full disk or a folder that cannot be
/// written to (naming `file` and the system's reason), std::runtime_error otherwise.
[[noreturn]] void rethrow_for_output(const Error& e, const std::filesystem::path& file);

/// An input that could not be read (a damaged file): UserError naming `file`.
[[noreturn]] void rethrow_for_input(const Error& e, const std::filesystem::path& file);

/// The first failure of several calls that must all be made (closing every object of a file).
class FirstFailure {
 public:
  /// Records the failure of `what` (status < 0) unless one was recorded already.
  void note(herr_t status, const std::string& what);
  /// Throws the recorded failure, if any.
  void rethrow() const {
    if (error_) throw *error_;
  }

 private:
  std::optional<Error> error_;
};

/// Throws h5::Error("WHAT") for a negative status.
inline void check(herr_t status, const std::string& what) {
  if (status < 0) fail(what);
}

/// Throws h5::Error("WHAT") when the call that made `handle` failed.
template <herr_t (*Close)(hid_t)>
const Handle<Close>& require(const Handle<Close>& handle, const std::string& what) {
  if (!handle.valid()) fail(what);
  return handle;
}

}  // namespace minerisk::h5
