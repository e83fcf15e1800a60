#pragma once
// A planned calibration sweep on disk (the JSON `moescope-cli plan-sweep` writes) and the state of its runs
// in an output folder: what `run-sweep` and the window's trainer dock share, so a sweep killed mid-way
// continues where it stopped, whoever runs it.
#include "core/jobs/TrainerJob.h"
#include "core/model/LadderRuns.h"

#include <string>
#include <vector>

namespace moescope {

struct SweepJob {
    TrainerJob job; // its extra arguments carry the planned --batch
    int batch = 0;
    long long steps = 0;
    std::string device = "cpu"; // the device the plan's time estimate assumed
    double lr = 0;              // the plan's rate (0: the trainer's default); also in job.extra
    std::string ladder;         // the point a learning-rate ladder run trains
    bool lrFromLadder = false;  // lr is a prior the finished ladders correct (finishedLadders)
    std::string branchFrom;     // the stable run (a run of the same plan) this branch leaves
    long long branchAt = 0;
    std::vector<long long> keepAt; // a stable run's branch points (also --keep-at in job.extra)
};

class Json;
// The runs of a plan (plan-sweep's "runs" list, or the configs a workspace's queue holds); false with
// `error` naming `where` and the run (index, field) that is malformed. Jobs come back in training order —
// ladders, then runs from scratch and stable runs, then branches — and a branch must name a stable run of
// the plan that keeps a checkpoint at its branch step.
bool sweepJobsFromJson(const Json& runs, const std::string& where, std::vector<SweepJob>& jobs,
                       std::string& error);
// Reads a plan file; errors as sweepJobsFromJson's, or why the file cannot be read.
bool readSweepPlan(const std::string& path, std::vector<SweepJob>& jobs, std::string& error);

enum class SweepRunState {
    Pending,     // nothing written yet
    Interrupted, // a checkpoint and no result: continue with --resume
    Done,        // result.json written
    Diverged,    // result.json says the loss became non-finite: a failure, not retrained by itself
};
// Eq. 9 FLOPs the planned run trains itself (steps · batch · ctx tokens; a branch only its cooldown), what
// throughput-based ETAs divide.
double sweepJobFlops(const SweepJob& job);
// The state of the run whose folder is `runDir` (its files say it, whoever trained it).
SweepRunState sweepRunState(const std::string& runDir);
std::string sweepRunDir(const std::string& outDir, const SweepJob& job);
// 6·N_a·D the sweep trains (a branch only its cooldown) and what independent runs of the same points would
// (one run per point: a learning-rate ladder's point counts once).
void sweepCompute(const std::vector<SweepJob>& jobs, double& trained, double& independent);
// The trainer's arguments for a job of a sweep trained into `outDir` (a branch names its parent's folder).
std::vector<std::string> sweepTrainerArguments(const SweepJob& job, const std::string& outDir);
std::vector<std::string> branchArguments(const SweepJob& job, const std::string& outDir);

// The finished runs of every learning-rate ladder of the plan, from their results in `outDir`, for a job
// planned with "lr_from": "ladder" (core/fit/LadderTransfer.h's transferredRate gives its rate); false with
// `error` when a ladder run has not finished yet.
bool finishedLadders(const std::vector<SweepJob>& jobs, const std::string& outDir, const SweepJob& job,
                     std::vector<LadderRuns>& ladders, std::string& error);
// `args` with the value after --lr replaced by `lr` (added when absent).
void setLearningRate(std::vector<std::string>& args, double lr);

// Writes OUT/runs.csv from the runs.csv of every finished run of the sweep, with a `group` column naming the
// sweep, so its runs land as a group of their own (and, when the plan has learning-rate ladders, a `ladder`
// column naming each row's point: the importer keeps each ladder's best). Atomic; false with `error` when a
// run's file cannot be read or its header differs. `count` gets the number of runs written.
bool collectSweepResults(const std::string& outDir, const std::vector<SweepJob>& jobs,
                         const std::string& group, std::string& error, int* count = nullptr);

} // namespace moescope
