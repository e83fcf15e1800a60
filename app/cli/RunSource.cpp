#include "RunSource.h"

#include "CliArgs.h"
#include "CsvImporter.h"
#include "Workspace.h"

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

bool loadRuns(const std::string& path, const std::vector<std::string>& maps, RunTable& table,
              std::ostream& err, int& exitCode) {
    if (isWorkspacePath(path)) {
        Workspace ws;
        std::string error;
        if (!ws.open(path, error)) {
            err << error << "\n";
            exitCode = 2;
            return false;
        }
        table = ws.runs();
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

} // namespace moescope::cli
