// `run-sweep`: trains a plan with moescope-train, one run at a time, resumable as a whole
// (core/jobs/SweepJobs.h says which runs are done); or, with --lease-jobs, lists the runs that can train now
// on a machine lent for a while (scripts/sweep_lease.py trains them there and packs their results to unpack
// here).
#include "app/cli/CliArgs.h"
#include "app/cli/Commands.h"
#include "app/cli/SlurmArgs.h"
#include "app/cli/SweepText.h"
#include "core/fit/LadderTransfer.h"
#include "core/io/AtomicFile.h"
#include "core/io/CsvWriter.h"
#include "core/io/Json.h"
#include "core/io/PathNames.h"
#include "core/io/TextFile.h"
#include "core/jobs/DurationText.h"
#include "core/jobs/SweepJobs.h"
#include "core/model/Accounting.h"

#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace moescope::cli {

namespace {

volatile std::sig_atomic_t gStop = 0;
volatile pid_t gChild = 0;
void onStop(int sig) {
    gStop = sig;
    if (gChild > 0) kill(gChild, sig); // the trainer checkpoints and exits 130
}

// Runs the trainer with `argv`, its stdout and stderr appended to `log`; the exit code (128+signal when
// killed, 127 when it cannot start).
int runTrainer(const std::string& trainer, const std::vector<std::string>& args, const std::string& log) {
    std::vector<char*> argv;
    std::vector<std::string> all = {trainer};
    all.insert(all.end(), args.begin(), args.end());
    for (auto& a : all)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t pid = fork();
    if (pid < 0) return 127;
    if (pid == 0) {
        const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) dup2(fd, 1), dup2(fd, 2);
        execv(trainer.c_str(), argv.data());
        std::fprintf(stderr, "{\"event\":\"error\",\"message\":\"cannot start the trainer\"}\n");
        _exit(127);
    }
    gChild = pid;
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    gChild = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The trainer's last error message in its event log, for the failure line.
std::string lastError(const std::string& log) {
    std::ifstream in(log);
    std::string line, last;
    while (std::getline(in, line)) {
        Json j;
        std::string e;
        if (Json::parse(line, j, e) && j.isObject() && j["event"].isString() &&
            j["event"].string() == "error")
            last = j["message"].string();
    }
    return last.empty() ? "no message (see " + log + ")" : last;
}

std::string defaultTrainer() {
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec).parent_path();
    for (const char* rel : {"moescope-train", "../trainer/moescope-train"})
        if (!ec && access((self / rel).c_str(), X_OK) == 0) return fs::weakly_canonical(self / rel).string();
    return "moescope-train";
}

// The rate of a run planned with "lr_from": "ladder", from the sweep's finished ladders; false with `error`
// when they cannot say it yet (or at all). `note` says where the rate came from.
bool ladderRate(const std::vector<SweepJob>& jobs, const std::string& dir, const SweepJob& j, double& lr,
                std::string& note, std::string& error) {
    std::string source;
    std::vector<LadderRuns> ladders;
    if (!finishedLadders(jobs, dir, j, ladders, error) ||
        !transferredRate(ladders, j.lr, activeParams(j.job.arch), lr, source, error))
        return false;
    note = "lr " + formatNumber(lr) + " (planned " + formatNumber(j.lr) + ", " + source + ")";
    return true;
}

// --lease-jobs FILE: the runs that can train now on a lent machine, which sees neither this folder nor the
// data here. Each run without a result, from scratch (its checkpoint does not travel), its rate resolved
// where it comes from the ladders (a run whose ladders are not done waits for a later lease), as the
// trainer's argument vector with --out relative to the lease's own sweep folder.
int exportLeaseJobs(const std::vector<SweepJob>& jobs, const std::string& dir, const std::string& path,
                    const std::vector<std::string>& trainWords, const std::string& group, bool json,
                    std::ostream& out, std::ostream& err) {
    Json list = Json::array();
    int done = 0, waiting = 0;
    double flops = 0;
    std::string error;
    for (const SweepJob& j : jobs) {
        const SweepRunState state = sweepRunState(sweepRunDir(dir, j));
        if (state == SweepRunState::Done || state == SweepRunState::Diverged) {
            ++done;
            continue;
        }
        std::vector<std::string> a = sweepTrainerArguments(j, ".");
        if (j.lrFromLadder) {
            double lr = 0;
            std::string note;
            if (!ladderRate(jobs, dir, j, lr, note, error)) {
                if (waiting++ == 0) err << "  " << error << "; not in this lease (nor any run like it)\n";
                continue;
            }
            setLearningRate(a, lr);
            err << "  " << j.job.name << ": " << note << "\n";
        }
        a.insert(a.end(), trainWords.begin(), trainWords.end());
        Json args = Json::array();
        for (const auto& w : a)
            args.push(w);
        Json e = Json::object();
        e.set("name", j.job.name);
        e.set("flops", sweepJobFlops(j));
        e.set("args", args);
        list.push(e);
        flops += sweepJobFlops(j);
    }
    Json doc = Json::object();
    doc.set("format", "moescope-lease-jobs");
    doc.set("version", 1);
    doc.set("group", group);
    doc.set("jobs", list);
    if (!writeFileAtomically(path, doc.dump() + "\n", error)) {
        err << error << "\n";
        return 1;
    }
    if (!collectSweepResults(dir, jobs, group, error)) {
        err << error << "\n";
        return 1;
    }
    const int listed = static_cast<int>(list.size());
    char buf[200];
    std::snprintf(buf, sizeof buf,
                  "%d run(s) for a lease (%.3g FLOPs), %d of %zu done, %d waiting for ladders", listed, flops,
                  done, jobs.size(), waiting);
    err << path << ": " << buf << "; results so far in " << dir << "/runs.csv\n";
    if (json) {
        Json j = Json::object();
        j.set("runs", static_cast<int>(jobs.size()));
        j.set("done", done);
        j.set("listed", listed);
        j.set("waiting", waiting);
        j.set("flops", flops);
        j.set("jobs", path);
        out << j.dump() << "\n";
    }
    return 0;
}

} // namespace

int runSweepCommand(const Args& rawArgs, std::ostream& out, std::ostream& err) {
    const CliArgs args(rawArgs, {{"out"},
                                 {"trainer"},
                                 {"group"},
                                 {"data"},
                                 {"tokenizer"},
                                 {"device"},
                                 {"threads"},
                                 {"train-args"},
                                 {"stop-after"},
                                 {"lease-jobs"},
                                 {"json", false}});
    if (args.positionals().size() != 1) throw UsageError("run-sweep: expected one PLAN.json");
    if (!args.has("out")) throw UsageError("option --out is required (the sweep's folder)");
    const std::string planPath = args.positionals()[0], dir = args.value("out");
    const int stopAfter = args.integer("stop-after", 0);
    if (stopAfter < 0) throw UsageError("option --stop-after: must be ≥ 0");
    std::vector<SweepJob> jobs;
    std::string error;
    if (!readSweepPlan(planPath, jobs, error)) {
        err << error << "\n";
        return 2;
    }
    // What a lease cannot do is refused before the sweep's folder is made.
    if (args.has("lease-jobs")) {
        for (const char* name : {"trainer", "data", "tokenizer", "device", "threads", "stop-after"})
            if (args.has(name))
                throw UsageError(
                    std::string("option --") + name +
                    ": a lease's runs are trained by scripts/sweep_lease.py on the lent machine; "
                    "give it there");
        for (const SweepJob& j : jobs)
            if (!j.branchFrom.empty()) {
                err << "option --lease-jobs: run '" << j.job.name << "' branches from '" << j.branchFrom
                    << "', whose checkpoint does not travel back from a lease; plan the sweep without "
                       "--wsd\n";
                return 2;
            }
    }
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
        err << dir << ": cannot create the folder: " << ec.message() << "\n";
        return 1;
    }
    // The folder remembers its plan: resuming into it with another plan would mix two sweeps.
    std::string planText, keptText;
    if (!readWholeFile(planPath, planText, error)) {
        err << error << "\n";
        return 1;
    }
    const std::string kept = (fs::path(dir) / "plan.json").string();
    if (fs::exists(kept)) {
        if (!readWholeFile(kept, keptText, error)) {
            err << error << "\n";
            return 1;
        }
        if (keptText != planText) {
            err << dir << ": holds the runs of another plan (" << kept << " differs from " << planPath
                << "); choose another --out\n";
            return 2;
        }
    } else if (!writeFileAtomically(kept, planText, error)) {
        err << error << "\n";
        return 1;
    }
    const std::string group = args.value("group", fs::path(planPath).stem().string());
    if (args.has("lease-jobs"))
        return exportLeaseJobs(jobs, dir, args.value("lease-jobs"), trainArgWords(args), group,
                               args.has("json"), out, err);
    const std::string trainer = args.value("trainer", defaultTrainer());
    std::vector<std::string> common;
    for (const char* name : {"data", "tokenizer", "device", "threads"})
        if (args.has(name)) common.insert(common.end(), {std::string("--") + name, args.value(name)});
    for (const auto& w : trainArgWords(args))
        common.push_back(w);

    std::signal(SIGINT, onStop);
    std::signal(SIGTERM, onStop);
    double doneFlops = 0, doneSeconds = 0, leftFlops = 0;
    int done = 0, failed = 0, trained = 0;
    for (const SweepJob& j : jobs) {
        const SweepRunState state = sweepRunState(sweepRunDir(dir, j));
        if (state == SweepRunState::Done) {
            ++done;
            continue;
        }
        if (state == SweepRunState::Diverged) {
            ++failed;
            err << sweepRunDir(dir, j) << ": diverged in an earlier try; not retrained (delete the folder to "
                << "train it again)\n";
            continue;
        }
        leftFlops += sweepJobFlops(j);
    }
    if (done) err << dir << ": " << done << " of " << jobs.size() << " run(s) already done; not retrained\n";
    Json events = Json::array();
    for (size_t i = 0; i < jobs.size() && !gStop; ++i) {
        const SweepJob& j = jobs[i];
        const SweepRunState state = sweepRunState(sweepRunDir(dir, j));
        if (state == SweepRunState::Done || state == SweepRunState::Diverged) continue;
        if (stopAfter > 0 && trained >= stopAfter) break;
        const std::string runDir = sweepRunDir(dir, j);
        if (!liesUnder(runDir, dir, error)) { // a link planted in the sweep folder, say
            err << error << "\n";
            return 2;
        }
        fs::create_directories(runDir, ec); // the trainer's log goes there from its first line
        if (ec) {
            err << runDir << ": cannot create the folder: " << ec.message() << "\n";
            return 1;
        }
        std::vector<std::string> a = sweepTrainerArguments(j, dir);
        std::string rateNote;
        if (j.lrFromLadder) {
            double lr = 0;
            if (!ladderRate(jobs, dir, j, lr, rateNote, error)) {
                err << "  " << error << "; not trained\n";
                ++failed;
                leftFlops -= sweepJobFlops(j); // no longer ahead of the sweep's ETA
                continue;
            }
            setLearningRate(a, lr);
            rateNote = "  " + rateNote + "\n";
        }
        a.insert(a.end(), common.begin(), common.end());
        if (state == SweepRunState::Interrupted) a.push_back("--resume");
        const double eta = doneSeconds > 0 ? leftFlops / (doneFlops / doneSeconds) : 0;
        err << "[" << done + failed + 1 << "/" << jobs.size() << "] " << j.job.name
            << (state == SweepRunState::Interrupted ? " (resuming)" : "")
            << (eta > 0 ? "; sweep ETA " + durationText(eta) : std::string()) << "\n"
            << rateNote;
        const int rc = runTrainer(trainer, a, runDir + "/events.jsonl");
        ++trained;
        leftFlops -= sweepJobFlops(j);
        Json ev = Json::object();
        ev.set("name", j.job.name);
        ev.set("exit", rc);
        if (rc == 0) {
            ++done;
            Json result;
            std::string text;
            if (!readWholeFile(runDir + "/result.json", text, error) || !Json::parse(text, result, error)) {
                err << runDir << "/result.json: " << error << "\n";
                return 1;
            }
            doneFlops += result["flops_eq9"].number();
            doneSeconds += result["seconds"].number();
            ev.set("loss", result["loss"]);
            ev.set("seconds", result["seconds"]);
            char buf[160];
            std::snprintf(buf, sizeof buf, "  done: loss %.4f in %s\n", result["loss"].number(),
                          durationText(result["seconds"].number()).c_str());
            err << buf;
        } else if (rc == 130 || gStop) {
            err << "  stopped with a checkpoint; run the same command again to continue\n";
            ev.set("stopped", true);
        } else {
            ++failed;
            const std::string why = lastError(runDir + "/events.jsonl");
            err << "  failed (exit " << rc << "): " << why << "\n";
            ev.set("error", why);
        }
        events.push(ev);
        // After every run, so the sweep's table is current while later runs train.
        if (!collectSweepResults(dir, jobs, group, error)) {
            err << error << "\n";
            return 1;
        }
        if (rc == 130) break;
    }
    if (!collectSweepResults(dir, jobs, group, error)) {
        err << error << "\n";
        return 1;
    }
    const bool complete = done == static_cast<int>(jobs.size());
    double trainedCompute = 0, independentCompute = 0;
    sweepCompute(jobs, trainedCompute, independentCompute);
    if (trainedCompute != independentCompute)
        err << dir << ": the plan " << computeText(trainedCompute, independentCompute) << "\n";
    err << dir << ": " << done << " of " << jobs.size() << " run(s) done" << (failed ? ", " : "")
        << (failed ? std::to_string(failed) + " failed" : "") << "; results in " << dir
        << "/runs.csv (group '" << group << "')\n";
    if (args.has("json")) {
        Json j = Json::object();
        j.set("runs", static_cast<int>(jobs.size()));
        j.set("done", done);
        j.set("failed", failed);
        j.set("complete", complete);
        j.set("trained_flops", trainedCompute);
        j.set("independent_flops", independentCompute);
        j.set("results", (fs::path(dir) / "runs.csv").string());
        j.set("group", group);
        j.set("trained", events);
        out << j.dump() << "\n";
    }
    if (gStop || (!complete && !failed && stopAfter == 0)) return 130;
    return failed ? 1 : 0;
}

} // namespace moescope::cli
