#include "CliArgs.h"
#include "Commands.h"
#include "CsvImporter.h"
#include "Json.h"
#include "RunSource.h"
#include "Sha256.h"
#include "Workspace.h"

#include <ostream>

namespace moescope::cli {

namespace {
Json importJson(const ImportResult& r) {
    Json j = Json::object();
    j.set("rows_read", r.rowsRead);
    j.set("rows_valid", r.rowsRead - r.rowsInvalid);
    j.set("rows_invalid", r.rowsInvalid);
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
    const CliArgs args(rawArgs,
                       {{"map", true, true}, {"skip-invalid", false}, {"workspace"}, {"json", false}});
    if (args.positionals().size() != 1) throw UsageError("import: expected one FILE");
    const std::string& file = args.positionals()[0];
    ImportOptions options;
    options.overrides = parseMaps(args.values("map"));
    options.skipInvalid = args.has("skip-invalid");
    const ImportResult result = importCsvFile(file, options);

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
        << (result.ok() && result.rowsInvalid ? " (skipped)" : "") << "\n";
    if (!result.ok() && result.outcome == ImportResult::Outcome::InvalidRows && !options.skipInvalid)
        err << file << ": nothing imported; fix the rows above or pass --skip-invalid\n";

    int code = result.exitCode();
    if (result.ok() && args.has("workspace")) {
        Workspace ws;
        std::string error;
        ImportRecord record;
        record.path = file;
        record.sha256 = sha256OfFile(file);
        record.mapping = result.mapping;
        if (!ws.open(args.value("workspace"), error) || !ws.addImport(record, result.table, error)) {
            err << error << "\n";
            code = ws.isOpen() ? 1 : 2;
        } else {
            err << args.value("workspace") << ": " << result.table.runs.size() << " runs added ("
                << ws.runCount() << " in the workspace)\n";
        }
    }
    if (args.has("json")) out << importJson(result).dump() << "\n";
    return code;
}

} // namespace moescope::cli
