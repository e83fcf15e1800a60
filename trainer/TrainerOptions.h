#pragma once
// moescope-train's options (ARCHITECTURE.md §7), parsed and checked before any tensor exists: an invalid
// configuration exits 2 with a message naming the option, never after minutes of compute.
#include "core/model/Accounting.h"

#include <stdexcept>
#include <string>
#include <vector>

namespace moescope::trainer {

struct OptionError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct TrainerOptions {
    // Architecture
    int dModel = 256, layers = 4, heads = 4, experts = 8, active = 1, ctx = 256, vocab = 256;
    double granularity = 1;
    // Length: exactly one of steps / tokens / budget decides it.
    long long steps = 0;
    double tokens = 0, budget = 0;
    int batch = 16, gradAccum = 1;
    double lr = 3e-3, lb = 0.01, z = 0.001, wd = 1e-5;
    int warmup = -1; // -1: 5 % of the steps
    // Schedule.h: cosine (default) or wsd, whose cooldown is the last decayFrac of the steps.
    std::string schedule = "cosine", decayShape = "sqrt";
    double decayFrac = 0.2;
    // Stable-phase checkpoints kept for cooldown branches (OUT/branch-points/step-S.pt).
    std::vector<long long> keepAt;
    // A cooldown branch: starts from the parent run's kept checkpoint at branchAt, its own stable phase's
    // end, and trains only the cooldown.
    std::string branchFrom;
    long long branchAt = 0;
    unsigned long long seed = 1;
    std::string data;      // text file or folder, .bin token file, or a folder of them
    std::string tokenizer; // SentencePiece model (.model); byte-level when empty
    double valFrac = 0.05;
    int evalEvery = 100, evalBatches = 8;
    long long checkpointEvery = 0; // 0: only at the end and on signals
    long long stopAt = 0;          // checkpoint and stop after this step (a planned interruption)
    std::string device = "auto", dtype = "auto";
    std::string expertsGemm = "auto"; // auto | grouped | loop (MoeTransformer.h's ExpertsGemm)
    std::string adamw = "auto";       // auto | fused | loop (FusedAdamW.h; auto: fused on CUDA when built)
    std::string loss = "auto";        // auto | full | chunked (ChunkedCrossEntropy.h; auto: chunked on CUDA)
    std::string norm = "auto"; // auto | fused | plain (RmsNormImpl::fused; auto: fused on CUDA when built)
    std::string out = "moescope-run", name;
    bool resume = false;
    bool bench = false;
    int benchSteps = 10;
    std::string benchTrace; // Chrome trace of two further steps (BenchTrace.h); none when empty
    int threads = 0;
    // Data parallelism: --nproc local ranks, or the ranks a launcher (torchrun, Slurm) started; --batch is
    // per rank, so a step trains batch × world sequences.
    int nproc = 1;
    double distTimeout = 300; // seconds a rank waits for the others
    int world = 1, rank = 0;  // from the environment (Distributed.h), not an option

    Architecture architecture() const;
    long long tokensPerStep() const { return static_cast<long long>(batch) * ctx * gradAccum * world; }
    // Steps implied by --steps, --tokens or --budget (D = C / (6·N_a)).
    long long plannedSteps() const;
};

// The options a resumed run must share with the run that wrote the checkpoint, keyed by option name:
// architecture, batching, optimiser, seed, data and planned length.
std::string resumeSignature(const TrainerOptions& o);

// The options a cooldown branch must share with its parent: the resume signature without what only the
// length and the cooldown decide (steps, warm-up as given, decay fraction and shape).
std::string branchSignature(const TrainerOptions& o);
// Where a run keeps its stable-phase checkpoint at `step` for branches.
std::string branchPointPath(const std::string& outDir, long long step);

// Parses argv (without the program name). Throws OptionError naming the option.
TrainerOptions parseTrainerOptions(const std::vector<std::string>& args);
// Checks the combination (K ≤ E, heads divide d, budget worth one step, data present...).
void validate(const TrainerOptions& o);
std::string trainerUsage();
// The corpus the set-up installs (ARCHITECTURE.md §7): $MOESCOPE_CORPUS_DIR or ~/.cache/moescope/corpus.
std::string defaultCorpus();

} // namespace moescope::trainer
