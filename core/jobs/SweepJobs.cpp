#include "core/jobs/SweepJobs.h"

#include "core/io/AtomicFile.h"
#include "core/io/CsvWriter.h"
#include "core/io/Json.h"
#include "core/io/PathNames.h"
#include "core/io/RunResult.h"
#include "core/io/TextFile.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <sstream>

namespace fs = std::filesystem;

namespace moescope {

namespace {

// A required number of run `index` in [lo, hi] (whole when `whole`); false with the message naming the
// field when it is missing, not a number or out of range — a plan is untrusted, and what passes here goes
// to the trainer as an option.
bool numberField(const Json& run, const char* key, size_t index, const std::string& path, double& value,
                 std::string& error, double lo, double hi, bool whole = true) {
    const Json* v = run.find(key);
    const std::string where = path + ": run " + std::to_string(index + 1) + ": field '" + key + "'";
    if (!v || !v->isNumber()) return error = where + " missing or not a number", false;
    value = v->number();
    if (!std::isfinite(value) || value < lo || value > hi || (whole && value != std::floor(value))) {
        char buf[96];
        std::snprintf(buf, sizeof buf, " must be a %snumber from %.10g to %.10g, got %.10g",
                      whole ? "whole " : "", lo, hi, value);
        return error = where + buf, false;
    }
    return true;
}

} // namespace

bool readSweepPlan(const std::string& path, std::vector<SweepJob>& jobs, std::string& error) {
    std::string text;
    if (!readWholeFile(path, text, error)) return false;
    Json doc;
    if (!Json::parse(text, doc, error)) {
        error = path + ": not valid JSON (" + error + ")";
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
        const double kInt = std::numeric_limits<int>::max();
        if (!r.isObject()) {
            error = path + ": run " + std::to_string(i + 1) + " is not an object";
            return false;
        }
        if (!numberField(r, "budget", i, path, s.job.budget, error, 1e-300, 1e40, false) ||
            !numberField(r, "d_model", i, path, a.d_model, error, 1, kInt) ||
            !numberField(r, "n_layers", i, path, a.n_layers, error, 1, kInt) ||
            !numberField(r, "n_heads", i, path, heads, error, 1, kInt) ||
            !numberField(r, "experts", i, path, a.experts, error, 1, kInt) ||
            !numberField(r, "active_experts", i, path, a.active_experts, error, 1, kInt) ||
            !numberField(r, "granularity", i, path, a.granularity, error, 1e-9, 1e9, false) ||
            !numberField(r, "ctx", i, path, a.ctx, error, 2, kInt) ||
            !numberField(r, "vocab", i, path, a.vocab, error, 2, kInt) ||
            !numberField(r, "batch", i, path, batch, error, 1, kInt) ||
            !numberField(r, "steps", i, path, steps, error, 1, 9007199254740992.0))
            return false;
        s.job.heads = static_cast<int>(heads);
        s.batch = static_cast<int>(batch);
        s.steps = static_cast<long long>(steps);
        s.job.name = r["name"].isString() ? r["name"].string() : defaultJobName(s.job);
        if (!checkPathName(s.job.name, path + ": run " + std::to_string(i + 1) + ": name", error))
            return false;
        for (const SweepJob& earlier : jobs)
            if (earlier.job.name == s.job.name) {
                error = path + ": run " + std::to_string(i + 1) + ": name '" + s.job.name +
                        "' is taken by an earlier run; each run needs a folder of its own";
                return false;
            }
        s.job.extra = {"--batch", formatNumber(batch)};
        // The plan's learning rate and warm-up (plan-sweep writes them from a law); a hand-written plan
        // without them trains at the trainer's defaults.
        double lr = 0, warmup = 0;
        if (r.find("lr") && !r["lr"].isNull()) {
            if (!numberField(r, "lr", i, path, lr, error, 1e-12, 10, false)) return false;
            s.job.extra.insert(s.job.extra.end(), {"--lr", formatNumber(lr)});
        }
        if (r.find("warmup_steps") && !r["warmup_steps"].isNull()) {
            if (!numberField(r, "warmup_steps", i, path, warmup, error, 0, std::min(kInt, steps)))
                return false;
            s.job.extra.insert(s.job.extra.end(), {"--warmup", formatNumber(warmup)});
        }
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
    switch (runResultStatus(runDir)) {
    case RunResultStatus::Diverged:
        return SweepRunState::Diverged;
    case RunResultStatus::None:
        break;
    default: // a result.json of any other kind marks the run as trained: never retrained by itself
        return SweepRunState::Done;
    }
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
