#pragma once
// Reading a whole data file as UTF-8 text, with the checks every reader makes before it parses.
#include <string>
#include <string_view>

namespace moescope {

// False with `error` (naming the path and the system's reason) when the file cannot be read.
bool readWholeFile(const std::string& path, std::string& text, std::string& error);
// False with `error` when the content is binary (xlsx, parquet, gzip) or UTF-16; otherwise the offset
// past a UTF-8 byte order mark (0 without one).
bool checkUtf8Text(std::string_view text, size_t& start, std::string& error);

} // namespace moescope
