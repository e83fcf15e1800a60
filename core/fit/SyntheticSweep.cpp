#include "core/fit/SyntheticSweep.h"

#include "core/fit/PublishedLaws.h"
#include "core/model/Accounting.h"

#include <cmath>
#include <map>
#include <random>
#include <set>

namespace moescope {

namespace {
// The depth ladder of the family: L = max(2, round(d / 96)) (d / 96 without whole layers); d from 128 up in
// steps of 64.
Architecture architecture(double d, int experts, const SyntheticSweepSpec& s) {
    Architecture a;
    a.d_model = d;
    a.n_layers = std::max(2.0, s.wholeLayers ? std::round(d / 96.0) : d / 96.0);
    a.experts = experts;
    a.active_experts = 1;
    a.vocab = s.vocab;
    a.ctx = s.ctx;
    return a;
}
} // namespace

RunTable makeSyntheticSweep(const SyntheticSweepSpec& spec) {
    const AbnarCoefficients abnar;
    auto law = spec.law ? spec.law : [&](double n, double t, double s) { return abnarLoss(abnar, n, t, s); };
    std::mt19937_64 rng(spec.seed);
    std::normal_distribution<double> noise(0.0, spec.noise);
    RunTable table;
    for (double budget : spec.budgets) {
        for (int e : spec.experts) {
            // Locate the law's optimum on the family, then take sizes around it on a log scale.
            double bestLoss = 1e300, bestD = 128;
            for (double d = 128; d <= 16384; d += 64) {
                const Architecture a = architecture(d, e, spec);
                const double tokens = budget / flopsPerToken6Na(a);
                const double l = law(totalParams(a), tokens, sparsityOf(e, 1));
                if (l < bestLoss) bestLoss = l, bestD = d;
            }
            std::set<double> ds;
            const int n = spec.sizesPerLevel;
            for (int i = 0; i < n; ++i) {
                // d ∝ N^(1/3) for this family: ±0.7 decades of N is ±0.23 decades of d.
                const double f = std::pow(10.0, 0.7 / 3.0 * (2.0 * i / (n - 1) - 1.0));
                ds.insert(std::max(128.0, std::round(bestD * f / 64.0) * 64.0));
            }
            for (double d : ds) {
                const Architecture a = architecture(d, e, spec);
                const double tokens = budget / flopsPerToken6Na(a);
                if (tokens < 1) continue;
                Run r;
                r.set(Field::DModel, a.d_model);
                r.set(Field::NLayers, a.n_layers);
                r.set(Field::NHeads, a.d_model / 64);
                r.set(Field::Experts, e);
                r.set(Field::ActiveExperts, 1);
                r.set(Field::Granularity, 1);
                r.set(Field::Ctx, a.ctx);
                r.set(Field::Vocab, a.vocab);
                r.set(Field::Tokens, tokens);
                r.set(Field::Budget, budget);
                r.set(Field::Loss, law(totalParams(a), tokens, sparsityOf(e, 1)) + noise(rng));
                deriveMissingFields(r);
                table.runs.push_back(r);
            }
        }
    }
    return table;
}

} // namespace moescope
