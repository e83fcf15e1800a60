#pragma once
// One calibration run to train, and the ways to launch it: moescope-train's arguments, and a Slurm array
// job script that runs a list of them, one per task, into a shared folder.
#include "core/model/Accounting.h"

#include <string>
#include <vector>

namespace moescope {

struct TrainerJob {
    std::string name; // also the run's folder under the output directory
    Architecture arch;
    int heads = 1;
    double budget = 0;              // FLOPs; D = C/(6·N_a)
    std::vector<std::string> extra; // further moescope-train options (--batch, --lr, --data...)
};

// A readable job name from its architecture and budget: "d1024-l11-e32k1-c1e+19".
std::string defaultJobName(const TrainerJob& job);
// moescope-train's arguments; --out OUTDIR/NAME unless `outDir` is empty (the caller adds its own).
std::vector<std::string> trainerArguments(const TrainerJob& job, const std::string& outDir);
inline constexpr const char* kDefaultSbatchOptions = "--gres=gpu:1 --time=24:00:00";
// A `#SBATCH --array=0-(n-1)` script; task i trains jobs[i] into SHARED/NAME. `trainer` is the path of
// moescope-train on the cluster. Arguments are single-quoted for the shell and #SBATCH values double-quoted
// for sbatch. gpusPerTask > 1: each task holds that many GPUs (--gpus-per-task, in place of the default
// --gres=gpu:1) and its trainer runs as many data-parallel ranks (--nproc). Throws std::invalid_argument
// naming the value when one holds a control character (or, on an #SBATCH line, a quote or backslash), since
// such text could end a line and run as a command.
std::string slurmArrayScript(const std::vector<TrainerJob>& jobs, const std::string& sharedDir,
                             const std::string& trainer,
                             const std::string& sbatchOptions = kDefaultSbatchOptions, int gpusPerTask = 1);
// Words of a command-line fragment (--train-args '--lr 1e-3 --data "my corpus.txt"') by the shell's quoting
// rules — single quotes literal, double quotes with \" \\ \$ \` escapes, a backslash escaping the next
// character — without running a shell; false with `error` on an unterminated quote or a control character.
bool splitArguments(const std::string& text, std::vector<std::string>& words, std::string& error);
std::string shellQuote(const std::string& s);

} // namespace moescope
