#pragma once
// Every file a command writes goes through one OutputSet, so the rules are the same for run,
// sweep, fit, evaluate, the raster tools and the Python module:
// - an output that exists already is refused unless `overwrite` (--overwrite) is given; one
//   that is one of the command's inputs (same device and inode, through links and
//   relative paths), that exists and is not a regular file (a folder, a device, a fifo), or
//   that another output of the command also names, is refused with a UserError before any
//   work is done;
// - the temporaries live in one private folder per output folder, made by mkdtemp (mode 0700,
//   `.minerisk-<pid>-XXXXXX`), and are created with O_CREAT | O_EXCL | O_NOFOLLOW, so no link
//   planted by someone else is ever followed and any destination name that fits the file
//   system fits its temporary;
// - commit() moves every output into place as one step, the first output added last (so a
//   run's grid never stands beside a picture of another run), with SIGINT, SIGTERM and SIGHUP blocked
//   and the cancel flag checked just before; a failed rename puts the previous files back;
// - until then the destinations are untouched, and the destructor removes the temporaries;
//   private folders of dead processes are removed when the next command writes there.
#include <atomic>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "minerisk/engine/errors.hpp"

namespace minerisk {

/// A name a command keeps for its own file beside its outputs (update's lock and journal), which
/// no output may be written as: `what` says whose it is ("the update's own lock of 'out.nc'").
struct ReservedName {
  std::filesystem::path path;
  std::string what;
};

/// Refuses (UserError "OPTION: 'P' is WHAT; give it another name") a `destination` that is one of
/// `reserved`: the same name in the same folder (a link's name, not its target). OutputSet checks
/// every output with it; a command may check an option earlier, before it makes the file.
void refuse_reserved_name(const std::filesystem::path& destination, const std::vector<ReservedName>& reserved,
                          const std::string& option);

class OutputSet {
 public:
  /// `inputs`: every file the command reads; a GDAL dataset name (NETCDF:"f.nc":var,
  /// /vsizip/a.zip/x.tif) stands for its local file. Paths that do not exist (URLs) are
  /// ignored. `overwrite`: an existing destination may be replaced (never an input). Nothing
  /// is created until add().
  explicit OutputSet(std::vector<std::filesystem::path> inputs = {}, bool overwrite = false);
  /// Without commit(): removes the temporaries and the private folders; destinations untouched.
  ~OutputSet();
  OutputSet(const OutputSet&) = delete;
  OutputSet& operator=(const OutputSet&) = delete;

  /// More inputs, known only once they are loaded (InputSet::files): every output added so far
  /// is checked against them, and every later one.
  void add_inputs(const std::vector<std::filesystem::path>& inputs);

  /// No output added later may be written as `name` (refuse_reserved_name).
  void reserve(const ReservedName& name);

  /// Checks `destination` (UserError naming it otherwise), creates its empty temporary and
  /// returns the output's index. The first output added is the main one: it is renamed last.
  size_t add(const std::filesystem::path& destination);
  /// Where output `k` is written until commit(): a path inside the private folder.
  const std::filesystem::path& temporary(size_t k) const;
  const std::filesystem::path& destination(size_t k) const;
  /// A further private file beside output `k`'s temporary, named with `suffix`, created as the
  /// temporaries are (O_EXCL | O_NOFOLLOW) and removed with them; never committed. For a
  /// format written by copying from an intermediate file.
  std::filesystem::path scratch(size_t k, const std::string& suffix);

  /// Output `k` takes at least `bytes` (a lower bound, never a guess): a UserError now if its
  /// folder has less free space than all of this command's outputs there need.
  void expect_size(size_t k, uint64_t bytes);
  /// Starts writing output `k`'s temporary to the disk, without waiting: commit() then waits
  /// for less (a grid's tiles are on their way while its picture is drawn).
  void start_writeback(size_t k) const;
  /// Writes `text` as output `k`'s whole content; a write failure is a UserError.
  void write_text(size_t k, const std::string& text);

  /// Runs `work`, which writes the temporaries. An error from it (HDF5's, GDAL's) while an
  /// output's folder is out of space becomes one UserError saying so; others pass unchanged.
  template <class Work>
  decltype(auto) writing(Work&& work) {
    try {
      return std::forward<Work>(work)();
    } catch (const UserError& e) {
      // A writer's own "No space left on device" names the temporary, which the user never
      // sees: said of the output and its folder instead. Any other refusal passes unchanged.
      throw_if_out_of_space(e.what(), /*by_free_space=*/false);
      throw;
    } catch (const Cancelled&) {
      throw;
    } catch (const std::exception& e) {
      throw_if_out_of_space(e.what(), /*by_free_space=*/true);
      throw;
    }
  }

  /// Makes the temporaries durable and moves all of them into place, or throws and leaves
  /// every destination as it was: Cancelled when `cancel` is set (checked after SIGINT and
  /// SIGTERM are blocked, just before the first rename), UserError when a file cannot be
  /// written or replaced. The test hook MINERISK_TEST_PAUSE_BEFORE_COMMIT=SECONDS waits (and
  /// says so on stderr) before that check, so a test can signal after the last write.
  void commit(const std::atomic<bool>* cancel);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  // Throws the one out-of-space UserError when the system's message `what` says so, or, with
  // `by_free_space`, when an output's folder has under 1 MB free (a library's error that lost
  // the system's reason).
  void throw_if_out_of_space(const std::string& what, bool by_free_space) const;
};

/// The refusal of an output that is one of the command's inputs (the same file, by any name):
/// one message wherever it is found, by OutputSet or before (update, ahead of its lock).
[[noreturn]] void refuse_output_that_is_input(const std::filesystem::path& output, const std::filesystem::path& input);

/// The smallest size deflate (zlib, as HDF5 and GeoTIFF use it) can give `raw_bytes`: no
/// input compresses by more than 1032 to 1. Used for free-space lower bounds.
inline uint64_t deflate_lower_bound(uint64_t raw_bytes) { return raw_bytes / 1032; }

}  // namespace minerisk
