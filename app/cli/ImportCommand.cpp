#include "app/cli/CliArgs.h"
#include "app/cli/Commands.h"
#include "app/cli/RunSource.h"
#include "core/io/Json.h"
#include "core/io/RunImporter.h"
#include "core/store/Sha256.h"
#include "core/store/Workspace.h"

#include <filesystem>
#include <ostream>

namespace moescope::cli {

namespace {
Json importJson(const ImportResult& r) {
    Json j = Json::object();
    j.set("rows_read", r.rowsRead);
    j.set("rows_valid", r.rowsRead - r.rowsInvalid);
    j.set("rows_invalid", r.rowsInvalid);
    j.set("rows_without_loss", r.rowsWithoutLoss);
    j.set("rows_filtered", r.rowsFiltered);
    // Kept runs are counted as kept (a selection merges and excludes); otherwise as read.
    int excluded = r.rowsExcluded, included = r.rowsRead - r.rowsInvalid - r.rowsExcluded;
    if (r.runsKept) {
        excluded = 0;
        for (const auto& run : r.table.runs)
            excluded += run.excluded;
        included = static_cast<int>(r.table.runs.size()) - excluded;
    }
    j.set("rows_excluded", excluded);
    j.set("rows_included", included);
    j.set("format", r.format);
    Json errors = Json::array();
    for (const auto& e : r.errors) {
        Json o = Json::object();
        o.set("line", e.line);
        o.set("column", e.column);
        o.set("message", e.message);
        errors.push(std::move(o));
    }
    j.set("errors", std::move(errors));
    Json mapping = Json::object();
    for (const auto& [field, column] : r.mapping)
        mapping.set(field, column);
    j.set("mapping", std::move(mapping));
    return j;
}
} // namespace

int importCommand(const Args& rawArgs, std::ostream& out, std::ostream& err) {
    std::vector<OptionSpec> specs = {{"where"}, {"skip-invalid", false}, {"workspace"}, {"json", false}};
    for (auto& o : importOptions())
        specs.push_back(o);
    const CliArgs args(rawArgs, specs);
    if (args.positionals().size() != 1) throw UsageError("import: expected one FILE");
    const std::string& file = args.positionals()[0];
    ImportOptions options = importOptionsFromArgs(args);
    std::string error;
    if (args.has("where") && !options.transforms.setWhere(args.value("where"), error))
        throw UsageError(error);
    options.skipInvalid = args.has("skip-invalid");
    // Without a workspace the import is a report: rows are checked and counted, not kept.
    options.keepRuns = args.has("workspace");
    const ImportResult result = importRunsFile(file, options);

    for (const auto& note : result.notes)
        err << file << ": note: " << note << "\n";
    for (const auto& e : result.errors)
        err << e.toString() << "\n";
    std::string mappingText;
    for (const auto& [field, column] : result.mapping)
        mappingText += " " + field + "='" + column + "'";
    err << file << ": mapping:" << (mappingText.empty() ? " (none)" : mappingText) << "\n";
    err << file << ": " << result.rowsRead << " rows read, " << result.rowsRead - result.rowsInvalid
        << " valid, " << result.rowsInvalid << " invalid"
        << (result.rowsWithoutLoss
                ? ", " + std::to_string(result.rowsWithoutLoss) + " without a loss (kept, excluded)"
                : std::string())
        << (result.ok() && result.rowsInvalid ? " (skipped)" : "")
        << (result.rowsFiltered ? ", " + std::to_string(result.rowsFiltered) + " left out by --where"
                                : std::string())
        << "\n";
    if (!result.ok() && result.outcome == ImportResult::Outcome::InvalidRows && !options.skipInvalid)
        err << file << ": nothing imported; fix the rows above or pass --skip-invalid\n";

    int code = result.exitCode();
    if (result.ok() && args.has("workspace")) {
        Workspace ws;
        ImportRecord record;
        record.path = file;
        record.sha256 = sha256OfFile(file);
        record.mapping = result.mapping;
        const std::string path = args.value("workspace");
        if (!ws.open(path, error)) {
            err << error << "\n";
            code = workspaceExitCode(ws.lastFailure());
        } else if (!ws.addImport(record, result.table, error)) {
            err << error << "\n";
            code = 1;
        } else {
            const int total = ws.runCount();
            if (total < 0) {
                err << path << ": the runs were added, but the workspace cannot be read back\n";
                code = 1;
            } else {
                err << path << ": " << result.table.runs.size() << " runs added (" << total
                    << " in the workspace)\n";
            }
        }
        if (code != 0 && ws.isOpen() && ws.created() && ws.imports().empty()) {
            // Nothing half-made stays behind: a workspace this import made and could not fill is removed —
            // only while it holds no one's import (another process may have filled it meanwhile).
            ws.close();
            Workspace::removeFiles(path);
        }
    }
    if (args.has("json")) out << importJson(result).dump() << "\n";
    return code;
}

} // namespace moescope::cli
