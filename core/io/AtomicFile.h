#pragma once
// Whole-file writes that a reader (or a crash) never sees half done.
#include <string>
#include <string_view>

namespace moescope {

// Writes to PATH.tmp-PID, flushes it to disk and renames it over PATH.
bool writeFileAtomically(const std::string& path, std::string_view content, std::string& error);

} // namespace moescope
