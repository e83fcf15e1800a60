// `plan-sweep` (core/fit/SweepPlanner.h plans; this file reads options and writes JSON, a Slurm script or a
// workspace's trainer queue) and `run-sweep` (trains a plan with moescope-train, one run at a time,
// resumable as a whole: core/jobs/SweepJobs.h says which runs are done).
#include "app/cli/CliArgs.h"
#include "app/cli/Commands.h"
#include "app/cli/ExtrapolationArgs.h"
#include "app/cli/PlanArgs.h"
#include "app/cli/RunSource.h"
#include "app/cli/SlurmArgs.h"
#include "app/cli/TrainingArgs.h"
#include "core/fit/Extrapolation.h"
#include "core/fit/LadderTransfer.h"
#include "core/fit/SweepPlanner.h"
#include "core/io/AtomicFile.h"
#include "core/io/CsvWriter.h"
#include "core/io/PathNames.h"
#include "core/io/TextFile.h"
#include "core/jobs/DurationText.h"
#include "core/jobs/SweepJobs.h"
#include "core/store/Workspace.h"

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

// "trains 4.1e12 FLOPs (6·N_a·D), 46 % of the 8.9e12 independent runs of the same points would".
std::string computeText(double trained, double independent) {
    char buf[200];
    std::snprintf(buf, sizeof buf,
                  "trains %.3g FLOPs (6·N_a·D), %.0f %% of the %.3g that independent runs of the same points "
                  "would",
                  trained, 100 * trained / std::max(independent, 1e-300), independent);
    return buf;
}

SweepCentre centreFromArgs(const CliArgs& args, SweepOptions& o, std::ostream& err, int& code, bool& ok) {
    ok = true;
    if (args.has("around") && args.has("preset"))
        throw UsageError("options --around and --preset: give one place to centre the sweep");
    if (args.has("preset")) {
        auto preset = makePreset(args.value("preset"));
        if (!preset) throw UsageError("option --preset: unknown law '" + args.value("preset") + "'");
        try {
            return lawCentre(*preset->law, preset->parameters, o.family, "preset " + args.value("preset"));
        } catch (const std::invalid_argument& e) {
            throw UsageError("option --preset: " + std::string(e.what()));
        }
    }
    if (!args.has("around")) return heuristicCentre(o.family);
    const std::string file = args.value("around");
    ExtrapolationOptions eo = extrapolationOptionsFromArgs(args);
    RunTable runs;
    if (!loadPlannedRuns(file, args, eo.plan, runs, err, code)) {
        ok = false;
        return {};
    }
    // The sweep trains what the runs trained unless an option says otherwise.
    const ArchitectureFamily family = familyOf(runs);
    if (!args.has("vocab")) o.family.vocab = family.vocab;
    if (!args.has("ctx")) o.family.ctx = family.ctx;
    if (!args.has("aspect")) o.family.aspect = family.aspect;
    if (!args.has("granularity")) o.family.granularity = family.granularity;
    if (!args.has("active")) o.family.activeExperts = family.activeExperts;
    const FittedMethods fitted = fitMethods(runs, eo);
    // --law names the method to centre on; otherwise the one a nested backtest recommends.
    const std::string law = args.value("law", "auto");
    const std::string preferred = law != "auto" ? law : recommendMethod(runs, fitted, eo).method;
    if (law != "auto" && !fitted.find(law))
        throw UsageError("option --law: " + law + " could not be fitted to " + file);
    std::vector<std::shared_ptr<const FrontierMethod>> ordered;
    if (const auto* best = fitted.find(preferred))
        for (const auto& m : fitted.methods)
            if (m.get() == best) ordered.push_back(m);
    for (const auto& m : fitted.methods)
        if (m->name() != preferred) ordered.push_back(m);
    if (ordered.empty()) {
        err << file << ": no method could be fitted to centre the sweep";
        for (const auto& [m, why] : fitted.problems)
            err << "; " << m << ": " << why;
        err << "\n";
        code = 2;
        ok = false;
        return {};
    }
    return frontierCentre(ordered, o.family, file + " (" + ordered.front()->name() + ")");
}

int queueIntoWorkspace(const std::string& path, const Json& plan, const std::string& sweep,
                       std::ostream& err) {
    Workspace ws;
    std::string error;
    if (!ws.open(path, error, Workspace::Mode::Existing)) {
        err << error << "\n";
        return workspaceExitCode(ws.lastFailure());
    }
    for (Json run : plan["runs"].items()) {
        run.set("sweep", sweep); // the window trains it as that run group
        if (ws.addJob({0, run["name"].string(), run.dump(), "queued", "", ""}, error) == 0) {
            err << path << ": " << error << "\n";
            return 1;
        }
    }
    err << path << ": " << plan["runs"].size() << " run(s) queued for the window's trainer\n";
    return 0;
}

} // namespace

int planSweepCommand(const Args& rawArgs, std::ostream& out, std::ostream& err) {
    std::vector<OptionSpec> specs = planOptions();
    for (auto& o : importOptions())
        specs.push_back(o);
    for (const char* name : {"budgets",       "sparsities", "sizes",         "spread",     "granularity",
                             "vocab",         "ctx",        "aspect",        "active",     "batch",
                             "min-steps",     "around",     "preset",        "device",     "flops-per-second",
                             "out",           "slurm",      "shared-dir",    "trainer",    "train-args",
                             "gpus-per-task", "queue",      "group",         "loss-floor", "tolerance",
                             "hparams",       "lr-ladder",  "ladder-factor", "decay-frac"})
        specs.push_back({name});
    specs.push_back({"json", false});
    specs.push_back({"wsd", false});
    const CliArgs args(rawArgs, specs);
    if (!args.positionals().empty())
        throw UsageError("plan-sweep: takes no FILE (centre on runs with --around FILE)");
    if (args.has("slurm") && (args.has("wsd") || args.has("lr-ladder")))
        throw UsageError("option --slurm: a Slurm array starts its tasks at once, but --wsd branches and "
                         "--lr-ladder transfers wait for earlier runs; train such a plan with run-sweep");
    if (args.has("decay-frac") && !args.has("wsd"))
        throw UsageError("option --decay-frac: applies to --wsd plans only");
    if (args.has("slurm") && !args.has("shared-dir"))
        throw UsageError("option --slurm needs --shared-dir (where the runs write)");
    std::string nameError;
    if (args.has("group") && !checkPathName(args.value("group"), "option --group", nameError))
        throw UsageError(nameError + " (the group names the folder its runs train in)");
    SweepOptions o;
    o.budgets = args.numbers("budgets");
    o.sparsities = args.has("sparsities") ? args.numbers("sparsities") : std::vector<double>{0};
    o.sizes = args.integer("sizes", o.sizes);
    o.spread = args.number("spread", o.spread);
    // --batch law: each run's batch from the learning-rate/batch law (--hparams or the runs' own).
    o.batchFromLaw = args.value("batch", "") == "law";
    if (!o.batchFromLaw) o.batch = args.integer("batch", o.batch);
    o.hparamPreset = &hparamPresetFromArgs(args);
    o.minSteps = args.integer("min-steps", o.minSteps);
    o.lrLadder = args.integer("lr-ladder", 0);
    o.ladderFactor = args.number("ladder-factor", o.ladderFactor);
    o.wsd = args.has("wsd");
    o.decayFrac = args.number("decay-frac", o.decayFrac);
    o.device = args.value("device", "cpu");
    o.flopsPerSecond = args.number("flops-per-second", 0);
    o.family.vocab = args.number("vocab", 256);
    o.family.ctx = args.number("ctx", 128);
    o.family.aspect = args.number("aspect", 32);
    o.family.granularity = args.number("granularity", 1);
    o.family.activeExperts = args.integer("active", 1);
    if (!(o.family.vocab >= 2) || !(o.family.ctx >= 2) || !(o.family.aspect > 0) ||
        !(o.family.granularity > 0) || o.family.activeExperts < 1)
        throw UsageError("options --vocab, --ctx, --aspect, --granularity, --active: must be positive");
    int code = 0;
    bool ok = true;
    const SweepCentre centre = centreFromArgs(args, o, err, code, ok);
    if (!ok) return code;
    // Runs to centre on may carry a learning-rate ladder: their fitted law then sets each run's rate.
    const std::optional<HparamLaws> fitted =
        args.has("around") ? fittedHparams(args.value("around"), args) : std::nullopt;
    if (fitted) o.hparams = &*fitted;
    SweepPlan plan;
    try {
        plan = planSweep(o, centre);
    } catch (const std::invalid_argument& e) {
        const std::string what = e.what();
        if (what.rfind("option --", 0) == 0) throw UsageError(what);
        err << "plan-sweep: " << what << "\n";
        return 2;
    }
    for (const auto& w : plan.warnings)
        err << "plan-sweep: warning: " << w << "\n";
    const Json j = sweepPlanJson(plan);
    std::string error;
    if (args.has("out") && !writeFileAtomically(args.value("out"), j.dump() + "\n", error)) {
        err << error << "\n";
        return 1;
    }
    if (args.has("slurm")) {
        std::vector<TrainerJob> jobs;
        for (const SweepRun& r : plan.runs) {
            std::vector<std::string> extra = {"--batch", std::to_string(r.batch)};
            if (r.lr > 0) extra.insert(extra.end(), {"--lr", formatNumber(r.lr)});
            if (r.warmupSteps >= 0) extra.insert(extra.end(), {"--warmup", std::to_string(r.warmupSteps)});
            for (const auto& w : trainArgWords(args))
                extra.push_back(w);
            jobs.push_back({r.name, r.config.arch, r.config.heads, r.budget, extra});
        }
        if (const int code = writeSlurmScript(args, jobs, err)) return code;
    }
    if (args.has("queue")) {
        const int q = queueIntoWorkspace(args.value("queue"), j, args.value("group", "sweep"), err);
        if (q != 0) return q;
    }
    err << "plan-sweep: " << plan.runs.size() << " run(s) around " << plan.centreSource << "; about "
        << durationText(plan.totalSeconds()) << " on " << plan.device << "\n";
    if (o.wsd || o.lrLadder)
        err << "plan-sweep: " << computeText(plan.trainedFlops, plan.independentFlops) << "\n";
    if (args.has("json")) {
        out << j.dump() << "\n";
        return 0;
    }
    for (const SweepRun& r : plan.runs) {
        char buf[300];
        std::snprintf(
            buf, sizeof buf,
            "%-32s C %.3g S %.3g: d_model %g, %g layers, E %g: N %.3g, N_a %.3g, D %.3g (%lld steps "
            "× %d), ~%s\n",
            r.name.c_str(), r.budget, r.sparsity, r.config.arch.d_model, r.config.arch.n_layers,
            r.config.arch.experts, r.config.params, r.config.activeParams, r.config.tokens, r.steps, r.batch,
            durationText(r.estimatedSeconds).c_str());
        out << buf;
    }
    return 0;
}

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
    const std::string trainer = args.value("trainer", defaultTrainer());
    const std::string group = args.value("group", fs::path(planPath).stem().string());
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
            std::string source;
            std::vector<LadderRuns> ladders;
            if (!finishedLadders(jobs, dir, j, ladders, error) ||
                !transferredRate(ladders, j.lr, activeParams(j.job.arch), lr, source, error)) {
                err << "  " << error << "; not trained\n";
                ++failed;
                leftFlops -= sweepJobFlops(j); // no longer ahead of the sweep's ETA
                continue;
            }
            setLearningRate(a, lr);
            rateNote = "  lr " + formatNumber(lr) + " (planned " + formatNumber(j.lr) + ", " + source + ")\n";
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
