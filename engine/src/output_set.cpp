#include "minerisk/engine/output_set.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <set>
#include <thread>

#include "minerisk/engine/dataset_name.hpp"
#include "minerisk/engine/gdal_support.hpp"
#include "commit_manifest.hpp"
#include "output_destination.hpp"
#include "private_folder.hpp"

namespace fs = std::filesystem;

namespace minerisk {
namespace {

using detail::FileId;

std::optional<FileId> id_of(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return FileId{st.st_dev, st.st_ino};
}

struct Input {
  fs::path path;
  FileId id;
};

}  // namespace

struct OutputSet::Impl {
  struct Folder {
    FileId id;
    std::unique_ptr<detail::PrivateFolder> temporaries;
    uint64_t expected = 0;  // bytes all our outputs in it need at least
  };
  struct Output {
    fs::path destination;
    std::string name;       // the destination's file name, in its folder
    std::string temporary;  // the temporary's name, in the private folder
    fs::path temporary_path;
    size_t folder = 0;
    uint64_t expected = 0;
  };
  std::vector<Input> inputs;
  // The dataset names add_inputs has looked at: a scenario names one GeoPackage for several
  // layers, and GDAL's opening of it to list its files is worth doing once.
  std::set<std::string> input_names;
  bool overwrite = false;
  std::vector<Folder> folders;
  std::vector<Output> outputs;
  std::vector<ReservedName> reserved;

  // The checks on a destination that depend on what is on the disk (output_destination.hpp):
  // run at add() and again just before the commit, in case something changed during the work.
  void check_destination(const Output& out) const {
    detail::check_destination(out.destination, overwrite, [&](const FileId& id) { check_not_input(out, id); });
  }

  void check_not_input(const Output& out, const FileId& id) const {
    for (const Input& in : inputs)
      if (in.id == id) refuse_output_that_is_input(out.destination, in.path);
  }

  void commit(const std::atomic<bool>* cancel);
  void write_commit_records() const;  // before the first rename (commit_manifest.hpp)
};

void refuse_output_that_is_input(const fs::path& output, const fs::path& input) {
  throw UserError("output: '" + output.string() + "' is the input '" + input.string() +
                  "' of this command; writing it would destroy the input: choose another output path");
}

OutputSet::OutputSet(std::vector<fs::path> inputs, bool overwrite) : impl_(std::make_unique<Impl>()) {
  impl_->overwrite = overwrite;
  add_inputs(inputs);
}

OutputSet::~OutputSet() = default;  // the private folders remove themselves and their files

void OutputSet::add_inputs(const std::vector<fs::path>& inputs) {
  for (const fs::path& path : inputs) {
    if (path.empty() || !impl_->input_names.insert(path.string()).second) continue;
    // A GDAL dataset name (NETCDF:"f.nc":probability, /vsizip/a.zip/x.tif) protects its file,
    // and every file GDAL reads for it (a VRT's sources, vrt://, a shapefile's sidecars).
    for (const fs::path& file : files_of_dataset(path.string())) {
      const std::optional<FileId> id = id_of(file);
      if (!id) continue;
      impl_->inputs.push_back({file == path ? path : fs::path(path.string() + " (" + file.string() + ")"), *id});
      for (const Impl::Output& out : impl_->outputs)
        if (const std::optional<FileId> existing = id_of(out.destination)) impl_->check_not_input(out, *existing);
    }
  }
}

void refuse_reserved_name(const fs::path& destination, const std::vector<ReservedName>& reserved,
                          const std::string& option) {
  const auto folder_of = [](const fs::path& p) { return p.has_parent_path() ? p.parent_path() : fs::path("."); };
  for (const ReservedName& name : reserved) {
    std::error_code ec;
    if (destination.filename() == name.path.filename() && fs::equivalent(folder_of(destination), folder_of(name.path), ec))
      throw UserError(option + ": '" + destination.string() + "' is " + name.what + "; give it another name");
  }
}

void OutputSet::reserve(const ReservedName& name) { impl_->reserved.push_back(name); }

size_t OutputSet::add(const fs::path& destination) {
  Impl& m = *impl_;
  detail::check_spelling(destination);
  Impl::Output out;
  out.destination = destination;
  out.name = destination.filename().string();
  if (out.name.empty() || out.name == "." || out.name == "..")
    throw UserError("output: '" + destination.string() + "' is a folder; give a file's name, not a folder's");
  const fs::path folder = destination.has_parent_path() ? destination.parent_path() : fs::path(".");
  struct stat st {};
  const int found = ::stat(folder.c_str(), &st) == 0 ? 0 : errno;
  if (found == 0 && !S_ISDIR(st.st_mode))  // -o /dev/null/x, -o file.tif/x
    throw UserError("output: '" + folder.string() + "' is not a folder; choose another output path");
  if (found == ENOENT || found == ENOTDIR)
    throw UserError("output: folder '" + folder.string() + "' does not exist; create it or choose another output path");
  if (found != 0)
    throw UserError("output: cannot use folder '" + folder.string() + "' (" + std::strerror(found) +
                    "); choose another output path");
  const FileId folder_id{st.st_dev, st.st_ino};
  refuse_reserved_name(destination, m.reserved, "output");
  m.check_destination(out);
  for (const Impl::Output& other : m.outputs) {
    const std::optional<FileId> a = id_of(other.destination), b = id_of(destination);
    if (m.folders[other.folder].id == folder_id && other.name == out.name)
      throw UserError("output: '" + destination.string() +
                      "' would be written twice (two outputs share the name); give the output another name");
    if (a && b && *a == *b)  // two names, one file: links to it, or a hard link
      throw UserError("output: '" + destination.string() + "' and '" + other.destination.string() +
                      "' are the same file (links to one file); give each output a file of its own");
  }
  out.folder = m.folders.size();
  for (size_t f = 0; f < m.folders.size(); ++f)
    if (m.folders[f].id == folder_id) out.folder = f;
  if (out.folder == m.folders.size())
    m.folders.push_back({folder_id, std::make_unique<detail::PrivateFolder>(folder), 0});
  // A short name of our own, so any destination name the file system takes fits; the
  // extension only helps whoever looks inside a folder left by a killed process.
  const std::string extension = destination.extension().string();
  out.temporary = std::to_string(m.outputs.size()) + (extension.size() <= 16 ? extension : "");
  out.temporary_path = m.folders[out.folder].temporaries->create_file(out.temporary);
  m.outputs.push_back(std::move(out));
  return m.outputs.size() - 1;
}

const fs::path& OutputSet::temporary(size_t k) const { return impl_->outputs.at(k).temporary_path; }
const fs::path& OutputSet::destination(size_t k) const { return impl_->outputs.at(k).destination; }

void OutputSet::start_writeback(size_t k) const {
  const Impl::Output& out = impl_->outputs.at(k);
  impl_->folders[out.folder].temporaries->start_writeback(out.temporary);
}

fs::path OutputSet::scratch(size_t k, const std::string& suffix) {
  const Impl::Output& out = impl_->outputs.at(k);
  return impl_->folders[out.folder].temporaries->create_file(out.temporary + ".scratch" + suffix);
}

void OutputSet::expect_size(size_t k, uint64_t bytes) {
  Impl::Output& out = impl_->outputs.at(k);
  Impl::Folder& folder = impl_->folders[out.folder];
  folder.expected += bytes - std::min(bytes, out.expected);
  out.expected = std::max(out.expected, bytes);
  const uint64_t available = folder.temporaries->available_bytes();
  if (available < folder.expected) {
    char numbers[128];
    std::snprintf(numbers, sizeof numbers, "%.1f MB free, the outputs need at least %.1f MB",
                  static_cast<double>(available) / 1e6, static_cast<double>(folder.expected) / 1e6);
    throw UserError("output: not enough space in folder '" + folder.temporaries->folder().string() + "' (" +
                    numbers + "); free some space or choose another folder");
  }
}

void OutputSet::write_text(size_t k, const std::string& text) {
  const Impl::Output& out = impl_->outputs.at(k);
  const int fd = ::openat(impl_->folders[out.folder].temporaries->fd(), out.temporary.c_str(),
                          O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
  size_t done = 0;
  int error = fd < 0 ? errno : 0;
  while (fd >= 0 && done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = n < 0 ? errno : EIO;
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (fd >= 0 && ::close(fd) != 0 && error == 0) error = errno;
  if (error == ENOSPC || error == EDQUOT) throw_if_out_of_space(std::strerror(error), false);
  if (error)
    throw UserError("output: writing '" + out.destination.string() + "' failed (" + std::strerror(error) +
                    "); the previous file, if any, is unchanged");
}

void OutputSet::throw_if_out_of_space(const std::string& what, bool by_free_space) const {
  const bool said = what.find(std::strerror(ENOSPC)) != std::string::npos ||
                    what.find(std::strerror(EDQUOT)) != std::string::npos;
  if (!said && !by_free_space) return;
  // The output whose temporary the message names; else the one whose folder is full (the
  // failing write's partial temporary is still there, so a full disk reads as (almost) nothing
  // free); else, when the system's message said so, the first.
  const Impl::Output* full = nullptr;
  for (const Impl::Output& out : impl_->outputs)
    if (said && what.find(out.temporary_path.string()) != std::string::npos) full = &out;
  for (const Impl::Output& out : impl_->outputs)
    if (!full && impl_->folders[out.folder].temporaries->available_bytes() < (1u << 20)) full = &out;
  if (!full && said && !impl_->outputs.empty()) full = &impl_->outputs.front();
  if (!full) return;
  if (what.find(std::strerror(EDQUOT)) != std::string::npos)
    throw UserError("output: disk quota exceeded in folder '" +
                    impl_->folders[full->folder].temporaries->folder().string() + "' while writing '" +
                    full->destination.string() + "'; free some of your space or choose another folder (no output "
                    "was changed)");
  throw UserError("output: no space left on the device of folder '" +
                  impl_->folders[full->folder].temporaries->folder().string() + "' while writing '" +
                  full->destination.string() + "'; free some space or choose another folder (no output was changed)");
}

void OutputSet::commit(const std::atomic<bool>* cancel) { impl_->commit(cancel); }

// Test hook: a pause after the last write and before the cancel check, long enough for a test
// to send a signal at exactly that moment. Ends early once the cancel flag is set.
static void pause_for_tests(const std::atomic<bool>* cancel) {
  const char* seconds = std::getenv("MINERISK_TEST_PAUSE_BEFORE_COMMIT");
  if (!seconds || !*seconds) return;
  std::cerr << "minerisk: test hook: pausing " << seconds << " s before the commit" << std::endl;
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(std::atof(seconds));
  while (std::chrono::steady_clock::now() < until && !(cancel && cancel->load()))
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

void OutputSet::Impl::commit(const std::atomic<bool>* cancel) {
  pause_for_tests(cancel);
  for (const Output& out : outputs) {
    check_destination(out);
    if (!folders[out.folder].temporaries->sync_file(out.temporary)) {
      const int error = errno;
      throw UserError("output: writing '" + out.destination.string() + "' failed (" + std::strerror(error) +
                      "); no output was changed");
    }
  }
  // From the cancel check to the last rename, a signal only marks the flag for after it.
  sigset_t blocked, previous;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGINT);
  sigaddset(&blocked, SIGTERM);
  sigaddset(&blocked, SIGHUP);  // a closed terminal or ssh session
  pthread_sigmask(SIG_BLOCK, &blocked, &previous);
  struct Restore {
    sigset_t* mask;
    ~Restore() { pthread_sigmask(SIG_SETMASK, mask, nullptr); }
  } restore{&previous};
  if (cancel && cancel->load()) throw Cancelled();

  // The main output (added first) is renamed last. Each previous file is kept as a hard link
  // in the private folder until all renames succeeded, so a failure can put it back; and so
  // can the next command, if this process is killed outright meanwhile (commit_manifest.hpp).
  write_commit_records();
  std::vector<int> backed_up(outputs.size(), -1);  // 1 with a backup, 0 none (no previous file)
  for (size_t k = outputs.size(); k-- > 0;) {
    const Output& out = outputs[k];
    const detail::PrivateFolder& folder = *folders[out.folder].temporaries;
    const std::string backup = "previous-" + std::to_string(k);
    struct stat st {};
    const bool existed = ::fstatat(folder.parent_fd(), out.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
    const bool kept = existed && ::linkat(folder.parent_fd(), out.name.c_str(), folder.fd(), backup.c_str(), 0) == 0;
    if (::renameat(folder.fd(), out.temporary.c_str(), folder.parent_fd(), out.name.c_str()) == 0) {
      backed_up[k] = kept ? 1 : (existed ? 2 : 0);  // 2: replaced without a copy to restore
      continue;
    }
    const int error = errno;
    std::string lost;
    for (size_t j = k + 1; j < outputs.size(); ++j) {
      const Output& done = outputs[j];
      const detail::PrivateFolder& f = *folders[done.folder].temporaries;
      const std::string b = "previous-" + std::to_string(j);
      if (backed_up[j] == 1) ::renameat(f.fd(), b.c_str(), f.parent_fd(), done.name.c_str());
      if (backed_up[j] == 0) ::unlinkat(f.parent_fd(), done.name.c_str(), 0);
      if (backed_up[j] == 2) lost += (lost.empty() ? "" : ", ") + done.destination.string();
    }
    for (const Folder& f : folders) detail::remove_commit_record(f.temporaries->fd());
    throw UserError("output: cannot replace '" + out.destination.string() + "' (" + std::strerror(error) + "); " +
                    (lost.empty() ? "no output was changed" : "only " + lost + " was replaced"));
  }
  // GDAL's side files named after the whole file (OUT.nc.aux.xml of statistics, written when
  // QGIS or gdalinfo -stats read the previous file; OUT.tif.ovr of overviews, gdaladdo -ro's or
  // QGIS's pyramids; a .msk) describe the file they were made for: left, the new grid had the
  // old one's statistics (QGIS its stretch) and, zoomed out, its pictures. Removed, as GDAL's
  // own Create over a file removes them.
  const std::vector<std::string> suffixes = appended_side_file_suffixes();
  for (const Output& out : outputs)
    for (const std::string& suffix : suffixes) {
      const std::string side = out.name + suffix;
      struct stat st {};
      if (::fstatat(folders[out.folder].temporaries->parent_fd(), side.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
          !S_ISDIR(st.st_mode))
        ::unlinkat(folders[out.folder].temporaries->parent_fd(), side.c_str(), 0);  // the entry, never a link's target
    }
  for (const Folder& f : folders) ::fsync(f.temporaries->parent_fd());  // the renames themselves, durably
  for (const Folder& f : folders) detail::remove_commit_record(f.temporaries->fd());
}

void OutputSet::Impl::write_commit_records() const {
  std::vector<std::vector<detail::CommitEntry>> records(folders.size());
  for (size_t k = 0; k < outputs.size(); ++k) {
    const Output& out = outputs[k];
    const detail::PrivateFolder& folder = *folders[out.folder].temporaries;
    struct stat fresh {}, previous {};
    if (::fstatat(folder.fd(), out.temporary.c_str(), &fresh, AT_SYMLINK_NOFOLLOW) != 0) continue;
    const bool had_previous = ::fstatat(folder.parent_fd(), out.name.c_str(), &previous, AT_SYMLINK_NOFOLLOW) == 0;
    detail::CommitEntry entry{out.name, "previous-" + std::to_string(k), had_previous, {}};
    detail::describe_new_file(entry, fresh);
    records[out.folder].push_back(entry);
  }
  for (size_t f = 0; f < folders.size(); ++f)
    if (!records[f].empty()) detail::write_commit_record(folders[f].temporaries->fd(), records[f]);
}

}  // namespace minerisk
