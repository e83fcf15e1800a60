#pragma once
#include <string>
#include <string_view>

namespace moescope {

// Hex SHA-256 of a byte string: the workspace records it per import to tell a re-import of the same file.
std::string sha256Hex(std::string_view data);
// Of a file's content; empty when unreadable.
std::string sha256OfFile(const std::string& path);

} // namespace moescope
