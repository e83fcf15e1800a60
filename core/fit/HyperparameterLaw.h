#pragma once
// Learning-rate and batch laws (ARCHITECTURE.md §4): from runs that vary the learning rate (and the batch)
// at fixed size and tokens, each cell's optimum by a quadratic in log lr (and log batch) around its best run,
// then power laws across cells — η*(N_a, D) = c·N_a^a·D^b and B*(D) = k·D^e — with bootstrap intervals;
// and the published laws as presets, usable without data. Every plan's "how to train it" comes from here.
#include "core/fit/IsoflopAnalysis.h"
#include "core/io/Json.h"
#include "core/model/Accounting.h"
#include "core/model/Run.h"

#include <optional>
#include <string>
#include <vector>

namespace moescope {

// Where the learning rate and the batch of a run are read from: the first column of each list the runs
// have. A batch given in sequences is turned into tokens with the run's ctx.
struct HparamColumns {
    std::vector<std::string> lr{"lr", "learning_rate"};
    std::vector<std::string> batchTokens{"batch_tokens", "batch_size_tokens"};
    std::vector<std::string> batchSequences{"batch", "batch_size"};
};

// The runs at one active size and token count.
struct HparamCell {
    double activeParams = 0, tokens = 0;
    int runs = 0, lrLevels = 0, batchLevels = 0;
    double bestLoss = 0;
    // The optimum by the quadratic; NaN with the reason when the cell cannot place it (fewer than three
    // levels, the best run on the edge of what was tried, a quadratic that does not open upwards).
    double lr = 0, batchTokens = 0;
    std::string lrWhy, batchWhy;
};

// y = coefficient · Π x_i^exponent_i, fitted in log space over the cells; each exponent with its 95 % band.
struct HparamPowerLaw {
    std::vector<std::string> variables; // "N_a", "D" or "C"
    Band coefficient;
    std::vector<Band> exponents;
    int cells = 0;
    double rmsLog = 0; // residual scatter in ln y
    // Empty when fitted; otherwise why the data cannot determine it (and every number above is meaningless).
    std::string undetermined;
    // An exponent the cells cannot separate (one level of its variable, collinear with another): fixed at 0
    // and named here with the reason.
    std::vector<std::string> dropped;
    std::vector<std::vector<double>> replicates; // bootstrap refits: coefficient then exponents
    bool determined() const { return undetermined.empty(); }
    // At values for `variables` in order; NaN when undetermined.
    double operator()(const std::vector<double>& x) const;
    Band band(const std::vector<double>& x) const;
};

struct HparamLaws {
    std::vector<HparamCell> cells;
    HparamPowerLaw lr;    // over N_a, D
    HparamPowerLaw batch; // over D
    std::string lrColumn, batchColumn;
    std::vector<std::string> warnings;
};

struct HparamFitOptions {
    HparamColumns columns;
    int bootstrap = 1000;
    unsigned long long seed = 1;
};

// One ladder's optimum learning rate from its (lr, loss) trials, placed as a cell's is; NaN with the reason.
double learningRateOptimum(const std::vector<double>& lrs, const std::vector<double>& losses,
                           std::string& why);

// Throws std::invalid_argument naming the column when the runs carry no learning rate at all.
HparamLaws fitHparamLaws(const RunTable& table, const HparamFitOptions& options = {});

// The runs' laws when they carry a learning-rate column (none otherwise), with `bootstrap` refits: what the
// CLI's plans and the window's answer advise from (adviseTraining uses them only where determined).
std::optional<HparamLaws> fitHparamLawsIfAny(const RunTable& table, int bootstrap = 200);

// A published law: η and B (tokens) at N_a (active non-embedding parameters), D and C = 6·N_a·D.
struct HparamPreset {
    std::string id, source;
    double (*lr)(double activeNonEmbedding, double tokens, double compute);
    double (*batchTokens)(double activeNonEmbedding, double tokens, double compute);
};
const std::vector<HparamPreset>& hparamPresets();
inline constexpr const char* kDefaultHparamPreset = "steplaw"; // --hparams's default, the window's too
const HparamPreset* findHparamPreset(const std::string& id);

// What a plan says about training a model: from the runs' fitted laws when both are determined, else from
// the preset.
struct TrainingAdvice {
    double lr = 0, batchTokens = 0;
    long long batchSequences = 0, warmupSteps = 0, steps = 0;
    Band lrBand, batchBand; // from a fitted law; NaN bounds for a preset
    std::string source;     // "fitted: η*(N_a, D) from 12 cells" or the preset's citation
};
TrainingAdvice adviseTraining(double activeNonEmbedding, double tokens, double ctx, const HparamLaws* fitted,
                              const HparamPreset& preset);
// The same for a model of the family: a preset sees N_a without the output projection (the papers count
// parameters without the vocabulary), a fitted law N_a as the runs state it.
TrainingAdvice adviseTrainingFor(const Architecture& arch, double tokens, const HparamLaws* fitted,
                                 const HparamPreset& preset);

// moescope-train's options for the advice: --lr, --batch (sequences), --warmup.
std::vector<std::string> trainerOptions(const TrainingAdvice& advice);
// Sets lr, lr_lo, lr_hi, batch_tokens, batch (sequences), warmup_steps and hparams_source on a config
// object (ConfigJson.h): what every plan-making command and the window's answer add.
void addTraining(Json& config, const TrainingAdvice& advice);

} // namespace moescope
