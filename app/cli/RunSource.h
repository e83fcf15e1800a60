#pragma once
// Where a command's runs come from: a .moescope workspace or any CSV (mapped with --map).
#include "ColumnMapping.h"
#include "Run.h"

#include <iosfwd>
#include <string>
#include <vector>

namespace moescope::cli {

// Loads runs; on failure prints the reasons to `err` and returns the exit code (1 or 2) in `exitCode`.
bool loadRuns(const std::string& path, const std::vector<std::string>& maps, RunTable& table,
              std::ostream& err, int& exitCode);
// --map FIELD=COLUMN options, each checked.
std::vector<MappingOverride> parseMaps(const std::vector<std::string>& maps);
bool isWorkspacePath(const std::string& path);

} // namespace moescope::cli
