#include "app/cli/SlurmArgs.h"

#include "core/io/AtomicFile.h"

#include <ostream>
#include <sstream>
#include <stdexcept>

namespace moescope::cli {

std::vector<std::string> trainArgWords(const CliArgs& args) {
    std::vector<std::string> out;
    std::string error;
    if (!splitArguments(args.value("train-args"), out, error))
        throw UsageError("option --train-args: " + error);
    return out;
}

int writeSlurmScript(const CliArgs& args, const std::vector<TrainerJob>& jobs, std::ostream& err) {
    std::string script, error;
    try {
        script = slurmArrayScript(jobs, args.value("shared-dir"), args.value("trainer", "moescope-train"),
                                  kDefaultSbatchOptions, args.integer("gpus-per-task", 1));
    } catch (const std::invalid_argument& e) {
        throw UsageError(std::string("option --slurm: ") + e.what());
    }
    if (!writeFileAtomically(args.value("slurm"), script, error)) {
        err << error << "\n";
        return 1;
    }
    err << args.value("slurm") << ": Slurm array of " << jobs.size() << " runs into "
        << args.value("shared-dir") << "\n";
    return 0;
}

} // namespace moescope::cli
