#include "core/fit/HyperparameterLaw.h"

#include "core/fit/FrontierTrends.h"
#include "core/fit/Statistics.h"
#include "core/io/CsvWriter.h"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <stdexcept>

namespace moescope {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Trial {
    double logLr, logBatch, loss;
};

// Levels of a variable among trials, sorted (equal within 1e-6 in log space).
std::vector<double> levelsOf(const std::vector<Trial>& trials, double Trial::*v) {
    std::vector<double> levels;
    for (const Trial& t : trials)
        levels.push_back(t.*v);
    std::sort(levels.begin(), levels.end());
    levels.erase(std::unique(levels.begin(), levels.end(), [](double a, double b) { return b - a < 1e-6; }),
                 levels.end());
    return levels;
}

int levelIndex(const std::vector<double>& levels, double x) {
    for (size_t i = 0; i < levels.size(); ++i)
        if (std::fabs(levels[i] - x) < 1e-6) return static_cast<int>(i);
    return -1;
}

// The optimum of loss along one variable among `trials` (the others held where they are): a quadratic in the
// log of the variable through the best level and up to two levels each side. NaN with the reason when it
// cannot be placed.
double optimumAlong(const std::vector<Trial>& trials, double Trial::*v, const char* what, std::string& why) {
    const std::vector<double> levels = levelsOf(trials, v);
    if (levels.size() < 3) {
        why = std::to_string(levels.size()) + " " + what + (levels.size() == 1 ? " was" : "s were") +
              " tried; three or more place an optimum";
        return kNaN;
    }
    // Each level's best loss (another variable may vary within a level).
    std::vector<double> best(levels.size(), std::numeric_limits<double>::infinity());
    for (const Trial& t : trials) {
        const int i = levelIndex(levels, t.*v);
        best[i] = std::min(best[i], t.loss);
    }
    const int m = static_cast<int>(std::min_element(best.begin(), best.end()) - best.begin());
    if (m == 0 || m + 1 == static_cast<int>(levels.size())) {
        why = std::string("the best ") + what + " is the " + (m == 0 ? "smallest" : "largest") +
              " tried; the optimum lies beyond the ladder";
        return kNaN;
    }
    const int lo = std::max(0, m - 2), hi = std::min<int>(levels.size() - 1, m + 2);
    Eigen::MatrixXd A(hi - lo + 1, 3);
    Eigen::VectorXd y(hi - lo + 1);
    for (int i = lo; i <= hi; ++i) {
        const double x = levels[i] - levels[m];
        A.row(i - lo) << 1.0, x, x * x;
        y(i - lo) = best[i];
    }
    const Eigen::Vector3d c = A.colPivHouseholderQr().solve(y);
    if (!(c(2) > 0)) {
        why = std::string("the losses around the best ") + what + " do not curve upwards";
        return kNaN;
    }
    // Within the levels fitted: a quadratic's vertex outside its points is an extrapolation.
    const double x = std::clamp(-c(1) / (2 * c(2)), levels[lo] - levels[m], levels[hi] - levels[m]);
    return std::exp(levels[m] + x);
}

struct Design {
    std::vector<std::vector<double>> x; // per cell: ln of each variable
    std::vector<double> y;              // ln of the optimum
};

// Ordinary least squares of y on [1, x...]; coefficients, or empty when singular.
Eigen::VectorXd leastSquares(const Eigen::MatrixXd& X, const Eigen::VectorXd& y) {
    Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(X);
    if (qr.rank() < X.cols()) return {};
    return qr.solve(y);
}

// The law over `names` from the cells' optima. A variable with one level, or one that moves with another
// (|r| > 0.995 in log space), is dropped with the reason; fewer cells than parameters + 1 leave it
// undetermined. Intervals: a residual bootstrap (residuals inflated by √(n/(n−p)), so their spread is the
// unbiased one), each replicate's percentile band widened by t₀.₉₇₅(n−p)/1.96 — the project's reading of
// small-sample bootstrap bands (ARCHITECTURE.md §4).
HparamPowerLaw fitLaw(const std::vector<std::string>& names, const Design& d, int bootstrap,
                      unsigned long long seed) {
    HparamPowerLaw law;
    law.variables = names;
    law.cells = static_cast<int>(d.y.size());
    law.exponents.assign(names.size(), Band{0, kNaN, kNaN});
    std::vector<int> kept;
    for (size_t j = 0; j < names.size(); ++j) {
        std::set<long long> levels;
        for (const auto& x : d.x)
            levels.insert(std::llround(x[j] * 1e4));
        if (levels.size() < 2) {
            law.dropped.push_back(names[j] + ": one level in the cells");
            continue;
        }
        bool collinear = false;
        for (int k : kept) {
            std::vector<double> a, b;
            for (const auto& x : d.x)
                a.push_back(x[j]), b.push_back(x[k]);
            if (std::fabs(pearson(a, b)) > 0.995) {
                law.dropped.push_back(names[j] + ": moves with " + names[k] + " in the cells (|r| > 0.995)");
                collinear = true;
            }
        }
        if (!collinear) kept.push_back(static_cast<int>(j));
    }
    const int n = law.cells, p = static_cast<int>(kept.size()) + 1;
    if (kept.empty()) {
        law.undetermined = "no variable of the law has two levels among the cells with an optimum";
        return law;
    }
    if (n < p + 1) {
        law.undetermined = std::to_string(n) + " cell" + (n == 1 ? "" : "s") + " with an optimum for " +
                           std::to_string(p) + " parameters; at least " + std::to_string(p + 1) +
                           " are needed";
        return law;
    }
    Eigen::MatrixXd X(n, p);
    Eigen::VectorXd y(n);
    for (int i = 0; i < n; ++i) {
        X(i, 0) = 1;
        for (int k = 0; k < p - 1; ++k)
            X(i, k + 1) = d.x[i][kept[k]];
        y(i) = d.y[i];
    }
    const Eigen::VectorXd beta = leastSquares(X, y);
    if (beta.size() == 0) {
        law.undetermined = "the cells' sizes and token counts do not separate the exponents";
        return law;
    }
    const Eigen::VectorXd fitted = X * beta, residual = y - fitted;
    law.rmsLog = std::sqrt(residual.squaredNorm() / n);
    const double inflate = std::sqrt(double(n) / double(n - p));
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int> pick(0, n - 1);
    std::vector<std::vector<double>> samples(p);
    for (int b = 0; b < bootstrap; ++b) {
        Eigen::VectorXd yb(n);
        for (int i = 0; i < n; ++i)
            yb(i) = fitted(i) + inflate * residual(pick(rng));
        const Eigen::VectorXd bb = leastSquares(X, yb);
        if (bb.size() == 0) continue;
        std::vector<double> rep(1 + names.size(), 0.0);
        rep[0] = std::exp(bb(0));
        for (int k = 0; k < p; ++k)
            samples[k].push_back(k == 0 ? std::exp(bb(0)) : bb(k));
        for (int k = 1; k < p; ++k)
            rep[1 + kept[k - 1]] = bb(k);
        law.replicates.push_back(rep);
    }
    const double widen = studentT975(n - p) / 1.96;
    auto widened = [&](Band band, bool logScale) {
        if (!std::isfinite(band.lo)) return band;
        const double v = logScale ? std::log(band.value) : band.value;
        auto at = [&](double bound) {
            const double u = logScale ? std::log(bound) : bound;
            const double w = v + widen * (u - v);
            return logScale ? std::exp(w) : w;
        };
        band.lo = at(band.lo), band.hi = at(band.hi);
        return band;
    };
    law.coefficient = widened(bootstrapBand(std::exp(beta(0)), samples[0], true), true);
    for (int k = 1; k < p; ++k)
        law.exponents[kept[k - 1]] = widened(bootstrapBand(beta(k), samples[k], false), false);
    return law;
}

int columnOf(const RunTable& t, const std::vector<std::string>& names, std::string& found) {
    for (const std::string& n : names)
        if (const int i = t.metricIndex(n); i >= 0) {
            found = n;
            return i;
        }
    return -1;
}

std::string listed(const std::vector<std::string>& names) {
    std::string s;
    for (const std::string& n : names)
        s += (s.empty() ? "'" : ", '") + n + "'";
    return s;
}

} // namespace

double HparamPowerLaw::operator()(const std::vector<double>& x) const {
    if (!determined()) return kNaN;
    double v = std::log(coefficient.value);
    for (size_t j = 0; j < exponents.size() && j < x.size(); ++j)
        v += exponents[j].value * std::log(x[j]);
    return std::exp(v);
}

Band HparamPowerLaw::band(const std::vector<double>& x) const {
    Band b{(*this)(x), kNaN, kNaN};
    if (!determined()) return b;
    std::vector<double> samples;
    for (const auto& rep : replicates) {
        double v = std::log(rep[0]);
        for (size_t j = 0; j < exponents.size() && j < x.size(); ++j)
            v += rep[1 + j] * std::log(x[j]);
        samples.push_back(std::exp(v));
    }
    const Band raw = bootstrapBand(b.value, samples, true);
    if (!std::isfinite(raw.lo)) return b;
    // The same small-sample widening as the exponents' bands.
    const int p = 1 + static_cast<int>(std::count_if(exponents.begin(), exponents.end(),
                                                     [](const Band& e) { return std::isfinite(e.lo); }));
    const double widen = cells > p ? studentT975(cells - p) / 1.96 : 1.0, v = std::log(b.value);
    b.lo = std::exp(v + widen * (std::log(raw.lo) - v));
    b.hi = std::exp(v + widen * (std::log(raw.hi) - v));
    return b;
}

double learningRateOptimum(const std::vector<double>& lrs, const std::vector<double>& losses,
                           std::string& why) {
    std::vector<Trial> trials;
    for (size_t i = 0; i < lrs.size() && i < losses.size(); ++i)
        if (lrs[i] > 0 && std::isfinite(losses[i])) trials.push_back({std::log(lrs[i]), 0.0, losses[i]});
    return optimumAlong(trials, &Trial::logLr, "learning rate", why);
}

HparamLaws fitHparamLaws(const RunTable& table, const HparamFitOptions& o) {
    HparamLaws laws;
    const int lrAt = columnOf(table, o.columns.lr, laws.lrColumn);
    if (lrAt < 0)
        throw std::invalid_argument("the runs have no learning-rate column (looked for " +
                                    listed(o.columns.lr) + "; name yours with --lr-column)");
    int batchAt = columnOf(table, o.columns.batchTokens, laws.batchColumn);
    bool sequences = false;
    if (batchAt < 0 && (batchAt = columnOf(table, o.columns.batchSequences, laws.batchColumn)) >= 0)
        sequences = true;
    // Cells keyed by (ln N_a, ln D) to 1e-4: the same model and tokens however the file rounds them.
    std::map<std::pair<long long, long long>, std::vector<Trial>> trials;
    std::map<std::pair<long long, long long>, std::pair<double, double>> where;
    int skipped = 0;
    for (const Run& r : table.runs) {
        // Runs excluded by the import for not being a group's best are what a ladder is made of: kept here.
        if (r.excluded && r.excludedWhy.empty()) continue;
        const double na = r.get(Field::ActiveParams), d = r.get(Field::Tokens), loss = r.get(Field::Loss);
        const double lr = r.metrics[lrAt];
        double batch = batchAt >= 0 ? r.metrics[batchAt] : kNaN;
        if (sequences) batch *= r.get(Field::Ctx);
        if (!(na > 0 && d > 0 && lr > 0 && std::isfinite(loss))) {
            ++skipped;
            continue;
        }
        const std::pair<long long, long long> key{std::llround(std::log(na) * 1e4),
                                                  std::llround(std::log(d) * 1e4)};
        trials[key].push_back({std::log(lr), batch > 0 ? std::log(batch) : 0.0, loss});
        where[key] = {na, d};
    }
    if (skipped > 0)
        laws.warnings.push_back(
            std::to_string(skipped) +
            " run(s) without N_a, D, a loss or a positive learning rate are not in any cell");
    Design lrDesign, batchDesign;
    for (const auto& [key, list] : trials) {
        HparamCell c;
        c.activeParams = where[key].first, c.tokens = where[key].second;
        c.runs = static_cast<int>(list.size());
        c.lrLevels = static_cast<int>(levelsOf(list, &Trial::logLr).size());
        c.batchLevels = batchAt >= 0 ? static_cast<int>(levelsOf(list, &Trial::logBatch).size()) : 0;
        c.bestLoss = std::min_element(list.begin(), list.end(), [](const Trial& a, const Trial& b) {
                         return a.loss < b.loss;
                     })->loss;
        // Each variable at the other's best level: the lr ladder at the best batch, the batch ladder at the
        // best learning rate.
        auto at = [&](double Trial::*held, double value) {
            std::vector<Trial> slice;
            for (const Trial& t : list)
                if (std::fabs(t.*held - value) < 1e-6) slice.push_back(t);
            return slice;
        };
        const Trial& best = *std::min_element(list.begin(), list.end(),
                                              [](const Trial& a, const Trial& b) { return a.loss < b.loss; });
        c.lr = optimumAlong(at(&Trial::logBatch, best.logBatch), &Trial::logLr, "learning rate", c.lrWhy);
        if (batchAt < 0) {
            c.batchTokens = kNaN, c.batchWhy = "the runs have no batch column";
        } else {
            c.batchTokens =
                optimumAlong(at(&Trial::logLr, best.logLr), &Trial::logBatch, "batch", c.batchWhy);
        }
        if (std::isfinite(c.lr))
            lrDesign.x.push_back({std::log(c.activeParams), std::log(c.tokens)}),
                lrDesign.y.push_back(std::log(c.lr));
        if (std::isfinite(c.batchTokens))
            batchDesign.x.push_back({std::log(c.tokens)}), batchDesign.y.push_back(std::log(c.batchTokens));
        laws.cells.push_back(c);
    }
    laws.lr = fitLaw({"N_a", "D"}, lrDesign, o.bootstrap, o.seed);
    laws.batch = fitLaw({"D"}, batchDesign, o.bootstrap, o.seed + 1);
    if (batchAt < 0)
        laws.batch.undetermined = "the runs have no batch column (" + listed(o.columns.batchTokens) +
                                  " in tokens or " + listed(o.columns.batchSequences) + " in sequences)";
    return laws;
}

std::optional<HparamLaws> fitHparamLawsIfAny(const RunTable& table, int bootstrap) {
    HparamFitOptions o;
    o.bootstrap = bootstrap;
    try {
        return fitHparamLaws(table, o);
    } catch (const std::invalid_argument&) {
        return std::nullopt; // no learning-rate column: a preset answers
    }
}

namespace {
// DeepSeek-AI 2024, "DeepSeek LLM", arXiv 2401.02954, §3.1 Eq. (1): η_opt = 0.3118·C^−0.1250 and
// B_opt = 0.2920·C^0.3271 tokens, C in FLOPs (non-embedding FLOPs/token × D; here 6·N_a·D).
double deepseekLr(double, double, double c) {
    return 0.3118 * std::pow(c, -0.1250);
}
double deepseekBatch(double, double, double c) {
    return 0.2920 * std::pow(c, 0.3271);
}
// Li et al. 2025, "Predictable Scale: Part I — Step Law", arXiv 2503.04715: η(N, D) = 1.79·N^−0.713·D^0.307
// and B(D) = 0.58·D^0.571 tokens, N the non-vocabulary parameters (read here as the active ones of an MoE).
double steplawLr(double n, double d, double) {
    return 1.79 * std::pow(n, -0.713) * std::pow(d, 0.307);
}
double steplawBatch(double, double d, double) {
    return 0.58 * std::pow(d, 0.571);
}
} // namespace

const std::vector<HparamPreset>& hparamPresets() {
    static const std::vector<HparamPreset> presets = {
        {"steplaw",
         "Li et al. 2025 (Step Law, arXiv 2503.04715): lr = 1.79·N^-0.713·D^0.307, batch = 0.58·D^0.571 "
         "tokens "
         "(N: active non-embedding parameters)",
         steplawLr, steplawBatch},
        {"deepseek",
         "DeepSeek-AI 2024 (DeepSeek LLM, arXiv 2401.02954, Eq. 1): lr = 0.3118·C^-0.125, batch = "
         "0.2920·C^0.3271 tokens (C = 6·N_a·D)",
         deepseekLr, deepseekBatch},
    };
    return presets;
}

const HparamPreset* findHparamPreset(const std::string& id) {
    for (const HparamPreset& p : hparamPresets())
        if (p.id == id) return &p;
    return nullptr;
}

TrainingAdvice adviseTraining(double na, double tokens, double ctx, const HparamLaws* fitted,
                              const HparamPreset& preset) {
    TrainingAdvice a;
    const double compute = 6 * na * tokens;
    const bool useFit = fitted && fitted->lr.determined();
    if (useFit) {
        a.lrBand = fitted->lr.band({na, tokens});
        a.lr = a.lrBand.value;
        a.source = "fitted: lr*(N_a, D) from " + std::to_string(fitted->lr.cells) + " cells of these runs";
    } else {
        a.lr = preset.lr(na, tokens, compute);
        a.source = preset.source;
        // Both papers fitted models of tens of millions of parameters and more; at the CPU sweep's 10^3–10^5
        // Step Law's N^−0.713 gives rates up to 0.4, which diverge. Above kLargestPresetRate the preset is
        // not used: moescope-train's default, the rate the shipped CPU sweep trained at, is advised and the
        // reason said.
        constexpr double kLargestPresetRate = 3e-3;
        if (a.lr > kLargestPresetRate) {
            char said[160];
            std::snprintf(
                said, sizeof said,
                "; it gives %.3g at N_a = %.3g, far below the sizes it was fitted on: capped at %.0e "
                "(moescope-train's default); tune with an lr ladder",
                a.lr, na, kLargestPresetRate);
            a.source += said;
            a.lr = kLargestPresetRate;
        }
        a.lrBand = {a.lr, kNaN, kNaN};
    }
    if (fitted && fitted->batch.determined()) {
        a.batchBand = fitted->batch.band({tokens});
        a.batchTokens = a.batchBand.value;
        a.source += std::string(useFit ? "; " : "; batch ") + "fitted: batch*(D) from " +
                    std::to_string(fitted->batch.cells) + " cells";
    } else {
        a.batchTokens = preset.batchTokens(na, tokens, compute);
        a.batchBand = {a.batchTokens, kNaN, kNaN};
        if (useFit) a.source += "; batch: " + preset.source;
    }
    a.batchSequences = std::max<long long>(1, std::llround(a.batchTokens / std::max(1.0, ctx)));
    a.steps = std::max<long long>(1, std::llround(tokens / (double(a.batchSequences) * std::max(1.0, ctx))));
    a.warmupSteps = std::max<long long>(1, a.steps / 20); // moescope-train's default: 5 % of the steps
    return a;
}

TrainingAdvice adviseTrainingFor(const Architecture& arch, double tokens, const HparamLaws* fitted,
                                 const HparamPreset& preset) {
    const double na = fitted ? activeParams(arch) : activeParams(arch) - arch.vocab * arch.d_model;
    return adviseTraining(std::max(1.0, na), tokens, arch.ctx, fitted, preset);
}

std::vector<std::string> trainerOptions(const TrainingAdvice& a) {
    return {"--lr",     formatNumber(a.lr),           "--batch", std::to_string(a.batchSequences),
            "--warmup", std::to_string(a.warmupSteps)};
}

void addTraining(Json& config, const TrainingAdvice& a) {
    config.set("lr", a.lr);
    config.set("lr_lo", std::isfinite(a.lrBand.lo) ? Json(a.lrBand.lo) : Json());
    config.set("lr_hi", std::isfinite(a.lrBand.hi) ? Json(a.lrBand.hi) : Json());
    config.set("batch_tokens", a.batchTokens);
    config.set("batch", static_cast<double>(a.batchSequences));
    config.set("warmup_steps", static_cast<double>(a.warmupSteps));
    config.set("hparams_source", a.source);
}

} // namespace moescope
