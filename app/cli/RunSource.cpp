#include "app/cli/RunSource.h"

#include "app/cli/CliArgs.h"
#include "core/io/CsvImporter.h"
#include "core/store/Workspace.h"

#include <ostream>

namespace moescope::cli {

bool isWorkspacePath(const std::string& path) {
    const std::string ext = ".moescope";
    return path.size() > ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0;
}

std::vector<MappingOverride> parseMaps(const std::vector<std::string>& maps) {
    std::vector<MappingOverride> out;
    for (const auto& m : maps) {
        MappingOverride o;
        std::string error;
        if (!parseMappingOverride(m, o, error)) throw UsageError(error);
        out.push_back(o);
    }
    return out;
}

int workspaceExitCode(Workspace::Failure why) {
    // A file that is not a workspace (or from a newer MoEScope) is invalid input; one that is missing,
    // damaged or unreadable cannot be read.
    return why == Workspace::Failure::NotWorkspace || why == Workspace::Failure::Newer ? 2 : 1;
}

bool loadRuns(const std::string& path, const std::vector<std::string>& maps, RunTable& table,
              std::ostream& err, int& exitCode) {
    if (isWorkspacePath(path)) {
        Workspace ws;
        std::string error;
        if (!ws.open(path, error, Workspace::Mode::Existing)) {
            err << error << "\n";
            exitCode = workspaceExitCode(ws.lastFailure());
            return false;
        }
        if (!ws.readRuns(table, error)) {
            err << error << "\n";
            exitCode = 1;
            return false;
        }
        return true;
    }
    ImportOptions options;
    options.overrides = parseMaps(maps);
    ImportResult result = importCsvFile(path, options);
    for (const auto& e : result.errors)
        err << e.toString() << "\n";
    if (!result.ok()) {
        exitCode = result.exitCode();
        return false;
    }
    table = std::move(result.table);
    return true;
}

bool loadPlannedRuns(const std::string& path, const std::vector<std::string>& maps, const AnalysisPlan& plan,
                     RunTable& table, std::ostream& err, int& exitCode) {
    RunTable all;
    if (!loadRuns(path, maps, all, err, exitCode)) return false;
    std::string error;
    if (!applyWhere(all, plan, table, error)) {
        err << path << ": " << error << "\n";
        exitCode = 2;
        return false;
    }
    return true;
}

} // namespace moescope::cli
