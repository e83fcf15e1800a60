#include "core/fit/RunSuggester.h"

#include "core/fit/Statistics.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

namespace moescope {

std::vector<std::string> inheritFamily(const RunTable& runs, SuggestOptions& o) {
    std::vector<std::string> assumed;
    for (auto [field, target] : {std::pair{Field::Vocab, &o.vocab}, std::pair{Field::Ctx, &o.ctx},
                                 std::pair{Field::Granularity, &o.granularity}}) {
        std::map<double, int> counts;
        for (const Run& r : runs.runs)
            if (!r.excluded && r.has(field)) ++counts[r.get(field)];
        int best = 0;
        for (const auto& [value, n] : counts)
            if (n > best) best = n, *target = value;
        if (counts.empty()) assumed.emplace_back(fieldName(field));
    }
    return assumed;
}

std::string fewerSuggestionsWhy(size_t got, int asked) {
    if (static_cast<int>(got) >= asked) return {};
    return "only " + std::to_string(got) + " of the " + std::to_string(asked) +
           " asked for: the other candidates lie within 26 % in N of one already chosen at its sparsity, or "
           "outside the region where the bootstrap places the optimum, where a run would teach little";
}

double gpuHours(double flops, const SuggestOptions& o) {
    return flops / (o.gpuPeakTflops * o.gpuMfu * 1e12) / 3600.0;
}

std::vector<Suggestion> candidateConfigs(double budget, const SuggestOptions& o, double minParams,
                                         double maxParams) {
    std::vector<Suggestion> out;
    for (int e : o.experts)
        for (double d = 128; d <= 16384; d += 64) {
            Suggestion s;
            s.arch.d_model = d;
            s.arch.n_layers = std::max(1.0, std::round(d / o.aspect));
            s.arch.experts = e;
            s.arch.active_experts = 1;
            s.arch.granularity = o.granularity;
            s.arch.vocab = o.vocab;
            s.arch.ctx = o.ctx;
            s.heads = static_cast<int>(std::max(1.0, d / 64));
            s.params = totalParams(s.arch);
            if (s.params < minParams || s.params > maxParams) continue;
            s.activeParams = activeParams(s.arch);
            s.sparsity = sparsityOf(e, 1);
            s.tokens = budget / flopsPerToken6Na(s.arch);
            s.flops = flopsPerToken6Na(s.arch) * s.tokens;
            s.gpuHours = gpuHours(flopsPerToken(s.arch) * s.tokens, o);
            out.push_back(s);
        }
    return out;
}

std::vector<Suggestion> suggestRuns(const BudgetAnalysis& a, const SuggestOptions& o) {
    if (a.replicates.size() < 2) throw IsoflopError("suggestions need the fit's bootstrap (--bootstrap > 1)");
    std::vector<double> optX, optS;
    for (const auto& [x, sp] : a.replicateOptima)
        optX.push_back(x), optS.push_back(sp);
    const double xLo = percentile(optX, 0.025), xHi = percentile(optX, 0.975);
    const double sLo = percentile(optS, 0.025), sHi = percentile(optS, 0.975);
    const double xPad = 0.5 * (xHi - xLo) + 0.1, sPad = 0.5 * (sHi - sLo) + 0.1;
    const double minN = std::exp(std::max(a.surface.minLogParams() - 0.5, xLo - xPad));
    const double maxN = std::exp(std::min(a.surface.maxLogParams() + 0.5, xHi + xPad));
    // An optimum at the largest sparsity swept may lie beyond it: more experts than the sweep tried are
    // candidates too (their disagreement, extrapolated, is large), so the suggestions do not stay at the
    // sparsities that cannot settle where the optimum is.
    SuggestOptions family = o;
    const bool sparsityEdge = a.optimum.edge && a.optimum.sparsity.value >= a.surface.maxSparsity() - 1e-9;
    const auto beyondEdge = [&](const Suggestion& s) { return s.sparsity > a.surface.maxSparsity() + 1e-9; };
    if (sparsityEdge) {
        const int most = *std::max_element(o.experts.begin(), o.experts.end());
        for (int e = most * 2; e <= most * 4; e *= 2)
            family.experts.push_back(e);
    }
    std::vector<Suggestion> candidates = candidateConfigs(a.budget, family, minN, maxN);
    std::vector<double> score;
    for (Suggestion& c : candidates) {
        if (c.sparsity < sLo - sPad || c.sparsity > sHi + sPad) {
            score.push_back(-1);
            continue;
        }
        const double x = std::log(c.params), y = IsoflopSurface::sHat(c.sparsity);
        std::vector<double> l;
        for (const PolynomialFit& f : a.replicates)
            l.push_back(f(x, y));
        const double m = mean(l);
        double v = 0;
        for (double li : l)
            v += (li - m) * (li - m);
        c.lossStd = std::sqrt(v / (l.size() - 1));
        c.predictedLoss = a.surface.loss(c.params, c.sparsity);
        score.push_back(c.lossStd * c.lossStd);
    }
    std::vector<Suggestion> picks;
    for (int k = 0; k < o.count; ++k) {
        auto best = std::max_element(score.begin(), score.end());
        // The last pick goes past the edge when none has yet.
        if (sparsityEdge && k == o.count - 1 && std::none_of(picks.begin(), picks.end(), beyondEdge)) {
            auto beyond = score.end();
            for (auto it = score.begin(); it != score.end(); ++it)
                if (*it > 0 && beyondEdge(candidates[it - score.begin()]) &&
                    (beyond == score.end() || *it > *beyond))
                    beyond = it;
            if (beyond != score.end()) best = beyond;
        }
        if (best == score.end() || *best <= 0) break; // fewer informative configs than asked for
        const Suggestion chosen = candidates[best - score.begin()];
        picks.push_back(chosen);
        *best = -1;
        for (size_t i = 0; i < candidates.size(); ++i) {
            if (score[i] < 0) continue;
            const double decades = std::log10(candidates[i].params) - std::log10(chosen.params);
            const double dx = decades / 0.15, ds = (candidates[i].sparsity - chosen.sparsity) / 0.1;
            score[i] *= 1.0 - std::exp(-0.5 * (dx * dx + ds * ds));
            // A neighbour one d_model step away is the same experiment: never a pick of its own.
            if (candidates[i].sparsity == chosen.sparsity && std::fabs(decades) < 0.1) score[i] = -1;
        }
    }
    return picks;
}

} // namespace moescope
