#include "core/fit/IsoflopAnalysis.h"

#include "core/fit/FrontierTrends.h"

#include "core/fit/ActiveCount.h"
#include "core/fit/Parallel.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <thread>

namespace moescope {

namespace {

std::vector<double> sparsityLevels(const std::vector<IsoflopPoint>& points) {
    std::set<double> s;
    for (const auto& p : points)
        s.insert(p.sparsity);
    return {s.begin(), s.end()};
}

Degrees chooseDegrees(const std::vector<IsoflopPoint>& points, const IsoflopOptions& o, double& cvMse,
                      int& candidates) {
    const int m = static_cast<int>(points.size());
    Eigen::VectorXd x(m), y(m), l(m);
    for (int i = 0; i < m; ++i)
        x[i] = std::log(points[i].params), y[i] = IsoflopSurface::sHat(points[i].sparsity),
        l[i] = points[i].loss;
    std::set<double> nLevels;
    for (const auto& p : points)
        nLevels.insert(p.params);
    const int sLevels = static_cast<int>(sparsityLevels(points).size());
    // Degrees the data cannot identify are not candidates: k sparsity levels admit powers of S below k only —
    // in the S terms and in the (log N · S) terms alike, whose i-th power is one of S too (two levels and a
    // cubic cross term arched the surface a nat above every run between them). And a
    // surface of degree 0 or 1 in log N has no minimum in N at all: its "optimum" would be whichever model
    // is smallest or largest, so degree 2 is the least admitted — which needs three model sizes.
    if (nLevels.size() < 3)
        throw IsoflopError(std::to_string(nLevels.size()) +
                           " model size(s): locating a minimum in N needs at least 3");
    Degrees maximum{std::min(o.maxDegree, static_cast<int>(nLevels.size()) - 1),
                    std::min(o.maxDegree, sLevels - 1), std::min(o.maxDegree, sLevels - 1)};
    const DegreeSearch search = searchDegrees(x, y, l, maximum, o.folds, o.seed, o.threads, 2);
    // No candidate survives when every fold's training part is too small for a parabola: with that few runs
    // it would only interpolate them, and no fold could say whether it generalises.
    if (search.candidates == 0 || !std::isfinite(search.cvMse))
        throw IsoflopError(std::to_string(points.size()) +
                           " runs: too few to choose a surface with a minimum in N by cross-validation");
    cvMse = search.cvMse;
    candidates = search.candidates;
    return search.best;
}

HeldOut evaluateOn(const IsoflopSurface& s, const std::vector<IsoflopPoint>& points,
                   const std::vector<int>& rows) {
    HeldOut h;
    std::vector<double> pred, obs;
    for (int i : rows)
        pred.push_back(s.loss(points[i].params, points[i].sparsity)), obs.push_back(points[i].loss);
    h.n = static_cast<int>(rows.size());
    h.pearson = pearson(pred, obs);
    h.mse = meanSquaredError(pred, obs);
    return h;
}

// Sizes are recentred in log space, losses and sparsities as they are (FrontierTrends.h, bootstrapBand).
Band band(double value, const std::vector<double>& samples, bool logScale = false) {
    return bootstrapBand(value, samples, logScale);
}

// The derived curves of one fitted surface, so the estimate and every bootstrap replicate share one code
// path.
struct Curves {
    double optN, optS, optLoss, optActive;
    std::vector<double> sStar, sStarLoss;         // over the N grid
    std::vector<double> nStar, nStarLoss, naStar; // over the sparsity levels
};

// Each sparsity level's own curve L(N), where the level has the sizes for one (null elsewhere).
using LevelCurves = std::vector<std::optional<IsoflopSurface>>;

// The surface N*(S) is read from at `level`: its own curve when it has one.
const IsoflopSurface& curveAt(const IsoflopSurface& s, const LevelCurves& perLevel, size_t level) {
    return level < perLevel.size() && perLevel[level] ? *perLevel[level] : s;
}

Curves deriveCurves(const IsoflopSurface& s, const LevelCurves& perLevel, const ActiveCount& active,
                    const std::vector<double>& nGrid, const std::vector<double>& levels,
                    bool nStarOnly = false) {
    Curves c;
    for (size_t i = 0; i < levels.size(); ++i) {
        const IsoflopSurface& curve = curveAt(s, perLevel, i);
        const double N = curve.optimalParams(levels[i]);
        c.nStar.push_back(N);
        c.nStarLoss.push_back(curve.loss(N, levels[i]));
        c.naStar.push_back(active(N, levels[i]));
    }
    if (nStarOnly) {
        c.optN = c.optS = c.optLoss = c.optActive = std::nan("");
        c.sStar.assign(nGrid.size(), std::nan(""));
        c.sStarLoss = c.sStar;
        return c;
    }
    const auto [n, sp] = s.jointOptimum();
    c.optN = n, c.optS = sp, c.optLoss = s.loss(n, sp);
    for (double N : nGrid) {
        const double opt = s.optimalSparsity(N);
        c.sStar.push_back(opt);
        c.sStarLoss.push_back(s.loss(N, opt));
    }
    c.optActive = active(n, sp);
    return c;
}

std::vector<IsoflopPoint> withActive(const std::vector<IsoflopPoint>& points,
                                     const std::vector<double>& active) {
    std::vector<IsoflopPoint> out = points;
    for (size_t i = 0; i < out.size(); ++i)
        out[i].params = active[i];
    return out;
}

// N*(S) at a level with five or more sizes comes from that level's own curve L(N) — the per-level isoFLOP
// parabolas of Abnar et al. App. B — not from the joint surface, which shares its shape in N across levels:
// over 7 levels its N*(S) sat 0.03 decades below the truth, and its per-budget 95 % bands held the true N*
// in 74 % of cases (bench_calibration). Five sizes leave a parabola two residual degrees of freedom for its
// interval. The curve takes the surface's degree in log N, as far as the level's sizes allow.
constexpr int kLevelCurveSizes = 5;

std::optional<IsoflopSurface> levelCurve(const std::vector<IsoflopPoint>& points,
                                         const std::vector<int>& rows, int degree) {
    std::set<double> sizes;
    for (int i : rows)
        sizes.insert(points[i].params);
    if (rows.empty() || static_cast<int>(sizes.size()) <= degree) return std::nullopt;
    return IsoflopSurface(points, Degrees{degree, 0, 0}, rows);
}

// Where N lies against the models swept: −1 at the smallest, +1 at the largest (within 2 % of the log range),
// 0 inside. An optimum there is where the fit stopped, not where the minimum is.
int modelEdge(const IsoflopSurface& s, double params) {
    const double lo = s.minLogParams(), hi = s.maxLogParams(), x = std::log(params);
    const double margin = 0.02 * (hi - lo);
    return x <= lo + margin ? -1 : (x >= hi - margin ? 1 : 0);
}

void markEdge(BudgetAnalysis& a, size_t sparsityLevels) {
    std::vector<std::string> why;
    const int edge = modelEdge(a.surface, a.optimum.params.value);
    if (edge < 0) why.push_back("N* is the smallest model swept");
    if (edge > 0) why.push_back("N* is the largest model swept");
    const double sTop = a.surface.maxSparsity();
    if (sparsityLevels > 1 && a.optimum.sparsity.value >= sTop - 1e-3 * (sTop - a.surface.minSparsity()))
        why.push_back("S* is the largest sparsity swept");
    if (why.empty()) return;
    a.optimum.edge = true;
    for (const auto& w : why)
        a.optimum.edgeWhy += (a.optimum.edgeWhy.empty() ? "" : "; ") + w;
    a.optimum.edgeWhy += ": the optimum may lie beyond the data, so no interval is claimed";
    for (Band* b : {&a.optimum.params, &a.optimum.sparsity, &a.optimum.activeParams, &a.optimum.loss})
        b->lo = b->hi = std::nan("");
}

// Subsample refits spread less than the estimate varies (replicateScale), and with few residual degrees of
// freedom their spread is a t interval's, not a normal one's: the factor both scale deviations by.
double bandScale(double replicateScale, int dof) {
    return replicateScale * (dof >= 2 ? studentT975(dof) / 1.959964 : 1.0);
}

// The index of `sparsity` among the levels with their own curve, or −1.
int levelIndex(const BudgetAnalysis& a, double sparsity) {
    for (size_t i = 0; i < a.nStar.size() && i < a.levelCurves.size(); ++i)
        if (a.nStar[i].sparsity == sparsity && a.levelCurves[i]) return static_cast<int>(i);
    return -1;
}

} // namespace

const IsoflopSurface& curveAt(const BudgetAnalysis& a, double sparsity) {
    const int i = levelIndex(a, sparsity);
    return i >= 0 ? *a.levelCurves[i] : a.surface;
}

Band surfaceBand(const BudgetAnalysis& a, double params, double sparsity, bool overActive) {
    const double x = std::log(params), y = IsoflopSurface::sHat(sparsity);
    const int level = overActive ? -1 : levelIndex(a, sparsity);
    std::vector<double> v;
    for (const PolynomialFit& f :
         overActive ? a.activeReplicates : (level >= 0 ? a.levelReplicates[level] : a.replicates))
        v.push_back(f(x, y));
    const IsoflopSurface& s =
        overActive && a.activeSurface ? *a.activeSurface : (level >= 0 ? *a.levelCurves[level] : a.surface);
    const double estimate = s.loss(params, sparsity);
    // On the fit's residual degrees of freedom, as N*(S)'s bands are.
    const double scale =
        bandScale(a.replicateScale, level >= 0 ? a.nStar[level].dof : a.n - a.degrees.featureCount());
    for (double& l : v)
        l = estimate + scale * (l - estimate);
    return band(estimate, v);
}

const BudgetGroups::value_type* nearestBudget(const BudgetGroups& groups, double c) {
    const BudgetGroups::value_type* best = nullptr;
    for (const auto& g : groups)
        if (!best || std::fabs(std::log(g.first / c)) < std::fabs(std::log(best->first / c))) best = &g;
    return best && std::fabs(std::log(best->first / c)) <= std::log(1.05) ? best : nullptr;
}

BudgetGroups groupByBudget(const RunTable& table) {
    BudgetGroups groups;
    for (const Run& r : table.runs) {
        if (r.excluded || !r.has(Field::Loss) || !r.has(Field::Params)) continue;
        double c =
            r.has(Field::Budget) ? r.get(Field::Budget) : (r.has(Field::Flops) ? r.get(Field::Flops) : 0);
        if (c <= 0) continue;
        if (!r.has(Field::Budget)) {
            // Snap raw compute to two significant digits: runs of one isoFLOP level differ by rounding.
            const double e = std::pow(10.0, std::floor(std::log10(c)) - 1);
            c = std::round(c / e) * e;
        }
        groups[c].push_back(&r);
    }
    return groups;
}

BudgetAnalysis analyzeBudget(const std::vector<IsoflopPoint>& points, const std::vector<double>& activeParams,
                             double budget, const IsoflopOptions& o) {
    BudgetAnalysis a;
    a.budget = budget;
    a.n = static_cast<int>(points.size());
    a.points = points;
    a.activeParams = activeParams;
    char label[64];
    std::snprintf(label, sizeof label, "budget %.3g: ", budget);
    if (points.size() < 3)
        throw IsoflopError(label + std::to_string(points.size()) + " runs; a surface needs at least 3");
    if (o.degrees) {
        a.degrees = *o.degrees;
        const std::string why = IsoflopSurface::whyUnsupported(points, a.degrees);
        if (!why.empty()) throw IsoflopError(label + why);
    } else {
        try {
            a.degrees = chooseDegrees(points, o, a.cvMse, a.degreeCandidates);
        } catch (const IsoflopError& e) {
            throw IsoflopError(label + std::string(e.what()));
        }
    }
    a.surface = IsoflopSurface(points, a.degrees);
    const bool hasActive =
        std::none_of(activeParams.begin(), activeParams.end(), [](double v) { return !(v > 0); }) &&
        activeParams.size() == points.size();
    const std::vector<IsoflopPoint> activePoints = hasActive ? withActive(points, activeParams) : points;
    if (hasActive && IsoflopSurface::whyUnsupported(activePoints, a.degrees).empty())
        a.activeSurface = IsoflopSurface(activePoints, a.degrees);

    std::vector<int> all(points.size());
    std::iota(all.begin(), all.end(), 0);
    const HeldOut inSample = evaluateOn(a.surface, points, all);
    a.mse = inSample.mse, a.pearson = inSample.pearson;

    std::mt19937_64 rng(o.seed);
    {
        std::vector<int> order = all;
        std::shuffle(order.begin(), order.end(), rng);
        const int nTest = std::max(1, static_cast<int>(std::round(o.holdoutFraction * order.size())));
        std::vector<int> test(order.begin(), order.begin() + nTest),
            train(order.begin() + nTest, order.end());
        std::vector<IsoflopPoint> trainPoints;
        for (int i : train)
            trainPoints.push_back(points[i]);
        if (IsoflopSurface::whyUnsupported(trainPoints, a.degrees).empty())
            a.heldout = evaluateOn(IsoflopSurface(points, a.degrees, train), points, test);
    }
    const std::vector<double> levels = sparsityLevels(points);
    if (o.leaveOneSparsityOut && levels.size() > 1) {
        std::vector<double> pred, obs;
        for (double s : levels) {
            std::vector<int> train, test;
            std::vector<IsoflopPoint> trainPoints;
            for (int i : all)
                (points[i].sparsity == s ? test : train).push_back(i);
            for (int i : train)
                trainPoints.push_back(points[i]);
            if (!IsoflopSurface::whyUnsupported(trainPoints, a.degrees).empty()) continue;
            const IsoflopSurface fit(points, a.degrees, train);
            for (int i : test)
                pred.push_back(fit.loss(points[i].params, points[i].sparsity)), obs.push_back(points[i].loss);
        }
        if (!pred.empty())
            a.leaveOneSparsityOut =
                HeldOut{static_cast<int>(pred.size()), pearson(pred, obs), meanSquaredError(pred, obs)};
    }

    std::vector<double> nGrid;
    const int g = std::max(2, o.gridPoints);
    for (int i = 0; i < g; ++i)
        nGrid.push_back(std::exp(a.surface.minLogParams() +
                                 (a.surface.maxLogParams() - a.surface.minLogParams()) * i / (g - 1)));
    std::vector<double> pointParams, pointSparsity;
    for (const auto& p : points)
        pointParams.push_back(p.params), pointSparsity.push_back(p.sparsity);
    const ActiveCount active(pointParams, pointSparsity, activeParams);
    std::vector<std::vector<int>> levelRows(levels.size());
    std::vector<int> levelDegree(levels.size(), 0);
    LevelCurves perLevel(levels.size());
    for (size_t i = 0; i < levels.size() && levels.size() > 1; ++i) {
        std::set<double> sizes;
        for (int r : all)
            if (points[r].sparsity == levels[i]) levelRows[i].push_back(r), sizes.insert(points[r].params);
        const int n = static_cast<int>(sizes.size());
        if (n < kLevelCurveSizes) continue;
        levelDegree[i] = std::clamp(a.degrees.n, 2, n - 3);
        perLevel[i] = levelCurve(points, levelRows[i], levelDegree[i]);
        if (perLevel[i]) perLevel[i]->prepareDomain();
    }
    const Curves est = deriveCurves(a.surface, perLevel, active, nGrid, levels);

    // Subsamples are drawn first, in order, so the replicates are the same whatever the thread count.
    const int subsample =
        std::max(a.degrees.featureCount(), static_cast<int>(o.subsampleFraction * points.size()));
    std::vector<std::vector<int>> draws;
    for (int b = 0; b < o.bootstrap && subsample < static_cast<int>(points.size()); ++b) {
        std::vector<int> order = all;
        std::shuffle(order.begin(), order.end(), rng);
        order.resize(subsample);
        std::sort(order.begin(), order.end());
        draws.push_back(std::move(order));
    }
    std::vector<std::optional<Curves>> slots(draws.size());
    std::vector<std::optional<PolynomialFit>> fits(draws.size()), activeFits(draws.size());
    std::vector<std::vector<std::optional<PolynomialFit>>> levelFits(draws.size());
    a.surface.prepareDomain();
    if (a.activeSurface) a.activeSurface->prepareDomain();
    parallelFor(draws.size(), threadCount(o.threads), [&](size_t b, size_t) {
        throwIfCancelled(o.cancel);
        std::vector<IsoflopPoint> sub;
        for (int i : draws[b])
            sub.push_back(points[i]);
        if (!IsoflopSurface::whyUnsupported(sub, a.degrees).empty()) return;
        IsoflopSurface s(points, a.degrees, draws[b]);
        s.shareDomain(a.surface);
        std::optional<IsoflopSurface> as;
        if (a.activeSurface) {
            as = IsoflopSurface(activePoints, a.degrees, draws[b]);
            as->shareDomain(*a.activeSurface);
        }
        LevelCurves mine(levels.size());
        for (size_t i = 0; i < levels.size(); ++i) {
            if (!perLevel[i]) continue;
            std::vector<int> rows;
            std::set_intersection(draws[b].begin(), draws[b].end(), levelRows[i].begin(), levelRows[i].end(),
                                  std::back_inserter(rows));
            // A draw that left the level too few sizes reads this level from its surface instead.
            mine[i] = levelCurve(points, rows, levelDegree[i]);
            if (mine[i]) mine[i]->shareDomain(*perLevel[i]);
        }
        for (const auto& curve : mine)
            levelFits[b].push_back(curve ? std::optional(curve->polynomial()) : std::nullopt);
        slots[b] = deriveCurves(s, mine, active, nGrid, levels, o.nStarBandsOnly);
        fits[b] = s.polynomial();
        if (as) activeFits[b] = as->polynomial();
    });
    std::vector<Curves> reps;
    for (size_t b = 0; b < slots.size(); ++b) {
        if (slots[b]) {
            a.replicateOptima.emplace_back(std::log(slots[b]->optN), slots[b]->optS);
            reps.push_back(std::move(*slots[b]));
        }
        if (fits[b]) a.replicates.push_back(*fits[b]);
        if (activeFits[b]) a.activeReplicates.push_back(*activeFits[b]);
    }
    a.levelReplicates.resize(levels.size());
    for (const auto& draw : levelFits)
        for (size_t i = 0; i < draw.size(); ++i)
            if (draw[i]) a.levelReplicates[i].push_back(*draw[i]);
    auto collect = [&](auto member) {
        std::vector<double> v;
        for (const Curves& c : reps)
            v.push_back(member(c));
        return v;
    };
    if (subsample < static_cast<int>(points.size()))
        a.replicateScale = std::sqrt(static_cast<double>(subsample) / (points.size() - subsample));
    // Refits on m of n runs spread less than the estimate varies, by √((n−m)/m): the bands are drawn from
    // the replicates' deviations scaled back up (the frontier does the same with the samples). And a surface
    // that leaves fewer than two residual degrees of freedom has no interval to give: its drop-a-run refits
    // would only show how much one run moves it.
    const int surfaceDof = static_cast<int>(points.size()) - a.degrees.featureCount();
    auto scaledBand = [&](double estimate, const std::vector<double>& samples, bool logScale = false,
                          int dof = -1) {
        if (dof < 0) dof = surfaceDof;
        if (dof < 2) return Band{estimate, std::nan(""), std::nan("")};
        const double scale = bandScale(a.replicateScale, dof);
        std::vector<double> v;
        v.reserve(samples.size());
        for (double x : samples)
            v.push_back(logScale ? (x > 0 && estimate > 0
                                        ? std::exp(std::log(estimate) + scale * std::log(x / estimate))
                                        : std::nan(""))
                                 : estimate + scale * (x - estimate));
        return band(estimate, v, logScale);
    };
    a.optimum.params = scaledBand(est.optN, collect([](const Curves& c) { return c.optN; }), true);
    a.optimum.sparsity = scaledBand(est.optS, collect([](const Curves& c) { return c.optS; }));
    a.optimum.loss = scaledBand(est.optLoss, collect([](const Curves& c) { return c.optLoss; }));
    a.optimum.activeParams =
        scaledBand(est.optActive, collect([](const Curves& c) { return c.optActive; }), true);
    for (size_t i = 0; i < nGrid.size() && levels.size() > 1; ++i)
        a.sStar.push_back(
            {nGrid[i], scaledBand(est.sStar[i], collect([&](const Curves& c) { return c.sStar[i]; })),
             scaledBand(est.sStarLoss[i], collect([&](const Curves& c) { return c.sStarLoss[i]; }))});
    for (size_t i = 0; i < levels.size(); ++i) {
        NStarPoint p;
        p.sparsity = levels[i];
        p.paramsSamples = collect([&](const Curves& c) { return c.nStar[i]; });
        p.activeSamples = collect([&](const Curves& c) { return c.naStar[i]; });
        p.lossSamples = collect([&](const Curves& c) { return c.nStarLoss[i]; });
        p.dof = perLevel[i] ? static_cast<int>(levelRows[i].size()) - (levelDegree[i] + 1) : surfaceDof;
        p.params = scaledBand(est.nStar[i], p.paramsSamples, true, p.dof);
        p.activeParams = scaledBand(est.naStar[i], p.activeSamples, true, p.dof);
        p.loss = scaledBand(est.nStarLoss[i], p.lossSamples, false, p.dof);
        p.edge = modelEdge(curveAt(a.surface, perLevel, i), est.nStar[i]) != 0;
        a.nStar.push_back(std::move(p));
    }
    a.levelCurves = std::move(perLevel);

    markEdge(a, levels.size());
    if (!a.sStar.empty()) {
        const double top = a.surface.maxSparsity();
        const double tol = 1e-3 * std::max(1e-9, top - a.surface.minSparsity());
        int first = -1;
        for (int i = static_cast<int>(a.sStar.size()) - 1; i >= 0 && a.sStar[i].sparsity.value >= top - tol;
             --i)
            first = i;
        if (first >= 0) a.nThreshold = a.sStar[first].params;
    }
    return a;
}

BudgetAnalysis analyzeBudget(const std::vector<const Run*>& runs, double budget, const IsoflopOptions& o) {
    std::vector<IsoflopPoint> points;
    std::vector<double> active;
    for (const Run* r : runs) {
        points.push_back({r->get(Field::Params), r->has(Field::Sparsity) ? r->get(Field::Sparsity) : 0.0,
                          r->get(Field::Loss)});
        active.push_back(r->has(Field::ActiveParams) ? r->get(Field::ActiveParams) : std::nan(""));
    }
    return analyzeBudget(points, active, budget, o);
}

SweepAnalysis analyzeSweep(const RunTable& table, const IsoflopOptions& o) {
    SweepAnalysis sweep;
    for (const auto& [budget, runs] : groupByBudget(table)) {
        throwIfCancelled(o.cancel);
        try {
            sweep.budgets.push_back(analyzeBudget(runs, budget, o));
        } catch (const IsoflopError& e) {
            sweep.skipped.push_back(e.what());
        }
    }
    std::map<double, std::vector<std::pair<double, const NStarPoint*>>> bySparsity;
    std::vector<double> cs, optN, optNa, optL;
    for (const auto& b : sweep.budgets) {
        for (const auto& p : b.nStar)
            bySparsity[p.sparsity].emplace_back(b.budget, &p);
        cs.push_back(b.budget);
        optN.push_back(b.optimum.params.value);
        optNa.push_back(b.optimum.activeParams.value);
        optL.push_back(b.optimum.loss.value);
    }
    for (const auto& [s, list] : bySparsity) {
        if (list.size() < 2) continue;
        std::vector<double> c, n, na, l;
        for (const auto& [budget, p] : list)
            c.push_back(budget), n.push_back(p->params.value), na.push_back(p->activeParams.value),
                l.push_back(p->loss.value);
        sweep.trends.push_back({s, fitPowerLaw(c, n), fitPowerLaw(c, na), fitPowerLaw(c, l)});
    }
    sweep.optimumParams = fitPowerLaw(cs, optN);
    sweep.optimumActive = fitPowerLaw(cs, optNa);
    sweep.optimumLoss = fitPowerLaw(cs, optL);
    return sweep;
}

} // namespace moescope
