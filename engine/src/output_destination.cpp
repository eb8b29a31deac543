// The checks of an output's destination (output_destination.hpp).
#include "output_destination.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <string>

#include "minerisk/engine/errors.hpp"

namespace fs = std::filesystem;

namespace minerisk::detail {
namespace {

// A name as long as the file system's limit is unreadable in a message: its start is enough.
std::string abbreviated(const std::string& s) { return s.size() <= 60 ? s : s.substr(0, 40) + "..."; }

}  // namespace

// Refuses a destination that no file can have: empty, or a name or path over the system's
// limits (which would otherwise surface as "filesystem error" from deep inside).
void check_spelling(const fs::path& destination) {
  if (destination.empty()) throw UserError("output: the path is empty; give a file's name");
  // "-" is standard output to most tools; here it made a file named "-" (areas --json -).
  if (destination == "-")
    throw UserError("output: '-' is not written to standard output: every output is a file, committed whole when "
                    "complete; give a file's name");
  const std::string text = destination.string();
  if (text.size() >= PATH_MAX)
    throw UserError("output: the path '" + abbreviated(text) + "' is " + std::to_string(text.size()) +
                    " bytes, more than the system's " + std::to_string(PATH_MAX - 1) + "; choose a shorter path");
  for (const fs::path& part : destination)
    if (part.string().size() > NAME_MAX)
      throw UserError("output: the name '" + abbreviated(part.string()) + "' in the path is " +
                      std::to_string(part.string().size()) + " bytes, more than the file system's " +
                      std::to_string(NAME_MAX) + "; choose a shorter name");
}

namespace {

// /dev/stdout and its kin are links to /proc/self/fd/N, which stat follows to whatever the
// stream is (a regular file when it is redirected to a log): the commit's rename would then
// replace the system's link itself. No output belongs in /dev, /proc or /sys.
void check_not_system_folder(const fs::path& destination) {
  std::error_code error;
  const std::filesystem::path folder = std::filesystem::weakly_canonical(std::filesystem::absolute(destination, error).parent_path(), error);
  const std::string f = folder.string();
  for (const char* system : {"/dev", "/proc", "/sys"})
    if (f == system || f.rfind(std::string(system) + "/", 0) == 0)
      throw UserError("output: '" + destination.string() + "' lies in " + system +
                      ", a folder of devices and streams, not files; write to a file instead");
}

// In a folder with the sticky bit (/tmp, a shared drop folder) only the owner of an entry, or
// of the folder, may replace it: the commit's rename would fail after all the work (and an
// update's journal of another user would stay, which the owner cannot open). Said now. The
// kernel's exception is CAP_FOWNER, taken here as uid 0: root in a user namespace without it
// over an unmapped owner's file still fails at the commit, as before.
void check_replaceable(const fs::path& destination, const struct stat& entry) {
  struct stat folder {};
  const fs::path parent = destination.has_parent_path() ? destination.parent_path() : fs::path(".");
  const uid_t me = ::geteuid();
  if (::stat(parent.c_str(), &folder) != 0 || !(folder.st_mode & S_ISVTX) || me == 0 || entry.st_uid == me ||
      folder.st_uid == me)
    return;
  throw UserError("output: cannot replace '" + destination.string() + "': it belongs to user " +
                  std::to_string(entry.st_uid) + " in a folder with the sticky bit, where only its owner may " +
                  "replace it; write to another path, or ask its owner to remove it");
}

// Any entry at the path, a link too, is an existing output: replaced only when asked. Checked
// after the refusals that --overwrite does not lift (an input, a folder, a device).
void check_not_present(const fs::path& destination, bool overwrite) {
  struct stat st {};
  if (::lstat(destination.c_str(), &st) != 0) return;
  if (!overwrite)
    throw UserError("output: '" + destination.string() +
                    "' exists; give --overwrite (overwrite=True in Python) to replace it, or choose another path");
  check_replaceable(destination, st);
}

}  // namespace

void check_destination(const fs::path& destination, bool overwrite,
                       const std::function<void(const FileId&)>& check_not_input) {
  struct stat st {};
  if (::stat(destination.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      struct stat link {};
      if (::lstat(destination.c_str(), &link) == 0) check_not_system_folder(destination);  // a dangling link
      check_not_present(destination, overwrite);  // a dangling link, which the rename would replace
      return;
    }
    throw UserError("output: cannot use '" + destination.string() + "' (" + std::strerror(errno) +
                    "); choose another output path");
  }
  if (S_ISDIR(st.st_mode))
    throw UserError("output: '" + destination.string() + "' is a folder; give a file's name, not a folder's");
  if (!S_ISREG(st.st_mode))
    throw UserError("output: '" + destination.string() +
                    "' exists and is not a regular file (a device, a fifo or a socket); write to a file instead");
  check_not_system_folder(destination);
  check_not_input(FileId{st.st_dev, st.st_ino});
  check_not_present(destination, overwrite);
}

}  // namespace minerisk::detail
