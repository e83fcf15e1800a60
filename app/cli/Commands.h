#pragma once
// One function per moescope-cli subcommand (DESIGN.md §5). Each returns the process exit code:
// 0 success, 1 unreadable input or internal failure, 2 invalid input or options.
#include <iosfwd>
#include <string>
#include <vector>

namespace moescope::cli {

using Args = std::vector<std::string>;

int importCommand(const Args& args, std::ostream& out, std::ostream& err);
int flopsCommand(const Args& args, std::ostream& out, std::ostream& err);
int fitCommand(const Args& args, std::ostream& out, std::ostream& err);
int tokenizeCommand(const Args& args, std::ostream& out, std::ostream& err);

} // namespace moescope::cli
