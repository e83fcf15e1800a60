#pragma once
// Planning a calibration isoFLOP sweep (Abnar et al. §2; Chinchilla Approach 2): for each budget and
// sparsity, a few model sizes spread evenly in log N around the optimum predicted there, each a concrete
// architecture that spends the budget (6·N_a·D = C, D a whole number of steps). Used by `moescope-cli
// plan-sweep` and the window's Plan sweep dialog.
#include "core/fit/Frontier.h"
#include "core/fit/HyperparameterLaw.h"
#include "core/fit/Planner.h"
#include "core/io/Json.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace moescope {

struct SweepOptions {
    std::vector<double> budgets, sparsities;
    int sizes = 5;
    double spread = 0.7; // decades of N from the centre to the smallest and the largest size
    ArchitectureFamily family;
    int batch = 16;     // sequences per step, lowered for a run that would otherwise take < minSteps
    int minSteps = 100; // below this the learning-rate schedule is mostly warm-up
    std::string device = "cpu";
    double flopsPerSecond = 0; // sustained Eq. 9 FLOP/s for the time estimate; 0: the device's default
    // How each run is trained (HyperparameterLaw.h): the runs' fitted laws when given, else the preset;
    // batchFromLaw: the advised batch replaces `batch` (the user gave none).
    const HparamLaws* hparams = nullptr;
    const HparamPreset* hparamPreset = nullptr;
    bool batchFromLaw = false;
    // #33: K ≥ 2 learning rates, `ladderFactor` apart, on each size of the smallest budget; the later runs
    // train at the law's rate corrected by what the ladders found (LadderTransfer.h).
    int lrLadder = 0;
    double ladderFactor = 2;
    // Stable runs with cooldown branches: one WSD run per (sparsity, size) on a ladder of sizes shared by
    // the budgets, trained for the largest budget it serves, keeping a checkpoint where each smaller
    // budget's cooldown starts; those budgets are branches from it.
    bool wsd = false;
    double decayFrac = 0.2;
};

// The optimum's total parameters N* at (budget, sparsity), and where it comes from.
struct SweepCentre {
    std::function<double(double budget, double sparsity)> params;
    std::string source;
};

struct SweepRun {
    std::string name;
    double budget = 0, sparsity = 0;
    double centreParams = 0; // the N* the sizes are spread around
    PlannedConfig config;    // tokens = steps·batch·ctx, flops = 6·N_a·tokens
    int batch = 0;
    long long steps = 0;
    double lr = 0;              // 0: the trainer's default (no preset given)
    long long warmupSteps = -1; // -1: the trainer's default
    std::string hparamsSource;
    double estimatedSeconds = 0;
    std::string ladder;        // the sweep point a learning-rate ladder run trains (empty: not one)
    bool lrFromLadder = false; // lr is the law's prior; run-sweep corrects it by the finished ladders
    std::string schedule;      // "wsd" or empty (the trainer's cosine)
    std::string branchFrom;    // the stable run this branch leaves (empty: trained from scratch)
    long long branchAt = 0;
    std::vector<long long> keepAt; // a stable run's branch points
    double trainedFlops = 0;       // 6·N_a·(tokens this run trains itself): a branch only its cooldown
};

struct SweepPlan {
    std::vector<SweepRun> runs;
    std::string centreSource, device;
    double flopsPerSecond = 0;
    std::vector<std::string> warnings; // sizes that collapsed onto one architecture, runs with few steps
    double decayFrac = 0.2;            // of the WSD runs
    std::string hparamPreset;          // the preset the rates come from (a ladder corrects it)
    double trainedFlops = 0;           // 6·N_a·D the plan trains
    double independentFlops = 0;       // 6·N_a·D of every point trained from scratch (its ladders too)
    double totalSeconds() const;
};

// Sustained Eq. 9 FLOP/s assumed for a device when none is measured: "cpu" a small model on two cores
// (measured on the project's 2-core CI machine), "cuda" an H100 at 35 % MFU.
double defaultFlopsPerSecond(const std::string& device);

// Chinchilla's rule of thumb, D ≈ 20·N_a, when neither runs nor a law say where the optimum is: N_a* =
// √(C/120), and N the family's model with that N_a at the sparsity.
SweepCentre heuristicCentre(const ArchitectureFamily& family);
// The law's optimum over d at each (budget, sparsity) along the family.
SweepCentre lawCentre(const ParametricLaw& law, const std::vector<double>& parameters,
                      const ArchitectureFamily& family, const std::string& source);

// From fitted frontiers (the preferred first, e.g. the recommended one): the first that answers at the
// budget; at a sparsity none of them swept, the N_a* of the nearest swept level, as a model of the family at
// the requested sparsity.
SweepCentre frontierCentre(std::vector<std::shared_ptr<const FrontierMethod>> methods,
                           const ArchitectureFamily& family, const std::string& source);

// Throws std::invalid_argument naming the option (--budgets, --sparsities, --sizes, --spread, --batch,
// --lr-ladder, --decay-frac) when the request cannot be planned. Runs come in training order: ladders, then
// runs from scratch and stable runs, then branches.
SweepPlan planSweep(const SweepOptions& options, const SweepCentre& centre);

// `plan-sweep --json`: {"runs": [...], "centre", "device", "flops_per_second", "total_seconds", "warnings"};
// each run with the fields of the calibration issue (budget, sparsity, d_model, ..., estimated_seconds,
// device) and its name.
Json sweepPlanJson(const SweepPlan& plan);

} // namespace moescope
