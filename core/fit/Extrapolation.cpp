#include "core/fit/Extrapolation.h"

#include "core/fit/ConfigJson.h"
#include "core/fit/FrontierTrends.h"
#include "core/fit/OptimaFrontier.h"
#include "core/fit/Statistics.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>
#include <tuple>

namespace moescope {

namespace {

bool usesField(const ParametricLaw& law, Field f) {
    const auto in = law.inputs();
    return std::find(in.begin(), in.end(), f) != in.end();
}

int levelCount(const RunTable& runs, Field f, double absent) {
    std::set<double> s;
    for (const Run& r : runs.runs)
        if (!r.excluded) s.insert(r.has(f) ? r.get(f) : absent);
    return static_cast<int>(s.size());
}

// Why a law's frontier would mean nothing on these runs (empty: it applies). A term whose variable never
// varies cannot be fitted; a law without a sparsity term cannot tell the levels of an MoE sweep apart.
std::string whyNotApplicable(const ParametricLaw& law, const RunTable& runs) {
    const int sparsity = levelCount(runs, Field::Sparsity, 0.0);
    if (usesField(law, Field::Sparsity) && sparsity < 2)
        return "one sparsity level: its sparsity terms cannot be fitted";
    if (!usesField(law, Field::Sparsity) && !usesField(law, Field::ActiveParams) && sparsity > 1)
        return "no sparsity term, and the runs have " + std::to_string(sparsity) + " sparsity levels";
    if (law.id() == "ludziejewski" && levelCount(runs, Field::Granularity, 1.0) < 2)
        return "one granularity level: its granularity term cannot be fitted";
    return {};
}

std::string fmt(const char* format, double a, double b = 0) {
    char buf[200];
    std::snprintf(buf, sizeof buf, format, a, b);
    return buf;
}

// Which of the methods to prefer when no inner backtest can choose: a law carries its form past the data,
// the isoFLOP frontier only a straight line through few points.
const char* const kPreference[] = {"abnar", "li", "ludziejewski", "chinchilla", "isoflop"};

// An observed optimum's standard error: its band is a t interval on its curve's degrees of freedom.
double observedError(const NStarPoint& p, const Band& band, bool logScale) {
    return standardError(band, logScale) * 1.959964 / studentT975(std::max(1, p.dof));
}

// A method the recommendation may choose: fitted, and (a law) with a fit worth trusting.
bool trusted(const FittedMethods& fitted, const std::string& name) {
    if (!fitted.find(name)) return false;
    const auto fit = fitted.lawFits.find(name);
    return fit == fitted.lawFits.end() || untrustworthyFit(fit->second).empty();
}

std::string preferred(const FittedMethods& fitted) {
    for (const char* m : kPreference)
        if (trusted(fitted, m)) return m;
    for (const auto& m : fitted.methods)
        if (trusted(fitted, m->name())) return m->name();
    return {};
}

// The interior isoFLOP optima of one budget, by sparsity (empty when every one is on the edge).
std::map<double, const NStarPoint*> interiorOptima(const BudgetAnalysis& b) {
    std::map<double, const NStarPoint*> out;
    for (const auto& p : b.nStar)
        if (!p.edge) out[p.sparsity] = &p;
    return out;
}

} // namespace

std::vector<double> budgetLevels(const RunTable& runs) {
    std::vector<double> out;
    for (const auto& [c, list] : groupByBudget(runs))
        out.push_back(c);
    return out;
}

RunTable runsWhere(const RunTable& runs, const std::vector<bool>& keep, bool value) {
    RunTable out = runs;
    for (size_t i = 0; i < out.runs.size(); ++i)
        if (keep[i] != value) out.runs[i].excluded = true;
    return out;
}

RunTable plannedRuns(const RunTable& runs, const AnalysisPlan& plan) {
    RunTable out;
    std::string error;
    if (!selectPlanRuns(runs, plan, out, error)) throw std::invalid_argument(error);
    return out;
}

const FrontierMethod* FittedMethods::find(const std::string& name) const {
    for (const auto& m : methods)
        if (m->name() == name) return m.get();
    return nullptr;
}

FittedMethods fitMethods(const RunTable& runs, const ExtrapolationOptions& o, const SweepAnalysis* sweep) {
    FittedMethods f;
    const auto budgets = budgetLevels(runs);
    f.largestBudget = budgets.empty() ? 0 : budgets.back();
    std::vector<std::string> wanted = o.methods;
    if (wanted.empty()) {
        wanted.push_back("isoflop");
        for (const auto& id : lawIds())
            if (usesField(*makeLaw(id), Field::Tokens)) wanted.push_back(id);
    }
    FrontierFitOptions frontier = o.frontier;
    frontier.flopsPerToken = flopsPerToken(runs);
    for (const auto& name : wanted) {
        throwIfCancelled(o.plan.isoflop.cancel);
        if (name == "isoflop") {
            IsoflopOptions iso = o.plan.isoflop;
            iso.nStarBandsOnly = true;
            f.sweep = sweep ? *sweep : analyzeSweep(runs, iso);
            try {
                f.methods.push_back(std::make_shared<IsoflopFrontier>(f.sweep, frontier));
            } catch (const FrontierError& e) {
                f.problems[name] = e.what();
            }
            continue;
        }
        auto law = makeLaw(name);
        if (!law) {
            f.problems[name] = "unknown method";
            continue;
        }
        if (const std::string why = whyNotApplicable(*law, runs); !why.empty()) {
            f.problems[name] = why;
            continue;
        }
        AnalysisPlan plan = o.plan;
        plan.law = name;
        plan.where.clear();
        plan.group = "all";
        plan.holdout = "none";
        plan.scoreOutliers = false;
        LawAnalysis a = analyzeLaw(runs, plan);
        if (!a.fit) {
            f.problems[name] = a.problem.empty() ? "no fit" : a.problem;
            continue;
        }
        f.lawFits[name] = *a.fit;
        try {
            f.methods.push_back(std::make_shared<LawFrontier>(a.law, *a.fit, runs, frontier.flopsPerToken));
        } catch (const FrontierError& e) {
            f.problems[name] = e.what();
        }
    }
    return f;
}

std::string untrustworthyFit(const LawFit& fit) {
    if (!fit.termination.converged)
        return "its solver did not converge (" +
               (fit.termination.type.empty() ? "no report" : fit.termination.type) + ")";
    for (const auto& [name, v] : fit.reported) {
        const bool exponent =
            name == "alpha" || name == "beta" || name == "gamma" || name == "lambda" || name == "delta";
        if ((name == "alpha" || name == "beta") && !(v > 0))
            return name + fmt(" = %.4g: a size or data exponent must be positive", v);
        if (exponent && !(std::fabs(v) <= 5)) return name + fmt(" = %.4g: an implausible exponent", v);
        const auto ci = fit.ci95.find(name);
        if (ci != fit.ci95.end() && fit.replicates.size() >= 2 && !(ci->second.second > ci->second.first))
            return "the bootstrap never moved " + name + " (no interval)";
    }
    return {};
}

Recommendation recommendMethod(const RunTable& runs, const FittedMethods& fitted,
                               const ExtrapolationOptions& o) {
    Recommendation rec;
    if (fitted.methods.empty()) return rec;
    const auto budgets = budgetLevels(runs);
    auto fallback = [&](const std::string& why) {
        rec.method = preferred(fitted);
        rec.why = why + "; chose " + rec.method + " (a law carries its form past the data)";
        return rec;
    };
    if (budgets.size() < 3)
        return fallback(std::to_string(budgets.size()) + " budget(s): too few for an inner backtest");
    std::string distrusted;
    for (const auto& [name, fit] : fitted.lawFits)
        if (const std::string why = untrustworthyFit(fit); fitted.find(name) && !why.empty())
            distrusted += (distrusted.empty() ? "" : "; ") + name + " not considered: " + why;
    // Rolling origin: fit on the first k budgets (k = 2 … B−1), predict every later one that has interior
    // isoFLOP optima; each method's record is its error against the distance it predicted at.
    std::map<double, std::map<double, const NStarPoint*>> observed; // budget → sparsity → optimum
    for (const auto& b : fitted.sweep.budgets)
        if (auto optima = interiorOptima(b); !optima.empty()) observed[b.budget] = std::move(optima);
    if (!observed.count(budgets.back()))
        return fallback(fmt("the largest budget (%.3g) has no interior isoFLOP optimum to backtest against",
                            budgets.back()));
    // Only the point predictions rank the methods: the inner fits skip their bootstrap.
    ExtrapolationOptions pointOnly = o;
    pointOnly.plan.lawFit.bootstrap = 0;
    pointOnly.plan.isoflop.bootstrap = 0;
    // Each method fitted on every budget, at each observed optimum: how far it misses the optimum with no
    // extrapolation at all. Asked once per (method, budget, level), not once per split that predicts it.
    // Its record at distance 0: the miss, and as noise the optimum's own error and the fit's, in quadrature.
    std::map<std::tuple<std::string, double, double>, TrackPoint> fullFitMiss;
    auto missOfFullFit = [&](const std::string& name, double budget, double s, const NStarPoint& p) {
        const auto key = std::make_tuple(name, budget, s);
        if (const auto it = fullFitMiss.find(key); it != fullFitMiss.end()) return it->second;
        TrackPoint miss;
        if (const FrontierMethod* all = fitted.find(name)) {
            const FrontierPoint f = all->at(budget, s);
            miss.lossError = std::fabs(f.loss.value - p.loss.value);
            miss.paramsError = std::fabs(std::log10(f.params.value / p.params.value));
            miss.lossNoise = std::hypot(observedError(p, p.loss, false), standardError(f.loss, false));
            miss.paramsNoise =
                std::hypot(observedError(p, p.params, true), standardError(f.params, true)) / std::log(10.0);
        }
        return fullFitMiss[key] = miss;
    };
    std::map<std::string, int> predictions;
    int wanted = 0;
    for (size_t k = 2; k < budgets.size(); ++k) {
        throwIfCancelled(o.plan.isoflop.cancel);
        std::vector<bool> later(runs.runs.size());
        for (size_t i = 0; i < runs.runs.size(); ++i) {
            const Run& r = runs.runs[i];
            const Field c = r.has(Field::Budget) ? Field::Budget : Field::Flops;
            later[i] = r.has(c) && r.get(c) > std::sqrt(budgets[k - 1] * budgets[k]);
        }
        const FittedMethods inner = fitMethods(runsWhere(runs, later, false), pointOnly);
        for (size_t h = k; h < budgets.size(); ++h) {
            const auto it = observed.find(budgets[h]);
            if (it == observed.end()) continue;
            const double decades = std::log10(budgets[h] / budgets[k - 1]);
            wanted += static_cast<int>(it->second.size());
            for (const auto& m : inner.methods) {
                if (!trusted(fitted, m->name())) continue;
                for (const auto& [s, p] : it->second) {
                    try {
                        const FrontierPoint q = m->at(budgets[h], s);
                        TrackPoint t{decades, std::fabs(q.loss.value - p->loss.value),
                                     std::fabs(std::log10(q.params.value / p->params.value)),
                                     observedError(*p, p->loss, false),
                                     observedError(*p, p->params, true) / std::log(10.0)};
                        // The method fitted on every budget disagrees with this optimum too, by as much as
                        // the optimum's own error (noise and the bias of its surface) and no extrapolation.
                        const TrackPoint miss = missOfFullFit(m->name(), budgets[h], s, *p);
                        t.lossNoise = std::max(t.lossNoise, miss.lossError);
                        t.paramsNoise = std::max(t.paramsNoise, miss.paramsError);
                        rec.record[m->name()].push_back(t);
                        ++predictions[m->name()];
                    } catch (const FrontierError&) {
                    }
                }
            }
        }
    }
    // Inside the sweep no backtest extrapolates, but a law of the wrong form misses there too: each trusted
    // method fitted on every budget, against every observed optimum, is its record at distance 0.
    for (const auto& m : fitted.methods) {
        if (!trusted(fitted, m->name())) continue;
        for (const auto& [budget, optima] : observed)
            for (const auto& [s, p] : optima) {
                try {
                    rec.record[m->name()].push_back(missOfFullFit(m->name(), budget, s, *p));
                } catch (const FrontierError&) {
                }
            }
    }
    rec.innerBudget = budgets.back();
    // Scored on L* and N* alike, each error in units of what a backtest tolerates (0.01 nats, 30 %).
    double best = INFINITY, bestL = 0, bestN = 0;
    for (const auto& [name, points] : rec.record) {
        if (predictions[name] < wanted) continue; // it must answer every prediction
        double sumL = 0, sumN = 0;
        int n = 0;
        for (const TrackPoint& t : points)
            if (t.decades > 0) sumL += t.lossError, sumN += t.paramsError, ++n;
        if (n == 0) continue;
        const double meanL = sumL / n, meanN = sumN / n;
        rec.innerError[name] = meanL;
        const double score = meanL / o.tolerance + meanN / std::log10(1 + o.nTolerance);
        if (score < best) best = score, bestL = meanL, bestN = meanN, rec.method = name;
    }
    if (rec.method.empty())
        return fallback("no method fitted on the smaller budgets answered at every larger one");
    double lo = INFINITY, hi = 0;
    int ahead = 0;
    for (const TrackPoint& t : rec.record[rec.method])
        if (t.decades > 0) lo = std::min(lo, t.decades), hi = std::max(hi, t.decades), ++ahead;
    rec.why = fmt("the best record on L* and N* (mean |L* error| %.4f nats, ", bestL) +
              fmt("N* off by %.0f %%) over ", 100 * (std::pow(10, bestN) - 1)) + std::to_string(ahead) +
              fmt(" rolling-origin predictions, %.2g to %.2g decades past their training budgets", lo, hi) +
              (distrusted.empty() ? "" : " (" + distrusted + ")");
    return rec;
}

ArchitectureFamily familyOf(const RunTable& runs) {
    ArchitectureFamily f;
    std::vector<double> aspect, vocab, ctx, k, g;
    for (const Run& r : runs.runs) {
        if (r.excluded) continue;
        if (r.has(Field::DModel) && r.has(Field::NLayers) && r.get(Field::NLayers) > 0)
            aspect.push_back(r.get(Field::DModel) / r.get(Field::NLayers));
        if (r.has(Field::Vocab)) vocab.push_back(r.get(Field::Vocab));
        if (r.has(Field::Ctx)) ctx.push_back(r.get(Field::Ctx));
        if (r.has(Field::ActiveExperts)) k.push_back(r.get(Field::ActiveExperts));
        if (r.has(Field::Granularity)) g.push_back(r.get(Field::Granularity));
    }
    auto med = [](const std::vector<double>& v, double fallback) { return v.empty() ? fallback : median(v); };
    f.aspect = med(aspect, f.aspect);
    f.vocab = med(vocab, f.vocab);
    f.ctx = med(ctx, f.ctx);
    f.activeExperts = std::max(1, static_cast<int>(std::lround(med(k, f.activeExperts))));
    f.granularity = med(g, f.granularity);
    return f;
}

std::string noMethodWhy(const FittedMethods& fitted) {
    std::string why;
    for (const auto& [m, p] : fitted.problems)
        why += (why.empty() ? "" : "; ") + m + ": " + p;
    for (const auto& [m, fit] : fitted.lawFits)
        if (const std::string bad = untrustworthyFit(fit); !bad.empty())
            why += (why.empty() ? "" : "; ") + m + ": fitted, but " + bad;
    return why;
}

Prediction undeterminedAnswer(const SweepDesign& design, const PredictRequest& req, double largestBudget,
                              const std::string& why) {
    // A design that cannot place the optimum is answered as such: every quantity undetermined.
    Prediction out;
    out.design = design;
    out.point.method = "none";
    out.point.budget = req.budget;
    out.point.sparsity = req.sparsity.value_or(std::nan(""));
    out.largestBudget = largestBudget;
    out.recommendation.why = "no method answers: " + why;
    for (const char* q : {"n_star", "active_params_star", "tokens_star", "loss_star"})
        out.design.undetermined.emplace(q, design.undetermined.at("n_star"));
    return out;
}

Prediction predictOptimum(const RunTable& all, const ExtrapolationOptions& o, const PredictRequest& req) {
    if (!(req.budget > 0) || !std::isfinite(req.budget))
        throw std::invalid_argument("option --budget: must be positive");
    if (!(req.maxParams > 0)) throw std::invalid_argument("option --max-params: must be positive");
    const RunTable runs = plannedRuns(all, o.plan);
    // The design first: what it cannot determine is never answered with a number a fit happened to return.
    // Budgets are held to 6·N_a·D (within ×3, for other counting conventions), not to the runs' own median
    // ratio: a tokens column in another unit moves that median with it.
    const SweepDesign design = analyzeDesign(runs);
    if (!design.refusals.empty()) throw std::invalid_argument(design.refusals.front());
    const FittedMethods fitted = fitMethods(runs, o);
    Prediction out;
    std::string name = req.method;
    if (name == "auto") {
        out.recommendation = recommendMethod(runs, fitted, o);
        name = out.recommendation.method;
        if (name.empty()) {
            const std::string why = noMethodWhy(fitted);
            if (!design.determines("n_star"))
                return undeterminedAnswer(design, req, fitted.largestBudget, why);
            throw std::invalid_argument("no method can be fitted to these runs (" + why + ")");
        }
    } else {
        out.recommendation.method = name;
        out.recommendation.why = "chosen with --law";
    }
    const FrontierMethod* method = fitted.find(name);
    if (!method) {
        const auto it = fitted.problems.find(name);
        throw std::invalid_argument("option --law " + name + ": " +
                                    (it != fitted.problems.end() ? it->second : std::string("not a method")));
    }
    const Recommendation recommendation = out.recommendation;
    out = predictWith(*method, runs, fitted.largestBudget, req);
    out.recommendation = recommendation;
    widenByTrackRecord(out, recommendation);
    annotateWithDesign(out, design);
    if (const auto fit = fitted.lawFits.find(name); fit != fitted.lawFits.end())
        if (const std::string why = untrustworthyFit(fit->second); !why.empty())
            out.warnings.push_back("the " + name + " fit is not to be trusted: " + why);
    const auto inner = out.recommendation.innerError.find(name);
    if (inner != out.recommendation.innerError.end() && inner->second > o.tolerance)
        out.warnings.push_back(name + fmt(" missed the largest swept budget's L* by %.4f nats in the inner "
                                          "backtest (tolerance %.3g): its backtest failed",
                                          inner->second, o.tolerance));
    return out;
}

void annotateWithDesign(Prediction& p, const SweepDesign& design) {
    p.design = design;
    p.warnings.insert(p.warnings.begin(), design.warnings.begin(), design.warnings.end());
}

Prediction predictFromSnapshot(const AnalysisSnapshot& s, const PredictRequest& req) {
    const FrontierMethod* method = s.frontier(s.recommended);
    // As predictOptimum answers: a design that cannot place the optimum says so, quantity by quantity.
    if (!method && !s.design.determines("n_star"))
        return undeterminedAnswer(s.design, req, s.largestBudget(), s.recommendedWhy);
    if (!method) throw std::invalid_argument("no method answers for these runs");
    Prediction p = predictWith(*method, s.runs, s.largestBudget(), req);
    if (s.recommendation) {
        p.recommendation = *s.recommendation;
        widenByTrackRecord(p, *s.recommendation);
    }
    p.recommendation.why = s.recommendedWhy;
    annotateWithDesign(p, s.design);
    if (p.architecture.params > 0)
        p.training = adviseTrainingFor(p.architecture.arch, p.architecture.tokens, s.hparams.get(),
                                       *findHparamPreset(kDefaultHparamPreset));
    return p;
}

void widenByTrackRecord(Prediction& p, const Recommendation& r) {
    const auto record = r.record.find(p.point.method);
    const double d = p.extrapolationDecades;
    if (record == r.record.end() || record->second.empty()) return;
    // Each past error, less the observed optimum's own noise (in quadrature), scaled linearly to this
    // distance: 1.96 times their root mean square is the 95 % half-width added. Inside the sweep (d = 0) the
    // errors are those the method fitted on every budget makes at the swept optima, less the noise of both.
    // There the mean of error² − noise² is taken before it is clipped at zero: a right law's errors are all
    // noise, and clipping each one first would widen its intervals by half the noise (to 99 % coverage).
    double lossSq = 0, paramsSq = 0, lossWeight = 0, paramsWeight = 0;
    int n = 0;
    for (const TrackPoint& t : record->second) {
        if ((d > 0) != (t.decades > 0)) continue;
        const double scale = d > 0 ? d / t.decades : 1;
        auto add = [&](double error, double noise, double& sum, double& weight) {
            const double e = error * error - noise * noise;
            if (d > 0) {
                sum += std::max(0.0, e) * scale * scale, weight += 1;
            } else if (noise > 0) { // weighted by precision, as a random-effects τ² is
                sum += e / (noise * noise), weight += 1 / (noise * noise);
            }
        };
        add(t.lossError, t.lossNoise, lossSq, lossWeight);
        add(t.paramsError, t.paramsNoise, paramsSq, paramsWeight), ++n;
    }
    if (n == 0) return;
    auto rms = [](double sum, double weight) {
        return weight > 0 ? std::sqrt(std::max(0.0, sum / weight)) : 0;
    };
    const double z = 1.959964;
    p.point.loss = withScatter(p.point.loss, z * rms(lossSq, lossWeight), false);
    const double h = z * rms(paramsSq, paramsWeight) * std::log(10.0); // decades to natural log
    if (std::isfinite(h)) {
        p.point.params = withScatter(p.point.params, h, true);
        p.point.activeParams = withScatter(p.point.activeParams, h, true);
        p.point.tokens = withScatter(p.point.tokens, h, true);
    }
}

Prediction predictFromOptima(const RunTable& all, const ExtrapolationOptions& o, const PredictRequest& req) {
    const RunTable table = plannedRuns(all, o.plan);
    std::unique_ptr<OptimaFrontier> frontier;
    FrontierFitOptions fo = o.frontier;
    fo.flopsPerToken = flopsPerToken(table);
    try {
        frontier = std::make_unique<OptimaFrontier>(table, fo);
    } catch (const FrontierError& e) {
        throw std::invalid_argument(std::string("a table of optima: ") + e.what());
    }
    Prediction out = predictWith(*frontier, table, frontier->level().budgets.back(), req);
    out.recommendation.method = "optima";
    out.recommendation.why = optimaWhy(*frontier);
    out.design = optimaDesign(*frontier);
    return out;
}

Prediction predictWith(const FrontierMethod& method, const RunTable& runs, double largestBudget,
                       const PredictRequest& req) {
    if (!(req.budget > 0) || !std::isfinite(req.budget))
        throw std::invalid_argument("option --budget: must be positive");
    Prediction out;
    out.largestBudget = largestBudget;
    out.recommendation.method = method.name();
    const std::string name = method.name();
    const auto levels = method.sparsities();
    std::vector<double> candidates;
    if (req.sparsity) {
        // A level matches at the precision the tool prints it (4 significant digits): 0.9688 is 0.96875.
        for (double s : levels)
            if (std::fabs(s - *req.sparsity) < 1e-6 || fmt("%.4g", s) == fmt("%.4g", *req.sparsity))
                candidates.push_back(s);
        if (candidates.empty()) {
            std::string list;
            for (double s : levels)
                list += (list.empty() ? "" : ", ") + fmt("%.4g", s);
            throw std::invalid_argument(fmt("option --sparsity %.4g: ", *req.sparsity) + name +
                                        " answers at the swept levels only (" + list + ")");
        }
    } else {
        candidates = levels;
    }
    std::string lastProblem;
    bool found = false;
    for (double s : candidates) {
        try {
            FrontierPoint p = method.at(req.budget, s, req.maxParams);
            if (!found || p.loss.value < out.point.loss.value) out.point = std::move(p), found = true;
        } catch (const FrontierError& e) {
            lastProblem = e.what();
        }
    }
    if (!found) throw std::invalid_argument(lastProblem);
    const FrontierPoint& p = out.point;
    out.extrapolationDecades = largestBudget > 0 ? std::max(0.0, std::log10(req.budget / largestBudget)) : 0;
    if (out.extrapolationDecades > 0)
        out.warnings.push_back(fmt("extrapolating %.2f decade(s) past the largest budget swept (%.3g)",
                                   out.extrapolationDecades, largestBudget));
    // Each warning once: a level's own warnings are among the method's as well.
    std::set<std::string> said;
    for (const auto& w : method.warnings())
        if (said.insert(w).second) out.warnings.push_back(name + ": " + w);
    for (const auto& w : p.warnings)
        if (said.insert(w).second) out.warnings.push_back(w);
    if (const auto* iso = dynamic_cast<const IsoflopFrontier*>(&method))
        for (const auto& l : iso->levels())
            if (l.sparsity == p.sparsity)
                for (const auto& why : l.leftOut)
                    out.warnings.push_back("left out of the frontier: " + why);
    if (p.sparsity > 0) {
        const double dense = denseComputeFor(method, p.loss.value, req.budget);
        out.computeMultiplier = dense / req.budget;
    }
    const double n = p.params.value;
    if (n > 0 && std::isfinite(n)) {
        out.architecture = architectureFor(n, p.sparsity, req.budget, familyOf(runs));
        const PlannedConfig& a = out.architecture;
        if (std::fabs(std::log(a.params / n)) > std::log(1.5))
            out.warnings.push_back(
                fmt("the family's nearest model (d_model up to 65,536) has %.3g parameters, far "
                    "from N* %.3g",
                    a.params, n));
        if (a.arch.d_model < 128 || a.arch.n_layers < 2)
            out.warnings.push_back(
                fmt("the nearest model (d_model %g, %g layer(s)) is too small to train as a "
                    "language model",
                    a.arch.d_model, a.arch.n_layers));
    }
    return out;
}

Json predictionJson(const Prediction& p) {
    auto pair = [](const Band& b) {
        Json j = Json::array();
        j.push(b.lo);
        j.push(b.hi);
        return j;
    };
    const FrontierPoint& f = p.point;
    Json j = Json::object();
    j.set("budget", f.budget);
    j.set("sparsity", f.sparsity);
    j.set("method", f.method);
    j.set("method_why", p.recommendation.why);
    if (!p.recommendation.innerError.empty()) {
        Json inner = Json::object();
        for (const auto& [m, e] : p.recommendation.innerError)
            inner.set(m, e);
        j.set("inner_backtest", inner);
        // The chosen method's record: each rolling-origin prediction's distance and errors.
        Json record = Json::array();
        if (const auto it = p.recommendation.record.find(p.point.method); it != p.recommendation.record.end())
            for (const TrackPoint& t : it->second) {
                Json e = Json::object();
                e.set("decades", t.decades);
                e.set("loss_star_error", t.lossError);
                e.set("n_star_error_decades", t.paramsError);
                record.push(e);
            }
        j.set("track_record", record);
    }
    // A quantity the design cannot determine is null, with its reason under "undetermined".
    Json undetermined = Json::object();
    auto quantity = [&](const char* key, const Band& b) {
        const auto why = p.design.undetermined.find(key);
        const bool known = why == p.design.undetermined.end();
        j.set(key, known ? Json(b.value) : Json());
        j.set(std::string(key) + "_ci95", known ? pair(b) : Json());
        if (!known) undetermined.set(key, why->second);
        return known;
    };
    const bool n = quantity("n_star", f.params);
    quantity("active_params_star", f.activeParams);
    const bool d = quantity("tokens_star", f.tokens);
    j.set("tokens_per_param", n && d ? Json(f.tokens.value / f.params.value) : Json());
    quantity("loss_star", f.loss);
    if (const auto why = p.design.undetermined.find("sparsity_star"); why != p.design.undetermined.end())
        undetermined.set("sparsity_star", why->second);
    j.set("undetermined", undetermined);
    // How far past the sweep, along every axis (decades; S in decades of 1/(1−S)).
    Json past = Json::object();
    const SweepDesign& g = p.design;
    past.set("budget", g.budget.decadesPast(f.budget));
    if (n) past.set("params", g.params.decadesPast(f.params.value));
    if (n) past.set("active_params", g.active.decadesPast(f.activeParams.value));
    if (d) past.set("tokens", g.tokens.decadesPast(f.tokens.value));
    DesignAxis dense = g.sparsity;
    dense.min = 1 / (1 - g.sparsity.min), dense.max = 1 / (1 - g.sparsity.max);
    past.set("sparsity", dense.decadesPast(1 / (1 - f.sparsity)));
    j.set("extrapolation", past);
    const PlannedConfig& c = p.architecture;
    if (c.params > 0) {
        Json arch = configJson(
            {c.arch, c.heads, c.params, c.activeParams, c.sparsity, c.tokens, c.flops, std::nan("")});
        if (p.training) addTraining(arch, *p.training);
        j.set("architecture", arch);
    }
    j.set("extrapolation_decades", p.extrapolationDecades);
    j.set("largest_budget", p.largestBudget);
    j.set("compute_multiplier", p.computeMultiplier);
    Json w = Json::array();
    for (const auto& s : p.warnings)
        w.push(s);
    j.set("warnings", w);
    return j;
}

} // namespace moescope
