#include "core/fit/Frontier.h"

#include "core/fit/FrontierTrends.h"
#include "core/fit/Statistics.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <set>

namespace moescope {

namespace {

// One budget's optimum at one sparsity, as the frontier fit sees it.
struct Observation {
    double logC = 0;
    double logN = 0, logActive = NAN, loss = 0;
    std::vector<double> logNSamples, logActiveSamples, lossSamples; // already scaled to the sampling spread
};

std::vector<double> scaledLogs(const std::vector<double>& samples, double estimate, double scale) {
    std::vector<double> out;
    for (double v : samples)
        out.push_back(v > 0 ? std::log(estimate) + scale * (std::log(v) - std::log(estimate)) : NAN);
    return out;
}

double variance(const std::vector<double>& v) {
    double m = 0, s = 0;
    int n = 0;
    for (double x : v)
        if (std::isfinite(x)) m += x, ++n;
    if (n < 2) return 0;
    m /= n;
    for (double x : v)
        if (std::isfinite(x)) s += (x - m) * (x - m);
    return s / (n - 1);
}

std::pair<double, double> interval(double estimate, const std::vector<double>& v) {
    const Band b = bootstrapBand(estimate, v, false);
    return {b.lo, b.hi};
}

// Fits one sparsity level's frontier from its observations; replicate r uses every budget's r-th sample.
void fitLevel(SparsityFrontier& f, const std::vector<Observation>& obs, const FrontierFitOptions& o) {
    std::vector<double> x, wN, wA, wL;
    double x0 = 0;
    for (const auto& b : obs)
        x.push_back(b.logC), x0 += b.logC / obs.size();
    // The spread of each optimum weighs it; a floor keeps one very tight budget from dictating the line.
    for (const auto& b : obs) {
        wN.push_back(1 / (variance(b.logNSamples) + 1e-4));
        wA.push_back(1 / (variance(b.logActiveSamples) + 1e-4));
        wL.push_back(1 / (variance(b.lossSamples) + 1e-6));
    }
    const bool fitFloor = !o.lossFloor && obs.size() >= 4;
    const std::optional<double> floor =
        o.lossFloor ? o.lossFloor : (fitFloor ? std::nullopt : std::optional(0.0));
    f.floorFitted = fitFloor;
    auto fitWith = [&](const std::function<double(const Observation&, int)>& logN,
                       const std::function<double(const Observation&, int)>& logActive,
                       const std::function<double(const Observation&, int)>& loss, int r) {
        std::vector<double> yN, yA, yD, yL;
        for (const auto& b : obs) {
            yN.push_back(logN(b, r));
            yA.push_back(logActive(b, r));
            yD.push_back(b.logC - std::log(o.flopsPerToken) - yA.back());
            yL.push_back(loss(b, r));
        }
        FrontierCoefficients c;
        c.params = fitPower(x, yN, wN, x0);
        c.active = fitPower(x, yA, wA, x0);
        c.tokens = fitPower(x, yD, wA, x0);
        c.loss = fitLoss(x, yL, wL, x0, floor);
        return c;
    };
    f.fit = fitWith([](const Observation& b, int) { return b.logN; },
                    [](const Observation& b, int) { return b.logActive; },
                    [](const Observation& b, int) { return b.loss; }, -1);
    size_t reps = SIZE_MAX;
    for (const auto& b : obs)
        reps = std::min(reps, b.logNSamples.size());
    for (size_t r = 0; r < reps; ++r)
        f.replicates.push_back(fitWith([](const Observation& b, int i) { return b.logNSamples[i]; },
                                       [](const Observation& b, int i) {
                                           return b.logActiveSamples.empty() ? NAN : b.logActiveSamples[i];
                                       },
                                       [](const Observation& b, int i) { return b.lossSamples[i]; },
                                       static_cast<int>(r)));
    std::vector<double> k, a, e, al;
    for (const auto& c : f.replicates)
        k.push_back(std::exp(c.params.logK)), a.push_back(c.params.exponent), e.push_back(c.loss.floor),
            al.push_back(c.loss.alpha);
    f.paramsPrefactorCi = interval(std::exp(f.fit.params.logK), k);
    f.paramsExponentCi = interval(f.fit.params.exponent, a);
    f.floorCi = interval(f.fit.loss.floor, e), f.alphaCi = interval(f.fit.loss.alpha, al);
    // How far the budgets' optima lie off the trends: what a prediction at a new budget must allow for.
    std::vector<double> rN, rA, rL;
    for (const auto& b : obs) {
        rN.push_back(b.logN - std::log(f.fit.params(std::exp(b.logC))));
        rA.push_back(f.fit.active.valid() ? b.logActive - std::log(f.fit.active(std::exp(b.logC))) : NAN);
        rL.push_back(f.fit.loss.valid() ? b.loss - f.fit.loss(std::exp(b.logC)) : NAN);
    }
    f.paramsScatter = scatterAbout(x, rN, 2);
    f.activeScatter = scatterAbout(x, rA, 2);
    f.lossScatter = scatterAbout(x, rL, fitFloor ? 3 : 2);

    char buf[240];
    if (!o.lossFloor && !fitFloor) {
        std::snprintf(
            buf, sizeof buf,
            "L*(C) at S=%.4g: %zu budget(s) cannot identify the irreducible loss E, so E = 0 (a pure "
            "power law, optimistic far out); fix it with --loss-floor E",
            f.sparsity, obs.size());
        f.warnings.push_back(buf);
    } else if (fitFloor) {
        double lMin = INFINITY;
        for (const auto& b : obs)
            lMin = std::min(lMin, b.loss);
        const double width = f.floorCi.second - f.floorCi.first;
        if (f.fit.loss.floor <= 1e-3 * lMin || f.fit.loss.floor >= lMin * (1 - 1e-3) ||
            !(width < 0.5 * lMin)) {
            std::snprintf(buf, sizeof buf,
                          "L*(C) at S=%.4g: the irreducible loss E is not identifiable from these budgets (E "
                          "%.3g, 95%% [%.3g, %.3g]); fix it with --loss-floor E",
                          f.sparsity, f.fit.loss.floor, f.floorCi.first, f.floorCi.second);
            f.warnings.push_back(buf);
        }
    }
    if (obs.size() == 2) {
        std::snprintf(buf, sizeof buf,
                      "S=%.4g: the frontier rests on 2 budgets, a line through two points; its interval "
                      "shows only their spread",
                      f.sparsity);
        f.warnings.push_back(buf);
    }
}

std::vector<double> levelsOf(const RunTable& runs) {
    std::set<double> s;
    for (const Run& r : runs.runs)
        if (!r.excluded) s.insert(r.has(Field::Sparsity) ? r.get(Field::Sparsity) : 0.0);
    return {s.begin(), s.end()};
}

} // namespace

IsoflopFrontier::IsoflopFrontier(const SweepAnalysis& sweep, const FrontierFitOptions& o) {
    std::map<double, std::vector<Observation>> bySparsity;
    std::map<double, std::vector<std::string>> leftOut;
    for (const BudgetAnalysis& b : sweep.budgets)
        for (const NStarPoint& p : b.nStar) {
            char buf[160];
            if (p.edge) {
                std::snprintf(buf, sizeof buf, "budget %.3g: N* at S=%.4g is on the edge of the models swept",
                              b.budget, p.sparsity);
                leftOut[p.sparsity].push_back(buf);
                continue;
            }
            Observation ob;
            ob.logC = std::log(b.budget);
            ob.logN = std::log(p.params.value);
            ob.loss = p.loss.value;
            ob.logNSamples = scaledLogs(p.paramsSamples, p.params.value, b.replicateScale);
            for (double v : p.lossSamples)
                ob.lossSamples.push_back(p.loss.value + b.replicateScale * (v - p.loss.value));
            // Without active counts a dense level's N_a is N; a sparse one's is unknown.
            const double active =
                p.activeParams.value > 0 ? p.activeParams.value : (p.sparsity == 0 ? p.params.value : NAN);
            ob.logActive = std::log(active);
            if (p.activeParams.value > 0)
                ob.logActiveSamples = scaledLogs(p.activeSamples, active, b.replicateScale);
            else if (p.sparsity == 0)
                ob.logActiveSamples = ob.logNSamples;
            bySparsity[p.sparsity].push_back(std::move(ob));
        }
    std::string why;
    for (auto& [s, obs] : bySparsity) {
        if (obs.size() < 2) {
            char buf[120];
            std::snprintf(buf, sizeof buf,
                          "S=%.4g: %zu budget(s) with an interior optimum; a frontier needs 2", s,
                          obs.size());
            why += (why.empty() ? "" : "; ") + std::string(buf);
            continue;
        }
        SparsityFrontier f;
        f.sparsity = s;
        for (const auto& ob : obs)
            f.budgets.push_back(std::exp(ob.logC));
        f.leftOut = leftOut[s];
        fitLevel(f, obs, o);
        levels_.push_back(std::move(f));
    }
    if (levels_.empty())
        throw FrontierError("no sparsity level has 2 budgets with an interior isoFLOP optimum" +
                            (why.empty() ? std::string() : " (" + why + ")"));
}

std::vector<double> IsoflopFrontier::sparsities() const {
    std::vector<double> s;
    for (const auto& l : levels_)
        s.push_back(l.sparsity);
    return s;
}

const SparsityFrontier& IsoflopFrontier::level(double sparsity) const {
    for (const auto& l : levels_)
        if (std::fabs(l.sparsity - sparsity) < 1e-9) return l;
    char buf[120];
    std::snprintf(buf, sizeof buf, "the isoFLOP frontier has no sparsity level %.4g", sparsity);
    throw FrontierError(buf);
}

std::vector<std::string> IsoflopFrontier::warnings() const {
    std::vector<std::string> w;
    for (const auto& l : levels_)
        w.insert(w.end(), l.warnings.begin(), l.warnings.end());
    return w;
}

FrontierPoint IsoflopFrontier::at(double budget, double sparsity, double maxParams) const {
    const SparsityFrontier& l = level(sparsity);
    FrontierPoint p;
    p.method = name();
    p.budget = budget;
    p.sparsity = sparsity;
    std::vector<double> n, a, d, loss;
    for (const auto& r : l.replicates) {
        n.push_back(r.params(budget));
        a.push_back(r.active.valid() ? r.active(budget) : NAN);
        d.push_back(r.tokens.valid() ? r.tokens(budget) : NAN);
        loss.push_back(r.loss.valid() ? r.loss(budget) : NAN);
    }
    // Each band: the optima's own spread carried through the fit, widened by their scatter about the trend.
    const double x = std::log(budget);
    p.params = withScatter(bootstrapBand(l.fit.params(budget), n, true), l.paramsScatter.halfWidth(x), true);
    p.activeParams = withScatter(bootstrapBand(l.fit.active.valid() ? l.fit.active(budget) : NAN, a, true),
                                 l.activeScatter.halfWidth(x), true);
    p.tokens = withScatter(bootstrapBand(l.fit.tokens.valid() ? l.fit.tokens(budget) : NAN, d, true),
                           l.activeScatter.halfWidth(x), true); // D = C/(k·N_a): the same scatter in log
    p.loss = withScatter(bootstrapBand(l.fit.loss.valid() ? l.fit.loss(budget) : NAN, loss, false),
                         l.lossScatter.halfWidth(x), false);
    p.warnings = l.warnings;
    if (p.params.value > maxParams) {
        char buf[200];
        std::snprintf(
            buf, sizeof buf,
            "N* %.3g exceeds --max-params %.3g at S=%.4g: the isoFLOP frontier cannot price a model "
            "off its optimum (a parametric law can)",
            p.params.value, maxParams, sparsity);
        throw FrontierError(buf);
    }
    return p;
}

LawFrontier::LawFrontier(std::shared_ptr<const ParametricLaw> law, LawFit fit, const RunTable& runs,
                         double flopsPerToken)
    : law_(std::move(law)), fit_(std::move(fit)), flopsPerToken_(flopsPerToken) {
    const auto in = law_->inputs();
    if (std::find(in.begin(), in.end(), Field::Tokens) == in.end())
        throw FrontierError("the " + law_->id() +
                            " law has no token term: it cannot trade parameters against tokens at a budget");
    if (fit_.parameters.empty()) throw FrontierError("the " + law_->id() + " law did not fit");
    std::vector<double> params, sparsity, active;
    for (const Run& r : runs.runs)
        if (!r.excluded && r.has(Field::Params)) {
            params.push_back(r.get(Field::Params));
            sparsity.push_back(r.has(Field::Sparsity) ? r.get(Field::Sparsity) : 0.0);
            active.push_back(r.has(Field::ActiveParams) ? r.get(Field::ActiveParams) : NAN);
        }
    active_ = ActiveCount(params, sparsity, active);
    for (double s : levelsOf(runs)) {
        if (s > 0 && !active_.known())
            throw FrontierError("the runs carry no active parameter counts, so a sparse model's tokens at a "
                                "budget are unknown");
        Level l;
        l.sparsity = s;
        std::vector<double> e, g, r;
        for (const Run& run : runs.runs) {
            if (run.excluded || (run.has(Field::Sparsity) ? run.get(Field::Sparsity) : 0.0) != s) continue;
            LawPoint x;
            if (!toLawPoint(run, *law_, x)) continue;
            e.push_back(x.experts), g.push_back(x.granularity), r.push_back(x.r);
        }
        if (e.empty()) continue;
        l.experts = median(e), l.granularity = median(g), l.r = median(r);
        levels_.push_back(l);
    }
    if (levels_.empty()) throw FrontierError("no run the " + law_->id() + " law can use");
}

std::vector<double> LawFrontier::sparsities() const {
    std::vector<double> s;
    for (const auto& l : levels_)
        s.push_back(l.sparsity);
    return s;
}

LawPoint LawFrontier::pointAt(double params, const Level& level, double budget) const {
    LawPoint x;
    x.n = params;
    x.na = level.sparsity > 0 || active_.known() ? active_(params, level.sparsity) : params;
    if (!(x.na > 0)) x.na = params;
    x.tokens = budget / (flopsPerToken_ * x.na);
    x.sparsity = level.sparsity;
    x.experts = level.experts;
    x.granularity = level.granularity;
    x.r = level.r;
    return x;
}

double LawFrontier::argminLogN(const std::vector<double>& p, const Level& level, double budget,
                               double maxParams, bool& edge) const {
    // Any model from 10^3 parameters up to the one that sees 10 tokens per parameter-FLOP.
    const double lo = std::log(1e3),
                 hi = std::min(std::log(budget / (flopsPerToken_ * 10)), std::log(maxParams));
    if (!(hi > lo)) throw FrontierError("--max-params leaves no model to train");
    auto f = [&](double logN) {
        const double l = law_->predict(p, pointAt(std::exp(logN), level, budget));
        return std::isfinite(l) ? l : std::numeric_limits<double>::infinity();
    };
    // The grid only brackets the minimum (a law's loss along log N is smooth and, on the ranges fitted,
    // unimodal or monotone); the golden section places it. 60 cells of ~0.5 nats: the bootstrap calls this
    // once per replicate and level, which the window waits for on every budget change.
    const int n = 60;
    int bi = 0;
    double best = INFINITY;
    for (int i = 0; i <= n; ++i) {
        const double v = f(lo + (hi - lo) * i / n);
        if (v < best) best = v, bi = i;
    }
    edge = bi == 0 || bi == n;
    double a = lo + (hi - lo) * std::max(0, bi - 1) / n, b = lo + (hi - lo) * std::min(n, bi + 1) / n;
    const double g = (std::sqrt(5.0) - 1) / 2;
    for (int it = 0; it < 40; ++it) { // 0.618^40 of two cells: below 1e-8 nats of N
        const double c = b - g * (b - a), d = a + g * (b - a);
        const double fc = f(c), fd = f(d);
        (fc < fd ? b : a) = fc < fd ? d : c;
    }
    return (a + b) / 2;
}

const LawFrontier::Level& LawFrontier::level(double sparsity) const {
    for (const auto& l : levels_)
        if (std::fabs(l.sparsity - sparsity) < 1e-9) return l;
    char buf[120];
    std::snprintf(buf, sizeof buf, "the %s law's runs have no sparsity level %.4g", law_->id().c_str(),
                  sparsity);
    throw FrontierError(buf);
}

double LawFrontier::lossAt(double budget, double sparsity) const {
    const Level& l = level(sparsity);
    bool edge = false;
    const double logN = argminLogN(fit_.parameters, l, budget, std::numeric_limits<double>::infinity(), edge);
    return law_->predict(fit_.parameters, pointAt(std::exp(logN), l, budget));
}

double LawFrontier::lossValue(double params, double sparsity, double budget) const {
    const Level* nearest = &levels_.front();
    for (const auto& l : levels_)
        if (std::fabs(l.sparsity - sparsity) < std::fabs(nearest->sparsity - sparsity)) nearest = &l;
    Level at = *nearest;
    at.sparsity = sparsity;
    return law_->predict(fit_.parameters, pointAt(params, at, budget));
}

Band LawFrontier::lossOf(double params, double sparsity, double budget) const {
    const LawPoint x = pointAt(params, level(sparsity), budget);
    std::vector<double> reps;
    for (const auto& p : fit_.replicates)
        reps.push_back(law_->predict(p, x));
    return bootstrapBand(law_->predict(fit_.parameters, x), reps, false);
}

FrontierPoint LawFrontier::at(double budget, double sparsity, double maxParams) const {
    const Level* level = &this->level(sparsity);
    FrontierPoint out;
    out.method = name();
    out.budget = budget;
    out.sparsity = sparsity;
    bool edge = false;
    auto optimum = [&](const std::vector<double>& p, double& n, double& a, double& d, double& l) {
        const double logN = argminLogN(p, *level, budget, maxParams, edge);
        const LawPoint x = pointAt(std::exp(logN), *level, budget);
        n = x.n, a = x.na, d = x.tokens, l = law_->predict(p, x);
    };
    double n, a, d, l;
    optimum(fit_.parameters, n, a, d, l);
    const bool estimateEdge = edge;
    std::vector<double> ns, as, ds, ls;
    for (const auto& p : fit_.replicates) {
        double rn, ra, rd, rl;
        optimum(p, rn, ra, rd, rl);
        ns.push_back(rn), as.push_back(ra), ds.push_back(rd), ls.push_back(rl);
    }
    out.params = bootstrapBand(n, ns, true), out.activeParams = bootstrapBand(a, as, true);
    out.tokens = bootstrapBand(d, ds, true), out.loss = bootstrapBand(l, ls, false);
    if (estimateEdge) {
        char buf[200];
        std::snprintf(buf, sizeof buf,
                      "the %s law's optimum at C=%.3g, S=%.4g is on the end of the range searched (N %.3g): "
                      "the law has no interior minimum there",
                      law_->id().c_str(), budget, sparsity, n);
        out.warnings.push_back(buf);
    }
    return out;
}

double flopsPerToken(const RunTable& runs) {
    std::vector<double> k;
    for (const Run& r : runs.runs) {
        if (r.excluded || !r.has(Field::Tokens) || r.isDerived(Field::Tokens)) continue;
        const double c =
            r.has(Field::Budget) ? r.get(Field::Budget) : (r.has(Field::Flops) ? r.get(Field::Flops) : 0);
        const double na = r.has(Field::ActiveParams) ? r.get(Field::ActiveParams)
                                                     : (r.has(Field::Params) ? r.get(Field::Params) : 0);
        if (c > 0 && na > 0 && r.get(Field::Tokens) > 0) k.push_back(c / (na * r.get(Field::Tokens)));
    }
    const double m = median(k);
    return std::isfinite(m) && m > 0 ? m : 6.0;
}

double denseComputeFor(const FrontierMethod& method, double loss, double budgetHint) {
    const auto levels = method.sparsities();
    if (std::find(levels.begin(), levels.end(), 0.0) == levels.end() || !std::isfinite(loss)) return NAN;
    auto lossAt = [&](double logC) {
        try {
            return method.lossAt(std::exp(logC), 0.0);
        } catch (const FrontierError&) {
            return std::nan("");
        }
    };
    // L*(C) falls with C: bisect in log C over six decades either side of the hint.
    double lo = std::log(budgetHint) - 6 * std::log(10.0), hi = std::log(budgetHint) + 6 * std::log(10.0);
    const double fLo = lossAt(lo), fHi = lossAt(hi);
    if (!(fLo >= loss) || !(fHi <= loss)) return NAN;
    for (int it = 0; it < 40; ++it) { // 12 decades / 2^40: 1e-11 in log C
        const double mid = (lo + hi) / 2;
        (lossAt(mid) > loss ? lo : hi) = mid;
    }
    return std::exp((lo + hi) / 2);
}

std::vector<std::pair<double, double>> computeMultiplierCurve(const FrontierMethod& method, double sparsity,
                                                              double cLo, double cHi, int points) {
    std::vector<std::pair<double, double>> out;
    for (int i = 0; i < points; ++i) {
        const double c = cLo * std::pow(cHi / cLo, points > 1 ? i / double(points - 1) : 0.0);
        double m = std::nan("");
        try {
            m = denseComputeFor(method, method.lossAt(c, sparsity), c) / c;
        } catch (const FrontierError&) {
        }
        out.emplace_back(c, m);
    }
    return out;
}

} // namespace moescope
