#pragma once
// Where a command's runs come from: a .moescope workspace or a sweep file (CSV, JSON Lines, JSON), read
// with the import options every such command accepts (--map --derive --lookup --set --best-per ...).
#include "app/cli/CliArgs.h"
#include "core/fit/Analysis.h"
#include "core/io/ColumnMapping.h"
#include "core/io/RunImporter.h"
#include "core/model/Run.h"
#include "core/store/Workspace.h"

#include <iosfwd>
#include <string>
#include <vector>

namespace moescope::cli {

// --map --derive --lookup --set --best-per --mean-per --run-key --all-checkpoints
std::vector<OptionSpec> importOptions();
// What those options ask for; UsageError naming the option when one is malformed.
ImportOptions importOptionsFromArgs(const CliArgs& args);

// Loads runs; on failure prints the reasons to `err` and returns the exit code (1 or 2) in `exitCode`.
bool loadRuns(const std::string& path, const CliArgs& args, RunTable& table, std::ostream& err,
              int& exitCode);
// loadRuns, then the plan's --where and --group: the runs they leave out are marked excluded
// (selectPlanRuns); a filter that names no column or matches no run is printed and exit code 2.
bool loadPlannedRuns(const std::string& path, const CliArgs& args, const AnalysisPlan& plan, RunTable& table,
                     std::ostream& err, int& exitCode);
bool isWorkspacePath(const std::string& path);
// The exit code for a workspace that would not open.
int workspaceExitCode(Workspace::Failure why);

} // namespace moescope::cli
