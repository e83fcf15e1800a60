#include "core/fit/LawFitter.h"

#include "core/fit/FrontierTrends.h"

#include "core/fit/LseObjective.h"
#include "core/fit/Parallel.h"
#include "core/fit/Statistics.h"
#include "core/fit/VariableProjection.h"

#include <ceres/gradient_problem.h>
#include <ceres/gradient_problem_solver.h>
#include <glog/logging.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <thread>

namespace moescope {

namespace {

double halton(int index, int base) {
    double f = 1, r = 0;
    for (int i = index; i > 0; i /= base) {
        f /= base;
        r += f * (i % base);
    }
    return r;
}

constexpr int kPrimes[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37};

// A borrowed-objective view so one FirstOrderFunction serves every start (GradientProblem owns its function).
class Borrowed final : public ceres::FirstOrderFunction {
public:
    explicit Borrowed(const ceres::FirstOrderFunction& f) : f_(f) {}
    bool Evaluate(const double* p, double* cost, double* gradient) const override {
        return f_.Evaluate(p, cost, gradient);
    }
    int NumParameters() const override { return f_.NumParameters(); }

private:
    const ceres::FirstOrderFunction& f_;
};

struct Best {
    double objective = std::numeric_limits<double>::infinity();
    size_t index = 0;
    std::vector<double> p;
    Termination termination;
};

// The best of one descent from every start (`descendFrom` runs it in place), by (objective, start index).
Best bestOfDescents(const std::vector<std::vector<double>>& starts, const LawFitOptions& o,
                    const std::function<Descent(std::vector<double>&)>& descendFrom) {
    const size_t threads = threadCount(o.threads);
    std::vector<Best> perThread(threads);
    parallelFor(starts.size(), threads, [&](size_t i, size_t t) {
        std::vector<double> p = starts[i];
        const Descent d = descendFrom(p);
        Best& b = perThread[t];
        if (d.objective < b.objective || (d.objective == b.objective && i < b.index))
            b = {d.objective, i, p, d.termination};
    });
    Best best;
    for (const Best& b : perThread)
        if (b.objective < best.objective || (b.objective == best.objective && b.index < best.index)) best = b;
    return best;
}

Best bestOfStarts(const ceres::FirstOrderFunction& objective, const std::vector<std::vector<double>>& starts,
                  const LawFitOptions& o) {
    return bestOfDescents(
        starts, o, [&](std::vector<double>& p) { return descend(objective, p, o.maxIterations, o.cancel); });
}

// The same search over the exponents alone: each start's exponents (those of the grid's starts, each once),
// its coefficients solved for at every step. The winner comes back as a full parameter vector.
Best bestOfProjectedStarts(const ProjectedLse& lse, const std::vector<std::vector<double>>& starts,
                           const LawFitOptions& o, size_t& used) {
    std::vector<std::vector<double>> thetas;
    {
        std::set<std::vector<double>> seen;
        for (const auto& p : starts) {
            std::vector<double> theta;
            for (int j : lse.exponents())
                theta.push_back(p[size_t(j)]);
            if (seen.insert(theta).second) thetas.push_back(std::move(theta));
        }
    }
    used = thetas.size();
    // One objective a descent: each keeps its last coefficients as the next inner start.
    Best best = bestOfDescents(thetas, o, [&](std::vector<double>& theta) {
        const ProjectedObjective objective(lse);
        return descend(objective, theta, o.maxIterations, o.cancel);
    });
    if (best.p.empty()) return best;
    std::vector<double> p(size_t(lse.parameters()), 0.0);
    for (size_t i = 0; i < lse.exponents().size(); ++i)
        p[size_t(lse.exponents()[i])] = best.p[i];
    if (!lse.project(p)) return Best{};
    best.p = std::move(p);
    return best;
}

// Stops the solver at its next iteration once the flag is set.
class CancelCallback final : public ceres::IterationCallback {
public:
    explicit CancelCallback(const CancelFlag* flag) : flag_(flag) {}
    ceres::CallbackReturnType operator()(const ceres::IterationSummary&) override {
        return isCancelled(flag_) ? ceres::SOLVER_ABORT : ceres::SOLVER_CONTINUE;
    }

private:
    const CancelFlag* flag_;
};

// Ceres' line search warns through glog about degenerate interpolation polynomials, thousands of times
// over a start grid; those are expected and handled, so only errors are shown.
void quietCeres() {
    static const bool once = [] {
        FLAGS_minloglevel = google::GLOG_ERROR;
        return true;
    }();
    (void)once;
}

} // namespace

std::vector<std::vector<double>> startPoints(const ParametricLaw& law, const LawFitOptions& o) {
    const auto axes = law.startAxes();
    std::vector<std::vector<double>> starts;
    if (o.starts == LawFitOptions::Starts::Full) {
        LawFitOptions fast = o;
        fast.starts = LawFitOptions::Starts::Fast;
        std::vector<size_t> idx(axes.size(), 0);
        for (;;) {
            std::vector<double> p(axes.size());
            for (size_t k = 0; k < axes.size(); ++k)
                p[k] = axes[k][idx[k]];
            starts.push_back(p);
            size_t k = axes.size();
            while (k > 0 && ++idx[k - 1] == axes[k - 1].size())
                idx[--k] = 0;
            if (k == 0) break;
        }
        for (auto& p : startPoints(law, fast))
            starts.push_back(std::move(p));
        return starts;
    }
    auto inBox = [&](auto unit) {
        std::vector<double> p(axes.size());
        for (size_t k = 0; k < axes.size(); ++k) {
            const auto [lo, hi] = std::minmax_element(axes[k].begin(), axes[k].end());
            p[k] = *lo + (*hi - *lo) * unit(k);
        }
        return p;
    };
    if (o.starts == LawFitOptions::Starts::Fast) {
        starts.push_back(law.preset());
        for (int i = 1; i <= 64; ++i)
            starts.push_back(inBox([&](size_t k) { return halton(i, kPrimes[k % 12]); }));
        return starts;
    }
    std::mt19937_64 rng(o.seed);
    std::uniform_real_distribution<double> u(0, 1);
    for (int i = 0; i < o.randomStarts; ++i)
        starts.push_back(inBox([&](size_t) { return u(rng); }));
    return starts;
}

Descent descend(const ceres::FirstOrderFunction& objective, std::vector<double>& p, int maxIterations,
                const CancelFlag* cancel) {
    quietCeres();
    throwIfCancelled(cancel);
    Descent d;
    double cost = 0;
    if (!objective.Evaluate(p.data(), &cost, nullptr) || !std::isfinite(cost)) {
        d.objective = std::numeric_limits<double>::infinity();
        d.termination = {"FAILURE", false, 0, "the start point is infeasible"};
        return d;
    }
    ceres::GradientProblem problem(new Borrowed(objective));
    ceres::GradientProblemSolver::Options options;
    options.line_search_direction_type = ceres::LBFGS;
    options.max_num_iterations = maxIterations;
    // Relative 1e-6 on objectives of ~1e-3 stops at absolute changes of ~1e-9: SciPy L-BFGS-B's default
    // (ftol 2.2e-9, relative to max(|f|, 1)), so both implementations are held to the same standard.
    options.function_tolerance = 1e-6;
    options.gradient_tolerance = 1e-8;
    options.parameter_tolerance = 1e-10;
    options.logging_type = ceres::SILENT;
    CancelCallback callback(cancel);
    if (cancel) options.callbacks.push_back(&callback);
    ceres::GradientProblemSolver::Summary summary;
    ceres::Solve(options, problem, p.data(), &summary);
    throwIfCancelled(cancel);
    d.objective =
        std::isfinite(summary.final_cost) ? summary.final_cost : std::numeric_limits<double>::infinity();
    d.termination.type = ceres::TerminationTypeToString(summary.termination_type);
    d.termination.converged = summary.termination_type == ceres::CONVERGENCE;
    d.termination.iterations = static_cast<int>(summary.iterations.size());
    d.termination.message = summary.message;
    return d;
}

double refit(const ParametricLaw& law, const std::vector<LawPoint>& points, std::vector<double>& p,
             const LawFitOptions& o) {
    double value = descend(*law.objective(points, o.huberDelta), p, o.maxIterations, o.cancel).objective;
    law.refine(points, p, value);
    return value;
}

FitMetrics metricsOf(const ParametricLaw& law, const std::vector<double>& p,
                     const std::vector<LawPoint>& points) {
    FitMetrics m;
    std::vector<double> pred, obs;
    for (const auto& x : points)
        pred.push_back(law.predict(p, x)), obs.push_back(x.loss);
    m.n = static_cast<int>(points.size());
    m.mse = meanSquaredError(pred, obs);
    m.rmse = std::sqrt(m.mse);
    m.r2 = rSquared(pred, obs);
    return m;
}

namespace {

std::vector<std::string> identifiabilityWarnings(const ParametricLaw& law, const LawFit& fit,
                                                 const std::vector<double>& start, size_t points) {
    std::vector<std::string> w;
    if (!fit.termination.converged)
        w.push_back("the solver stopped before converging (" + fit.termination.type + " after " +
                    std::to_string(fit.termination.iterations) + " iterations)");
    const auto names = law.parameterNames();
    for (size_t k = 0; k < names.size() && k < start.size() && k < fit.parameters.size(); ++k)
        if (std::fabs(fit.parameters[k] - start[k]) <= 1e-9 * std::max(1.0, std::fabs(start[k])))
            w.push_back("parameter " + names[k] +
                        " never moved from its start value: the data do not determine it");
    const size_t wanted = 5 * names.size();
    if (points < wanted)
        w.push_back(std::to_string(points) + " runs for " + std::to_string(names.size()) +
                    " parameters (fewer than 5 per parameter): expect wide or unstable coefficients");
    for (const auto& [name, value] : fit.reported) {
        const auto it = fit.ci95.find(name);
        if (it == fit.ci95.end() || fit.replicates.size() < 2) continue;
        // A bootstrap that does not move gives no interval (never one of zero width): say why.
        if (!std::isfinite(it->second.first) ||
            it->second.second - it->second.first <= 1e-9 * std::max(1e-12, std::fabs(value)))
            w.push_back("parameter " + name +
                        ": no interval — its bootstrap refits all stayed put (every refit stayed put)");
    }
    return w;
}

} // namespace

LawFit fitLaw(const ParametricLaw& law, const std::vector<LawPoint>& train,
              const std::vector<LawPoint>& heldout, const LawFitOptions& o) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto objective = law.objective(train, o.huberDelta);
    const auto starts = startPoints(law, o);
    size_t used = starts.size();
    Best best;
    const bool project =
        o.projection == LawFitOptions::Projection::Always ||
        (o.projection == LawFitOptions::Projection::Grid && o.starts == LawFitOptions::Starts::Full);
    const auto* lse = project ? dynamic_cast<const LseObjective*>(objective.get()) : nullptr;
    const std::optional<ProjectedLse> projected = lse ? std::optional<ProjectedLse>(*lse) : std::nullopt;
    if (projected && projected->usable()) {
        best = bestOfProjectedStarts(*projected, starts, o, used);
        // The winner polished on the full objective: the same minimum, to the full problem's tolerance.
        if (!best.p.empty()) {
            double cost = 0;
            if (!objective->Evaluate(best.p.data(), &cost, nullptr) || !std::isfinite(cost)) return LawFit{};
            best.objective = cost;
            std::vector<double> p = best.p;
            const Descent d = descend(*objective, p, o.maxIterations, o.cancel);
            if (d.objective <= best.objective) best.p = std::move(p), best.objective = d.objective;
        }
    } else {
        best = bestOfStarts(*objective, starts, o);
    }
    if (!best.p.empty() && law.refine(train, best.p, best.objective))
        best.termination.message += "; then refined by " + law.id() + "'s own structure to objective " +
                                    std::to_string(best.objective);
    LawFit fit;
    fit.law = law.id();
    fit.parameters = best.p;
    fit.objective = best.objective;
    fit.starts = static_cast<int>(used);
    fit.termination = best.termination;
    if (!best.p.empty()) {
        fit.reported = law.report(best.p);
        fit.metrics = metricsOf(law, best.p, train);
        if (!heldout.empty()) fit.heldout = metricsOf(law, best.p, heldout);
    }
    // Bootstrap: resample with replacement and descend again from the best fit. The unit drawn is a run:
    // a point alone, or every checkpoint of one run's curve together (they are not independent).
    if (o.bootstrap > 0 && !best.p.empty()) {
        std::vector<std::vector<size_t>> units;
        std::map<int, size_t> unitOfCurve;
        for (size_t i = 0; i < train.size(); ++i) {
            if (train[i].curve < 0) {
                units.push_back({i});
                continue;
            }
            const auto [it, added] = unitOfCurve.emplace(train[i].curve, units.size());
            if (added) units.emplace_back();
            units[it->second].push_back(i);
        }
        std::mt19937_64 rng(o.seed + 1);
        std::uniform_int_distribution<size_t> pick(0, units.size() - 1);
        std::vector<std::vector<LawPoint>> samples(o.bootstrap);
        for (auto& s : samples)
            for (size_t u = 0; u < units.size(); ++u)
                for (size_t i : units[pick(rng)])
                    s.push_back(train[i]);
        std::vector<std::vector<std::pair<std::string, double>>> reps(o.bootstrap);
        std::vector<std::vector<double>> params(o.bootstrap);
        parallelFor(samples.size(), threadCount(o.threads), [&](size_t b, size_t) {
            std::vector<double> p = best.p;
            if (std::isfinite(refit(law, samples[b], p, o))) reps[b] = law.report(p), params[b] = p;
        });
        for (auto& p : params)
            if (!p.empty()) fit.replicates.push_back(std::move(p));
        for (size_t k = 0; k < fit.reported.size(); ++k) {
            std::vector<double> v;
            for (const auto& r : reps)
                if (!r.empty()) v.push_back(r[k].second);
            // Recentred on the estimate: a percentile interval of a skewed or biased bootstrap can miss it.
            const Band b = bootstrapBand(fit.reported[k].second, v, false);
            fit.ci95[fit.reported[k].first] = {b.lo, b.hi};
        }
    }
    if (!best.p.empty()) fit.warnings = identifiabilityWarnings(law, fit, starts[best.index], train.size());
    fit.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return fit;
}

Json lawFitJson(const LawFit& fit) {
    auto metricsJson = [](const FitMetrics& m) {
        Json j = Json::object();
        j.set("n", m.n);
        j.set("mse", m.mse);
        j.set("rmse", m.rmse);
        j.set("r2", m.r2);
        return j;
    };
    Json params = Json::object(), ci = Json::object();
    for (const auto& [name, value] : fit.reported) {
        params.set(name, value);
        if (fit.ci95.count(name)) {
            Json band = Json::array();
            band.push(fit.ci95.at(name).first);
            band.push(fit.ci95.at(name).second);
            ci.set(name, band);
        }
    }
    Json j = Json::object();
    j.set("law", fit.law);
    j.set("params", params);
    j.set("ci95", ci);
    j.set("objective", fit.objective);
    Json metrics = metricsJson(fit.metrics);
    if (fit.heldout) metrics.set("heldout", metricsJson(*fit.heldout));
    j.set("metrics", metrics);
    j.set("starts", fit.starts);
    Json termination = Json::object();
    termination.set("type", fit.termination.type);
    termination.set("converged", fit.termination.converged);
    termination.set("iterations", fit.termination.iterations);
    termination.set("message", fit.termination.message);
    j.set("termination", termination);
    j.set("seconds", fit.seconds);
    Json warnings = Json::array();
    for (const auto& w : fit.warnings)
        warnings.push(w);
    j.set("warnings", std::move(warnings));
    return j;
}

} // namespace moescope
