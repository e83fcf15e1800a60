// Multi-machine sweeps: `suggest ... --slurm` writes the array job script (SuggestCommand.cpp), and
// `import-results DIR` brings every finished run under DIR back, from the runs.csv each trainer run writes.
#include "app/cli/CliArgs.h"
#include "app/cli/Commands.h"
#include "app/cli/RunSource.h"
#include "core/io/Json.h"
#include "core/io/RunImporter.h"
#include "core/store/Sha256.h"
#include "core/store/Workspace.h"

#include <algorithm>
#include <filesystem>
#include <ostream>

namespace fs = std::filesystem;

namespace moescope::cli {

int importResultsCommand(const Args& rawArgs, std::ostream& out, std::ostream& err) {
    const CliArgs args(rawArgs, {{"workspace"}, {"json", false}});
    if (args.positionals().size() != 1) throw UsageError("import-results: expected one DIR");
    const std::string dir = args.positionals()[0];
    if (!fs::is_directory(dir)) throw UsageError("import-results: '" + dir + "' is not a folder");
    // Each run is counted once: a sweep folder (plan.json beside runs.csv, as run-sweep writes it) stands
    // for every run below it; elsewhere a run folder (result.json beside runs.csv) gives its last row,
    // the run's own (a resumed run appends).
    std::vector<fs::path> all, files;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file() && e.path().filename() == "runs.csv") all.push_back(e.path());
    std::sort(all.begin(), all.end());
    const auto isSweepFolder = [](const fs::path& p) { return fs::exists(p / "plan.json"); };
    for (const auto& f : all) {
        // The folders above f's own, from DIR down: does one of them hold a sweep's runs.csv?
        bool covered = false;
        fs::path up = dir;
        const fs::path below = f.parent_path().lexically_relative(dir);
        for (const auto& part : below == "." ? fs::path() : below) {
            covered = covered || (fs::exists(up / "runs.csv") && isSweepFolder(up));
            up /= part;
        }
        if (!covered) files.push_back(f);
    }
    int unfinished = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file() && e.path().filename() == "checkpoint.pt" &&
            !fs::exists(e.path().parent_path() / "result.json"))
            ++unfinished;
    Workspace ws;
    std::string error;
    if (args.has("workspace") && !ws.open(args.value("workspace"), error)) {
        err << error << "\n";
        return workspaceExitCode(ws.lastFailure());
    }
    int imported = 0, failed = 0;
    Json list = Json::array();
    for (const auto& f : files) {
        ImportResult r = importRunsFile(f.string(), {});
        for (const auto& e : r.errors)
            err << e.toString() << "\n";
        if (!r.ok()) {
            ++failed;
            continue;
        }
        if (fs::exists(f.parent_path() / "result.json") && r.table.runs.size() > 1)
            r.table.runs.erase(r.table.runs.begin(), r.table.runs.end() - 1);
        if (ws.isOpen()) {
            ImportRecord rec;
            rec.path = f.string();
            rec.sha256 = sha256OfFile(f.string());
            rec.mapping = r.mapping;
            if (!ws.addImport(rec, r.table, error)) {
                err << error << "\n";
                return 1;
            }
        }
        imported += static_cast<int>(r.table.runs.size());
        list.push(f.string());
    }
    err << dir << ": " << imported << " run(s) from " << files.size() << " runs.csv file(s)"
        << (failed ? ", " + std::to_string(failed) + " unreadable" : "")
        << (unfinished
                ? "; " + std::to_string(unfinished) + " run(s) still unfinished (checkpoint, no result)"
                : "")
        << "\n";
    if (args.has("json")) {
        Json j = Json::object();
        j.set("runs", imported);
        j.set("files", list);
        j.set("unfinished", unfinished);
        j.set("unreadable", failed);
        out << j.dump() << "\n";
    }
    return failed ? 2 : 0;
}

} // namespace moescope::cli
