#include "app/cli/RunSource.h"

#include "app/cli/CliArgs.h"
#include "core/store/Workspace.h"

#include <ostream>

namespace moescope::cli {

bool isWorkspacePath(const std::string& path) {
    const std::string ext = ".moescope";
    return path.size() > ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0;
}

std::vector<OptionSpec> importOptions() {
    return {{"map", true, true},
            {"derive", true, true},
            {"lookup", true, true},
            {"lookup-overwrite", false},
            {"set", true, true},
            {"best-per"},
            {"mean-per"},
            {"run-key"},
            {"all-checkpoints", false}};
}

ImportOptions importOptionsFromArgs(const CliArgs& args) {
    ImportOptions options;
    std::string error;
    for (const auto& m : args.values("map")) {
        MappingOverride o;
        if (!parseMappingOverride(m, o, error)) throw UsageError(error);
        options.overrides.push_back(o);
    }
    ColumnTransforms& t = options.transforms;
    for (const auto& v : args.values("set"))
        if (!t.addConstant(v, error)) throw UsageError(error);
    for (const auto& v : args.values("lookup"))
        if (!t.addLookup(v, error)) throw UsageError(error);
    t.lookupOverwrite = args.has("lookup-overwrite");
    if (t.lookupOverwrite && t.lookups.empty())
        throw UsageError("option --lookup-overwrite goes with --lookup");
    for (const auto& v : args.values("derive"))
        if (!t.addFormula(v, error)) throw UsageError(error);
    RunSelection& s = options.selection;
    if (args.has("best-per") && args.has("mean-per"))
        throw UsageError("options --best-per and --mean-per: give one");
    for (const char* option : {"best-per", "mean-per"})
        if (args.has(option)) {
            s.per = std::string(option) == "best-per" ? RunSelection::Per::Best : RunSelection::Per::Mean;
            if (!parseColumnList(option, args.value(option), s.groupColumns, error)) throw UsageError(error);
        }
    if (args.has("run-key") && !parseColumnList("run-key", args.value("run-key"), s.runKey, error))
        throw UsageError(error);
    s.allCheckpoints = args.has("all-checkpoints");
    options.optimaTable = args.has("optima"); // predict --optima: rows are budgets' optima, sizes optional
    if (s.allCheckpoints && s.runKey.empty())
        throw UsageError("option --all-checkpoints needs --run-key COLUMNS (which rows are one run's curve)");
    return options;
}

int workspaceExitCode(Workspace::Failure why) {
    // A file that is not a workspace (or from a newer MoEScope) is invalid input; one that is missing,
    // damaged or unreadable cannot be read.
    return why == Workspace::Failure::NotWorkspace || why == Workspace::Failure::Newer ? 2 : 1;
}

bool loadRuns(const std::string& path, const CliArgs& args, RunTable& table, std::ostream& err,
              int& exitCode) {
    const ImportOptions options = importOptionsFromArgs(args);
    if (isWorkspacePath(path)) {
        for (const auto& o : importOptions())
            if (args.has(o.name))
                throw UsageError("option --" + o.name + " reads a sweep file; " + path +
                                 " is a workspace, whose runs were imported already");
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
    ImportResult result = importRunsFile(path, options);
    for (const auto& e : result.errors)
        err << e.toString() << "\n";
    if (!result.ok()) {
        exitCode = result.exitCode();
        return false;
    }
    table = std::move(result.table);
    return true;
}

bool loadPlannedRuns(const std::string& path, const CliArgs& args, const AnalysisPlan& plan, RunTable& table,
                     std::ostream& err, int& exitCode) {
    RunTable all;
    if (!loadRuns(path, args, all, err, exitCode)) return false;
    std::string error, note;
    if (!selectPlanRuns(all, plan, table, error, &note)) {
        err << path << ": " << error << "\n";
        exitCode = 2;
        return false;
    }
    if (!note.empty()) err << path << ": " << note << "\n";
    return true;
}

} // namespace moescope::cli
