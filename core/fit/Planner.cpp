#include "core/fit/Planner.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace moescope {

namespace {
bool lawUsesSparsity(const ParametricLaw& law) {
    for (Field f : law.inputs())
        if (f == Field::Sparsity || f == Field::Experts) return true;
    return false;
}

// The divisor of d nearest d/64: heads of ~64 dimensions that split d exactly, one head for d < 96.
int headsFor(double d) {
    const long width = std::max(1L, std::lround(d));
    const long wanted = std::max(1L, std::lround(d / 64));
    for (long delta = 0;; ++delta) { // ends: wanted − delta reaches 1, which divides everything
        if (wanted - delta >= 1 && width % (wanted - delta) == 0) return int(wanted - delta);
        if (width % (wanted + delta) == 0) return int(wanted + delta);
    }
}

} // namespace

PlannedConfig familyConfig(double d, double experts, double budget, const ArchitectureFamily& family) {
    PlannedConfig c;
    c.arch.d_model = d;
    // A whole number of layers reaches here as d / (d / L), which can come back a rounding error off L.
    const double layers = d / family.aspect;
    c.arch.n_layers =
        std::max(1.0, std::fabs(layers - std::round(layers)) < 1e-9 ? std::round(layers) : layers);
    c.arch.experts = experts;
    c.arch.active_experts = family.activeExperts;
    c.arch.granularity = family.granularity;
    c.arch.ctx = family.ctx;
    c.arch.vocab = family.vocab;
    c.heads = headsFor(d);
    c.params = totalParams(c.arch);
    c.activeParams = activeParams(c.arch);
    c.sparsity = sparsityOf(experts, family.activeExperts);
    c.tokens = budget / flopsPerToken6Na(c.arch);
    c.flops = flopsPerToken6Na(c.arch) * c.tokens;
    c.ratio = expertAttentionRatio(c.arch);
    c.predictedLoss = std::nan("");
    return c;
}

void requireTokenTerm(const ParametricLaw& law) {
    const auto inputs = law.inputs();
    if (std::find(inputs.begin(), inputs.end(), Field::Tokens) == inputs.end())
        throw std::invalid_argument("the " + law.id() +
                                    " law has no token term: it cannot trade parameters against tokens at a "
                                    "budget, so it plans nothing");
}

double expertsFor(double sparsity, const ArchitectureFamily& family) {
    const double k = family.activeExperts;
    return std::max(k, std::round(k / std::max(1e-9, 1 - sparsity)));
}

PlannedConfig architectureFor(double params, double sparsity, double budget,
                              const ArchitectureFamily& family) {
    const double experts = expertsFor(sparsity, family);
    PlannedConfig best;
    double bestGap = std::numeric_limits<double>::infinity();
    const double small = std::clamp(family.smallWidthStep, 1.0, 64.0);
    for (double d = small; d <= 65536; d += d < 512 ? small : 64) {
        ArchitectureFamily f = family;
        f.aspect = d / std::max(1.0, std::round(d / family.aspect)); // whole layers
        const PlannedConfig c = familyConfig(d, experts, budget, f);
        const double gap = std::fabs(std::log(c.params / params));
        if (gap < bestGap) bestGap = gap, best = c;
    }
    return best;
}

PlannedConfig configFor(const ParametricLaw& law, const std::vector<double>& p, double d, double experts,
                        const PlanOptions& o) {
    PlannedConfig c = familyConfig(d, experts, o.budget, o.family);
    LawPoint x;
    x.n = c.params;
    x.na = c.activeParams;
    x.tokens = c.tokens;
    x.sparsity = c.sparsity;
    x.experts = experts;
    x.granularity = o.family.granularity;
    x.r = c.ratio;
    c.predictedLoss = law.predict(p, x);
    return c;
}

Plan planOptimum(const ParametricLaw& law, const std::vector<double>& p, const PlanOptions& o) {
    if (!(o.budget > 0)) throw std::invalid_argument("option --budget: must be positive");
    if (!(o.maxSparsity >= 0 && o.maxSparsity < 1))
        throw std::invalid_argument("option --max-sparsity: must lie in [0, 1)");
    requireTokenTerm(law);
    Plan plan;
    plan.sparsityMatters = lawUsesSparsity(law);
    const double k = o.family.activeExperts;
    const double fixedExperts = std::max(k, o.experts > 0 ? o.experts : k);
    auto expertsAt = [&](double s) { return plan.sparsityMatters ? k / (1 - s) : fixedExperts; };
    const double sMax = plan.sparsityMatters ? o.maxSparsity : 0.0;
    auto feasible = [&](const PlannedConfig& c) {
        return c.params <= o.maxParams && c.tokens >= 1 && std::isfinite(c.predictedLoss);
    };
    // Continuous search over log d and S (E = K/(1−S)) on a grid, then golden refinement around the best.
    double bestLoss = std::numeric_limits<double>::infinity(), bestLogD = 0, bestS = 0;
    const int nd = 240, ns = plan.sparsityMatters ? 120 : 0;
    for (int i = 0; i <= nd; ++i) {
        const double logD = std::log(64.0) + (std::log(65536.0) - std::log(64.0)) * i / nd;
        for (int j = 0; j <= ns; ++j) {
            const double s = ns ? sMax * j / ns : 0.0;
            const PlannedConfig c = configFor(law, p, std::exp(logD), expertsAt(s), o);
            if (feasible(c) && c.predictedLoss < bestLoss)
                bestLoss = c.predictedLoss, bestLogD = logD, bestS = s;
        }
    }
    // Name --max-params only where a cap was given: without one, the law itself left nothing to plan.
    const bool capped = std::isfinite(o.maxParams);
    if (!std::isfinite(bestLoss))
        throw std::invalid_argument(
            capped ? "option --max-params: no configuration of the family fits under the cap at this budget"
                   : "the law predicts no finite loss for any configuration of the family at this budget");
    double stepD = (std::log(65536.0) - std::log(64.0)) / nd, stepS = ns ? sMax / ns : 0.0;
    auto lossAt = [&](double logD, double s) {
        const PlannedConfig c = configFor(law, p, std::exp(logD), expertsAt(s), o);
        return feasible(c) ? c.predictedLoss : std::numeric_limits<double>::infinity();
    };
    for (int round = 0; round < 40; ++round) { // coordinate descent with shrinking steps
        bool moved = false;
        for (const auto& [dd, ds] : {std::pair{stepD, 0.0}, {-stepD, 0.0}, {0.0, stepS}, {0.0, -stepS}}) {
            const double s = std::clamp(bestS + ds, 0.0, sMax);
            const double l = lossAt(bestLogD + dd, s);
            if (l < bestLoss) bestLoss = l, bestLogD += dd, bestS = s, moved = true;
        }
        if (!moved) stepD /= 2, stepS /= 2;
    }
    const PlannedConfig cont = configFor(law, p, std::exp(bestLogD), expertsAt(bestS), o);
    plan.params = cont.params;
    plan.activeParams = cont.activeParams;
    plan.sparsity = cont.sparsity;
    plan.tokens = cont.tokens;
    plan.loss = cont.predictedLoss;

    // Nearest concrete configs: d a multiple of 64 around the optimum, integer E ≥ K around K/(1−S).
    const double d0 = std::exp(bestLogD), e0 = expertsAt(bestS);
    bool found = false;
    for (double d = std::max(64.0, 64.0 * std::floor(d0 / 64) - 128); d <= 64.0 * std::ceil(d0 / 64) + 128;
         d += 64)
        for (double e = std::max(k, std::floor(e0) - 2); e <= std::ceil(e0) + 2; ++e) {
            if (plan.sparsityMatters ? sparsityOf(e, k) > o.maxSparsity : e != fixedExperts) continue;
            PlannedConfig c = configFor(law, p, d, e, o);
            c.arch.n_layers = std::max(1.0, std::round(d / o.family.aspect));
            c = configFor(law, p, d, e, [&] {
                PlanOptions rounded = o;
                rounded.family.aspect = d / c.arch.n_layers;
                return rounded;
            }());
            if (!feasible(c)) continue;
            if (!found || c.predictedLoss < plan.concrete.predictedLoss) plan.concrete = c, found = true;
        }
    if (!found)
        throw std::invalid_argument(capped
                                        ? "option --max-params: no concrete configuration fits under the cap"
                                        : "no concrete configuration near the optimum has a finite predicted "
                                          "loss and at least one token");
    const PlannedConfig& c = plan.concrete;
    char buf[200];
    if (bestLogD <= std::log(64.0) + 1e-3 || bestLogD >= std::log(65536.0) - 1e-3) {
        std::snprintf(buf, sizeof buf,
                      "the law has no minimum inside the family (d_model 64 to 65,536): it keeps improving "
                      "towards d_model %g",
                      std::exp(bestLogD));
        plan.problems.push_back(buf);
    }
    if (c.arch.d_model < 128 || c.arch.n_layers < 2) {
        std::snprintf(buf, sizeof buf, "d_model %g with %g layer(s) is not a model to train", c.arch.d_model,
                      c.arch.n_layers);
        plan.problems.push_back(buf);
    }
    if (c.tokens < c.activeParams) {
        std::snprintf(buf, sizeof buf, "%.3g tokens for %.3g active parameters: fewer than one token each",
                      c.tokens, c.activeParams);
        plan.problems.push_back(buf);
    }
    if (!(c.predictedLoss > 0 && c.predictedLoss < 10)) {
        std::snprintf(buf, sizeof buf, "a predicted loss of %.3g nats is implausible for a language model",
                      c.predictedLoss);
        plan.problems.push_back(buf);
    }
    return plan;
}

} // namespace moescope
