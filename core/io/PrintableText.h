#pragma once
// Text from a file or a command line, made safe to print: a message that quotes a hostile column name or
// run name must not send terminal escape sequences (\x1b[31m) to the user's terminal.
#include <string>
#include <string_view>

namespace moescope {

// Control bytes (below 0x20 and 0x7f) written as \xHH, except a newline and a tab when `keepLines`; every
// other byte as it is (UTF-8 text stays readable).
std::string printable(std::string_view text, bool keepLines = false);

} // namespace moescope
