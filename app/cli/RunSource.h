#pragma once
// Where a command's runs come from: a .moescope workspace or any CSV (mapped with --map).
#include "core/fit/Analysis.h"
#include "core/io/ColumnMapping.h"
#include "core/model/Run.h"
#include "core/store/Workspace.h"

#include <iosfwd>
#include <string>
#include <vector>

namespace moescope::cli {

// Loads runs; on failure prints the reasons to `err` and returns the exit code (1 or 2) in `exitCode`.
bool loadRuns(const std::string& path, const std::vector<std::string>& maps, RunTable& table,
              std::ostream& err, int& exitCode);
// loadRuns, then the plan's --where: the runs it leaves out are marked excluded (applyWhere); a filter that
// names no column or matches no run is printed and exit code 2.
bool loadPlannedRuns(const std::string& path, const std::vector<std::string>& maps, const AnalysisPlan& plan,
                     RunTable& table, std::ostream& err, int& exitCode);
// --map FIELD=COLUMN options, each checked.
std::vector<MappingOverride> parseMaps(const std::vector<std::string>& maps);
bool isWorkspacePath(const std::string& path);
// The exit code for a workspace that would not open.
int workspaceExitCode(Workspace::Failure why);

} // namespace moescope::cli
