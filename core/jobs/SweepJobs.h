#pragma once
// A planned calibration sweep on disk (the JSON `moescope-cli plan-sweep` writes) and the state of its runs
// in an output folder: what `run-sweep` and the window's trainer dock share, so a sweep killed mid-way
// continues where it stopped, whoever runs it.
#include "core/jobs/TrainerJob.h"

#include <string>
#include <vector>

namespace moescope {

struct SweepJob {
    TrainerJob job; // its extra arguments carry the planned --batch
    int batch = 0;
    long long steps = 0;
    std::string device = "cpu"; // the device the plan's time estimate assumed
};

class Json;
// The runs of a plan (plan-sweep's "runs" list, or the configs a workspace's queue holds); false with
// `error` naming `where` and the run (index, field) that is malformed.
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
// Eq. 9 FLOPs of the planned run (steps · batch · ctx tokens), what throughput-based ETAs divide.
double sweepJobFlops(const SweepJob& job);
// The state of the run whose folder is `runDir` (its files say it, whoever trained it).
SweepRunState sweepRunState(const std::string& runDir);
std::string sweepRunDir(const std::string& outDir, const SweepJob& job);

// Writes OUT/runs.csv from the runs.csv of every finished run of the sweep, with a `group` column naming the
// sweep, so its runs land as a group of their own. Atomic; false with `error` when a run's file cannot be
// read or its header differs. `count` gets the number of runs written.
bool collectSweepResults(const std::string& outDir, const std::vector<SweepJob>& jobs,
                         const std::string& group, std::string& error, int* count = nullptr);

} // namespace moescope
