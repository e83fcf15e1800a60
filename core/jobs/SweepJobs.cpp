#include "core/jobs/SweepJobs.h"

#include "core/io/AtomicFile.h"
#include "core/io/CsvWriter.h"
#include "core/io/Json.h"
#include "core/io/PathNames.h"
#include "core/io/RunResult.h"
#include "core/io/TextFile.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <map>
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

// A name field of run `index`: absent, or a string that names a folder.
bool nameField(const Json& run, const char* key, size_t index, const std::string& path, std::string& value,
               std::string& error) {
    const Json* v = run.find(key);
    if (!v || v->isNull()) return true;
    const std::string where = path + ": run " + std::to_string(index + 1) + ": field '" + key + "'";
    if (!v->isString()) return error = where + " is not a string", false;
    value = v->string();
    return checkPathName(value, where, error);
}

// The WSD schedule, branch and ladder fields (plan-sweep --wsd, --lr-ladder), turned into trainer options.
bool scheduleFields(const Json& r, size_t i, const std::string& path, SweepJob& s, std::string& error) {
    const std::string run = path + ": run " + std::to_string(i + 1) + ": field ";
    const double steps = double(s.steps);
    if (!nameField(r, "ladder", i, path, s.ladder, error) ||
        !nameField(r, "branch_from", i, path, s.branchFrom, error))
        return false;
    if (const Json* from = r.find("lr_from"); from && !from->isNull()) {
        if (!from->isString() || from->string() != "ladder")
            return error = run + "'lr_from' must be \"ladder\"", false;
        if (s.lr <= 0) return error = run + "'lr_from' needs the plan's 'lr' to correct", false;
        s.lrFromLadder = true;
    }
    const Json* schedule = r.find("schedule");
    const bool wsd = schedule && schedule->isString() && schedule->string() == "wsd";
    if (schedule && !schedule->isNull() && !wsd && !(schedule->isString() && schedule->string() == "cosine"))
        return error = run + "'schedule' must be \"wsd\" or \"cosine\"", false;
    if (!wsd) {
        for (const char* key : {"decay_frac", "keep_at", "branch_from", "branch_at"})
            if (r.find(key) && !r[key].isNull())
                return error = run + "'" + key + "' belongs to a run with \"schedule\": \"wsd\"", false;
        return true;
    }
    double frac = 0.2;
    if (r.find("decay_frac") && !numberField(r, "decay_frac", i, path, frac, error, 1e-6, 0.999999, false))
        return false;
    s.job.extra.insert(s.job.extra.end(), {"--schedule", "wsd", "--decay-frac", formatNumber(frac)});
    if (const Json* keep = r.find("keep_at"); keep && !keep->isNull()) {
        if (!keep->isArray() || keep->size() == 0 || keep->size() > 1000)
            return error = run + "'keep_at' must be a list of 1 to 1000 steps", false;
        std::string list;
        for (size_t k = 0; k < keep->size(); ++k) {
            const Json& v = keep->at(k);
            if (!v.isNumber() || !(v.number() >= 1 && v.number() < steps) ||
                v.number() != std::floor(v.number()))
                return error = run + "'keep_at' item " + std::to_string(k + 1) +
                               ": must be a whole step from 1 to steps − 1",
                       false;
            list += (list.empty() ? "" : ",") + formatNumber(v.number());
            s.keepAt.push_back(static_cast<long long>(v.number()));
        }
        s.job.extra.insert(s.job.extra.end(), {"--keep-at", list});
    }
    if (s.branchFrom.empty() != !(r.find("branch_at") && !r["branch_at"].isNull()))
        return error = run + "'branch_from' and 'branch_at' come together", false;
    double at = 0;
    if (!s.branchFrom.empty() &&
        !numberField(r, "branch_at", i, path, at, error, 1, std::max(1.0, steps - 1)))
        return false;
    s.branchAt = static_cast<long long>(at);
    return true;
}

// Every branch leaves a stable run of the same plan that keeps its branch step; then the training order.
bool checkBranches(std::vector<SweepJob>& jobs, const std::string& path, std::string& error) {
    bool anyLadder = false;
    for (const SweepJob& j : jobs)
        anyLadder = anyLadder || !j.ladder.empty();
    for (const SweepJob& j : jobs) {
        if (j.lrFromLadder && !anyLadder) {
            error =
                path + ": run '" + j.job.name + "' takes its rate from the ladders, but the plan has none";
            return false;
        }
        if (j.branchFrom.empty()) continue;
        const auto parent = std::find_if(jobs.begin(), jobs.end(),
                                         [&](const SweepJob& p) { return p.job.name == j.branchFrom; });
        const bool kept = parent != jobs.end() && parent->branchFrom.empty() &&
                          std::count(parent->keepAt.begin(), parent->keepAt.end(), j.branchAt) > 0;
        if (!kept) {
            error = path + ": run '" + j.job.name + "' branches from '" + j.branchFrom + "' at step " +
                    std::to_string(j.branchAt) +
                    ", but the plan has no stable run of that name keeping that step";
            return false;
        }
    }
    auto rank = [](const SweepJob& j) { return !j.ladder.empty() ? 0 : j.branchFrom.empty() ? 1 : 2; };
    std::stable_sort(jobs.begin(), jobs.end(),
                     [&](const SweepJob& a, const SweepJob& b) { return rank(a) < rank(b); });
    return true;
}

} // namespace

void sweepCompute(const std::vector<SweepJob>& jobs, double& trained, double& independent) {
    std::map<std::string, int> rungs;
    for (const SweepJob& j : jobs)
        if (!j.ladder.empty()) ++rungs[j.ladder];
    trained = independent = 0;
    for (const SweepJob& j : jobs) {
        const double perStep = flopsPerToken6Na(j.job.arch) * j.batch * j.job.arch.ctx;
        trained += perStep * double(j.steps - j.branchAt);
        independent += perStep * double(j.steps) / (j.ladder.empty() ? 1 : rungs[j.ladder]);
    }
}

std::vector<std::string> branchArguments(const SweepJob& job, const std::string& outDir) {
    if (job.branchFrom.empty()) return {};
    return {"--branch-from", (fs::path(outDir) / job.branchFrom).string(), "--branch-at",
            std::to_string(job.branchAt)};
}

std::vector<std::string> sweepTrainerArguments(const SweepJob& job, const std::string& outDir) {
    std::vector<std::string> a = trainerArguments(job.job, outDir);
    for (auto& w : branchArguments(job, outDir))
        a.push_back(std::move(w));
    return a;
}

void setLearningRate(std::vector<std::string>& args, double lr) {
    for (size_t i = 0; i + 1 < args.size(); ++i)
        if (args[i] == "--lr") {
            args[i + 1] = formatNumber(lr);
            return;
        }
    args.insert(args.end(), {"--lr", formatNumber(lr)});
}

bool finishedLadders(const std::vector<SweepJob>& jobs, const std::string& outDir, const SweepJob& job,
                     std::vector<LadderRuns>& ladders, std::string& error) {
    ladders.clear();
    std::map<std::string, std::vector<const SweepJob*>> byPoint;
    for (const SweepJob& j : jobs)
        if (!j.ladder.empty()) byPoint[j.ladder].push_back(&j);
    for (const auto& [point, rungs] : byPoint) {
        LadderRuns l;
        l.point = point;
        for (const SweepJob* rung : rungs) {
            const std::string dir = sweepRunDir(outDir, *rung);
            const SweepRunState state = sweepRunState(dir);
            if (state != SweepRunState::Done && state != SweepRunState::Diverged) {
                error = job.job.name + ": waits for the learning-rate ladder run '" + rung->job.name + "' (" +
                        dir + " has no result yet)";
                return false;
            }
            std::string text;
            Json result;
            if (!readWholeFile(dir + "/result.json", text, error) || !Json::parse(text, result, error)) {
                error = dir + "/result.json: " + error;
                return false;
            }
            const Json& loss = result["loss"];
            l.lrs.push_back(rung->lr);
            l.losses.push_back(state == SweepRunState::Done && loss.isNumber()
                                   ? loss.number()
                                   : std::numeric_limits<double>::infinity());
            if (result["active_params"].isNumber()) l.activeParams = result["active_params"].number();
        }
        ladders.push_back(l);
    }
    return true;
}

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
            s.lr = lr;
        }
        if (r.find("warmup_steps") && !r["warmup_steps"].isNull()) {
            if (!numberField(r, "warmup_steps", i, path, warmup, error, 0, std::min(kInt, steps)))
                return false;
            s.job.extra.insert(s.job.extra.end(), {"--warmup", formatNumber(warmup)});
        }
        if (r["device"].isString()) s.device = r["device"].string();
        if (!scheduleFields(r, i, path, s, error)) return false;
        jobs.push_back(s);
    }
    return checkBranches(jobs, path, error);
}

double sweepJobFlops(const SweepJob& job) {
    return flopsPerToken(job.job.arch) * double(job.steps - job.branchAt) * job.batch * job.job.arch.ctx;
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
    // A plan with learning-rate ladders names each row's point, so the sweep's fit keeps each ladder's best.
    bool ladders = false;
    for (const SweepJob& job : jobs)
        ladders = ladders || !job.ladder.empty();
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
        rows += last + "," + csvField(group);
        if (ladders) rows += "," + csvField(job.ladder.empty() ? job.job.name : job.ladder);
        rows += "\n";
        ++n;
    }
    if (count) *count = n;
    if (n == 0) return true;
    return writeFileAtomically((fs::path(outDir) / "runs.csv").string(),
                               header + ",group" + (ladders ? ",ladder" : "") + "\n" + rows, error);
}

} // namespace moescope
