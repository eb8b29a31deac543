// The record of a commit in progress (engine/src/commit_manifest.cpp): a dead process's record
// puts the previous files back where its new files stand, and nothing else; a damaged or
// planted record touches nothing outside the output folder.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "src/commit_manifest.hpp"

namespace fs = std::filesystem;
using namespace minerisk::detail;
using namespace std::string_literals;

namespace {

struct Folders {
  fs::path parent, private_folder;
  int parent_fd = -1, private_fd = -1;

  Folders() {
    parent = fs::temp_directory_path() / ("minerisk_commit_record_" + std::to_string(::getpid()));
    fs::remove_all(parent);
    private_folder = parent / ".minerisk-1-abcdef";
    fs::create_directories(private_folder);
    parent_fd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY);
    private_fd = ::open(private_folder.c_str(), O_RDONLY | O_DIRECTORY);
  }
  ~Folders() {
    ::close(parent_fd), ::close(private_fd);
    fs::remove_all(parent);
  }
};

void write(const fs::path& file, const std::string& text) { std::ofstream(file, std::ios::binary) << text; }

std::string read(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The record's entry for `file` as it stands now.
CommitEntry entry_for(const std::string& name, const std::string& backup, bool had_previous, const fs::path& file) {
  struct stat st {};
  ::stat(file.c_str(), &st);
  CommitEntry e{name, backup, had_previous, {}};
  describe_new_file(e, st);
  return e;
}

// The identity fields of `file` as the record spells them: dev, ino, size, mtime_ns, each ending in NUL.
std::string identity_fields(const fs::path& file) {
  const CommitEntry e = entry_for("x", "previous-0", false, file);
  return std::to_string(e.new_file.dev) + '\0' + std::to_string(e.new_file.ino) + '\0' + std::to_string(e.size) +
         '\0' + std::to_string(e.mtime_ns) + '\0';
}

}  // namespace

TEST(CommitRecord, PutsThePreviousFilesBackWhereTheNewOnesStand) {
  Folders f;
  write(f.parent / "out.nc", "new grid");          // renamed into place before the kill
  write(f.private_folder / "previous-0", "old grid");
  write(f.parent / "out.png", "new picture");       // renamed into place, no previous picture
  write(f.parent / "out_evidence.nc", "someone's"); // another file put there since
  write(f.private_folder / "previous-2", "old evidence");
  // The evidence's entry describes the file the killed command renamed there, not the one
  // standing there now: same inode, as ext4 gives a freed inode to the next file, but other
  // size and time.
  CommitEntry replaced = entry_for("out_evidence.nc", "previous-2", true, f.parent / "out_evidence.nc");
  replaced.size += 1, replaced.mtime_ns -= 1000;
  ASSERT_TRUE(write_commit_record(f.private_fd, {entry_for("out.nc", "previous-0", true, f.parent / "out.nc"),
                                                 entry_for("out.png", "previous-1", false, f.parent / "out.png"),
                                                 replaced}));
  roll_back_commit(f.parent_fd, f.private_fd);
  EXPECT_EQ(read(f.parent / "out.nc"), "old grid");
  EXPECT_FALSE(fs::exists(f.parent / "out.png"));
  EXPECT_EQ(read(f.parent / "out_evidence.nc"), "someone's");
  EXPECT_FALSE(fs::exists(f.private_folder / "commit"));
}

TEST(CommitRecord, ADamagedOrPlantedRecordTouchesNothing) {
  Folders f;
  write(f.parent / "victim", "keep me");
  fs::create_directory(f.parent / "sub");
  const std::string id = identity_fields(f.parent / "victim");
  // Fields end in NUL: "..."s literals keep them (a plain literal would stop at the first).
  const std::string records[] = {
      "sub/../victim\0previous-0\0"s + "0\0"s + id,           // a name with a slash
      "/abs/victim\0previous-0\0"s + "0\0"s + id,             // an absolute name
      "victim\0../../x\0"s + "0\0"s + id,                     // a backup outside
      "victim\0previous-0\0"s + "0\0"s + id.substr(0, 5),     // truncated
      "victim\0previous-0\0"s + "0\0dev\0"s + id.substr(id.find('\0') + 1),  // not a number
  };
  for (const std::string& record : records) {
    write(f.private_folder / "commit", record);
    roll_back_commit(f.parent_fd, f.private_fd);
    EXPECT_EQ(read(f.parent / "victim"), "keep me");
  }
}

TEST(CommitRecord, AWellFormedRecordIsReadBack) {
  // The same bytes as the planted records above, but plain names: the rollback acts (the test
  // of the planted ones would pass for a reader that read nothing).
  Folders f;
  write(f.parent / "victim", "new");
  write(f.private_folder / "commit", "victim\0previous-0\0"s + "0\0"s + identity_fields(f.parent / "victim"));
  roll_back_commit(f.parent_fd, f.private_fd);
  EXPECT_FALSE(fs::exists(f.parent / "victim"));  // a new output with no previous file: removed
}
