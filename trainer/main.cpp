// moescope-train: trains one small MoE language model and reports JSON Lines on stdout (ARCHITECTURE.md §7).
#include "trainer/CudaDevice.h"
#include "trainer/Distributed.h"
#include "trainer/EventLog.h"
#include "trainer/Trainer.h"

#include <c10/util/Exception.h>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    using namespace moescope::trainer;
    TrainerOptions options;
    DistEnv env;
    try {
        const std::vector<std::string> args(argv + 1, argv + argc);
        if (!args.empty() && args[0] == "--devices") {
            if (args.size() > 2 || (args.size() == 2 && args[1] != "--json"))
                throw OptionError("option --devices: takes only --json");
            return printDevices(args.size() == 2);
        }
        options = parseTrainerOptions(args);
        env = distEnvFromEnvironment();
        // --nproc N in a single process (a shell, or a Slurm task holding N GPUs): start the N ranks here.
        if (options.nproc > 1 && env.world == 1) {
            // The launcher checks the options as its ranks will, so a bad one exits 2 before any fork.
            TrainerOptions ranked = options;
            ranked.world = options.nproc;
            if (options.bench) throw OptionError("option --nproc: --bench measures one process");
            validate(ranked);
            return launchLocalRanks(options.nproc, args);
        }
        options.world = env.world;
        options.rank = env.rank;
        eventRank() = env.rank;
        if (options.nproc > 1 && options.nproc != env.world)
            throw OptionError("option --nproc " + std::to_string(options.nproc) + ": the launcher started " +
                              std::to_string(env.world) + " ranks (WORLD_SIZE)");
        if (options.bench && env.world > 1)
            throw OptionError("option --bench: measures one process, not ranks");
        if (!options.bench) validate(options);
    } catch (const OptionError& e) {
        if (std::string(e.what()) == "help") {
            std::fputs(trainerUsage().c_str(), stdout);
            return 0;
        }
        std::fprintf(stderr, "moescope-train: %s\n", e.what());
        emitError(e.what());
        return 2;
    }
    try {
        return options.bench ? benchmark(options) : train(options, env);
    } catch (const OptionError& e) {
        std::fprintf(stderr, "moescope-train: %s\n", e.what());
        emitError(e.what());
        return 2;
    } catch (const std::runtime_error& e) {
        // TokenData and the device check name their option: still invalid input, found while loading.
        const std::string what = e.what();
        const bool optionProblem = what.rfind("option --", 0) == 0;
        std::fprintf(stderr, "moescope-train: %s\n", what.c_str());
        emitError(what);
        return optionProblem ? 2 : 1;
    } catch (const c10::Error& e) {
        // LibTorch's own failures: the message without its C++ stack frames.
        emitError(std::string("internal error: ") + e.what_without_backtrace());
        return 1;
    } catch (const std::exception& e) {
        emitError(std::string("internal error: ") + e.what());
        return 1;
    }
}
