#include "core/jobs/SweepJobs.h"

#include "core/io/AtomicFile.h"
#include "core/io/CsvWriter.h"
#include "core/io/Json.h"
#include "core/io/TextFile.h"

#include <filesystem>
#include <sstream>

namespace fs = std::filesystem;

namespace moescope {

namespace {

// A required number of run `index`; false with the message when missing or not a number.
bool numberField(const Json& run, const char* key, size_t index, const std::string& path, double& value,
                 std::string& error) {
    const Json* v = run.find(key);
    if (!v || !v->isNumber()) {
        error = path + ": run " + std::to_string(index + 1) + ": field '" + key + "' missing or not a number";
        return false;
    }
    value = v->number();
    return true;
}

} // namespace

bool readSweepPlan(const std::string& path, std::vector<SweepJob>& jobs, std::string& error) {
    std::string text;
    if (!readWholeFile(path, text, error)) return false;
    Json doc;
    if (!Json::parse(text, doc, error)) {
        error = path + ": " + error;
        return false;
    }
    const Json* runs = doc.isObject() ? doc.find("runs") : nullptr;
    if (!runs) {
        error = path + ": no \"runs\" list (write one with moescope-cli plan-sweep --out)";
        return false;
    }
    return sweepJobsFromJson(*runs, path, jobs, error);
}

bool sweepJobsFromJson(const Json& runs, const std::string& path, std::vector<SweepJob>& jobs,
                       std::string& error) {
    if (!runs.isArray() || runs.size() == 0) {
        error = path + ": no runs in the plan";
        return false;
    }
    jobs.clear();
    for (size_t i = 0; i < runs.size(); ++i) {
        const Json& r = runs.at(i);
        SweepJob s;
        double heads = 0, batch = 0, steps = 0;
        Architecture& a = s.job.arch;
        if (!r.isObject() || !numberField(r, "budget", i, path, s.job.budget, error) ||
            !numberField(r, "d_model", i, path, a.d_model, error) ||
            !numberField(r, "n_layers", i, path, a.n_layers, error) ||
            !numberField(r, "n_heads", i, path, heads, error) ||
            !numberField(r, "experts", i, path, a.experts, error) ||
            !numberField(r, "active_experts", i, path, a.active_experts, error) ||
            !numberField(r, "granularity", i, path, a.granularity, error) ||
            !numberField(r, "ctx", i, path, a.ctx, error) ||
            !numberField(r, "vocab", i, path, a.vocab, error) ||
            !numberField(r, "batch", i, path, batch, error) ||
            !numberField(r, "steps", i, path, steps, error)) {
            if (!r.isObject()) error = path + ": run " + std::to_string(i + 1) + " is not an object";
            return false;
        }
        if (heads < 1 || batch < 1 || steps < 1 || a.d_model < 1 || a.n_layers < 1) {
            error = path + ": run " + std::to_string(i + 1) +
                    ": n_heads, batch, steps, d_model and n_layers must be ≥ 1";
            return false;
        }
        s.job.heads = static_cast<int>(heads);
        s.batch = static_cast<int>(batch);
        s.steps = static_cast<long long>(steps);
        s.job.name = r["name"].isString() ? r["name"].string() : defaultJobName(s.job);
        if (s.job.name.empty() || s.job.name.find('/') != std::string::npos || s.job.name == "." ||
            s.job.name == "..") {
            error =
                path + ": run " + std::to_string(i + 1) + ": name '" + s.job.name + "' cannot name a folder";
            return false;
        }
        s.job.extra = {"--batch", formatNumber(batch)};
        if (r["device"].isString()) s.device = r["device"].string();
        jobs.push_back(s);
    }
    return true;
}

double sweepJobFlops(const SweepJob& job) {
    return flopsPerToken(job.job.arch) * double(job.steps) * job.batch * job.job.arch.ctx;
}

std::string sweepRunDir(const std::string& outDir, const SweepJob& job) {
    return (fs::path(outDir) / job.job.name).string();
}

SweepRunState sweepRunState(const std::string& runDir) {
    const fs::path dir = runDir;
    if (fs::exists(dir / "result.json")) return SweepRunState::Done;
    if (fs::exists(dir / "checkpoint.pt")) return SweepRunState::Interrupted;
    return SweepRunState::Pending;
}

bool collectSweepResults(const std::string& outDir, const std::vector<SweepJob>& jobs,
                         const std::string& group, std::string& error, int* count) {
    std::string header, rows;
    int n = 0;
    for (const SweepJob& job : jobs) {
        if (sweepRunState(sweepRunDir(outDir, job)) != SweepRunState::Done) continue;
        const std::string path = sweepRunDir(outDir, job) + "/runs.csv";
        std::string text;
        if (!readWholeFile(path, text, error)) return false;
        std::istringstream lines(text);
        std::string head, line;
        std::getline(lines, head);
        if (header.empty()) header = head;
        if (head != header) {
            error = path + ": header differs from the other runs' (another trainer version?)";
            return false;
        }
        // The last row is this run's: a resumed run appends, it never rewrites.
        std::string last;
        while (std::getline(lines, line))
            if (!line.empty()) last = line;
        if (last.empty()) {
            error = path + ": no result row";
            return false;
        }
        rows += last + "," + csvField(group) + "\n";
        ++n;
    }
    if (count) *count = n;
    if (n == 0) return true;
    return writeFileAtomically((fs::path(outDir) / "runs.csv").string(), header + ",group\n" + rows, error);
}

} // namespace moescope
