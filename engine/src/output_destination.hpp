#pragma once
// The checks of an output's destination before anything is written there, and again before the
// commit: a name no file can have, a folder, a device, an input, an existing file without
// --overwrite, or another user's file in a folder with the sticky bit. Internal to OutputSet.
#include <filesystem>
#include <functional>

#include "private_folder.hpp"

namespace minerisk::detail {

/// Refuses (UserError) a destination that no file can have: empty, "-", or a name or path over
/// the system's limits.
void check_spelling(const std::filesystem::path& destination);

/// Refuses (UserError) what is at `destination` now: a folder, a device, a file in /dev, /proc or
/// /sys, an existing entry without `overwrite`, another user's entry in a sticky folder; and calls
/// `check_not_input` with the identity of an existing file.
void check_destination(const std::filesystem::path& destination, bool overwrite,
                       const std::function<void(const FileId&)>& check_not_input);

}  // namespace minerisk::detail
