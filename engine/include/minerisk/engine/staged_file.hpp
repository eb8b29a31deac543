#pragma once
// A file written under a temporary name beside its destination and moved into place only when
// complete: until commit(), the destination is untouched, and the temporary is removed if the
// work fails.
#include <filesystem>

namespace minerisk {

class StagedFile {
 public:
  /// Creates the (empty) temporary file now, so an unwritable folder is found before any work.
  explicit StagedFile(std::filesystem::path destination);
  ~StagedFile();
  StagedFile(const StagedFile&) = delete;
  StagedFile& operator=(const StagedFile&) = delete;

  const std::filesystem::path& temporary() const { return temporary_; }
  const std::filesystem::path& destination() const { return destination_; }
  /// Atomically replaces the destination with the temporary file.
  void commit();

 private:
  std::filesystem::path destination_, temporary_;
  bool committed_ = false;
};

}  // namespace minerisk
