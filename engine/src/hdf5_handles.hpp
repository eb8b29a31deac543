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
#include <hdf5.h>

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

  /// Closes now and returns HDF5's status (0 for an empty handle). When closing fails the
  /// identifier is kept: the object is not taken for closed, and the destructor tries again.
  [[nodiscard]] herr_t close() noexcept {
    if (id_ < 0) return 0;
    const herr_t status = Close(id_);
    if (status >= 0) id_ = H5I_INVALID_HID;
    return status;
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

/// Throws std::runtime_error("HDF5: WHAT failed") for a negative status.
inline void check(herr_t status, const std::string& what) {
  if (status < 0) throw std::runtime_error("HDF5: " + what + " failed");
}

/// Throws std::runtime_error("HDF5: WHAT failed") when the call that made `handle` failed.
template <herr_t (*Close)(hid_t)>
const Handle<Close>& require(const Handle<Close>& handle, const std::string& what) {
  if (!handle.valid()) throw std::runtime_error("HDF5: " + what + " failed");
  return handle;
}

}  // namespace minerisk::h5
