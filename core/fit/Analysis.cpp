#include "core/fit/Analysis.h"

#include "core/fit/Backtest.h"
#include "core/fit/Extrapolation.h"
#include "core/fit/Frontier.h"
#include "core/fit/OptimaFrontier.h"

#include "core/model/NumberParser.h"
#include "core/model/RunSelection.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>

namespace moescope {

AnalysisPlan::AnalysisPlan() {
    // The defaults every face shares: the window's interactive pace (65 starts) and 100 bootstrap refits of
    // a law as of an isoFLOP surface (the paper's k = 100). 20 law refits made 95 % intervals of roughly 85
    // %: their 2.5 and 97.5 % points are close to the smallest and largest refit (bench_calibration: L* half
    // a decade past the sweep held the truth 67 % of the time at 20, 81 % at 100).
    lawFit.starts = LawFitOptions::Starts::Fast;
    lawFit.bootstrap = 100;
    isoflop.bootstrap = 100;
}

std::string startsName(const LawFitOptions& o) {
    switch (o.starts) {
    case LawFitOptions::Starts::Full:
        return "full";
    case LawFitOptions::Starts::Fast:
        return "fast";
    default:
        return std::to_string(o.randomStarts);
    }
}

bool parseStarts(const std::string& text, LawFitOptions& o) {
    if (text == "full" || text == "fast") {
        o.starts = text == "full" ? LawFitOptions::Starts::Full : LawFitOptions::Starts::Fast;
        return true;
    }
    // A whole positive number, written as any option's number is (100, 1e3, 2k).
    double n = 0;
    if (!parseNumber(text, n) || n != std::floor(n) || n < 1 || n > std::numeric_limits<int>::max())
        return false;
    o.starts = LawFitOptions::Starts::Random;
    o.randomStarts = static_cast<int>(n);
    return true;
}

Json planJson(const AnalysisPlan& p) {
    Json j = Json::object();
    j.set("law", p.law);
    j.set("where", p.where);
    j.set("holdout", p.holdout);
    j.set("group", p.group);
    j.set("exclude_outliers", p.excludeOutliers ? Json(p.outlierZ) : Json());
    j.set("starts", startsName(p.lawFit));
    j.set("law_bootstrap", p.lawFit.bootstrap);
    j.set("seed", static_cast<long long>(p.lawFit.seed));
    j.set("max_iterations", p.lawFit.maxIterations);
    j.set("huber_delta", p.lawFit.huberDelta);
    if (p.optimaTable) j.set("optima_table", true);
    Json iso = Json::object();
    if (p.isoflop.degrees) {
        Json d = Json::array();
        d.push(p.isoflop.degrees->n), d.push(p.isoflop.degrees->s), d.push(p.isoflop.degrees->ns);
        iso.set("degrees", d);
    } else {
        iso.set("degrees", "cv");
    }
    iso.set("max_degree", p.isoflop.maxDegree);
    iso.set("folds", p.isoflop.folds);
    iso.set("bootstrap", p.isoflop.bootstrap);
    iso.set("subsample_fraction", p.isoflop.subsampleFraction);
    iso.set("holdout_fraction", p.isoflop.holdoutFraction);
    iso.set("leave_one_sparsity_out", p.isoflop.leaveOneSparsityOut);
    iso.set("seed", static_cast<long long>(p.isoflop.seed));
    iso.set("grid_points", p.isoflop.gridPoints);
    j.set("isoflop", iso);
    return j;
}

namespace {

bool readNumber(const Json& j, const char* key, double& out, std::string& error) {
    const Json* v = j.find(key);
    if (!v) return true; // absent: the default
    if (!v->isNumber()) return error = std::string("plan: '") + key + "' must be a number", false;
    out = v->number();
    return true;
}

// true or false: a recorded "optima_table": "yes" was read as false, silently fitting a table as a sweep.
bool readBool(const Json& j, const std::string& where, const char* key, bool& out, std::string& error) {
    const Json* v = j.find(key);
    if (!v) return true; // absent: the default
    if (!v->isBool()) return error = "plan: '" + where + key + "' must be true or false", false;
    out = v->boolean();
    return true;
}

// A whole number in [lo, hi]: a recorded plan is untrusted (a hostile workspace may ask for 2e9 grid
// points), so every count is held to the limits the command line enforces, named by its field.
template <typename Int>
bool readInt(const Json& j, const std::string& where, const char* key, Int& out, double lo, double hi,
             std::string& error) {
    double v = static_cast<double>(out);
    if (!readNumber(j, key, v, error)) return false;
    if (v != std::floor(v) || v < lo || v > hi) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.6g lies outside %.6g..%.6g", v, lo, hi);
        return error = "plan: '" + where + key + "' must be a whole number; " + buf, false;
    }
    out = static_cast<Int>(v);
    return true;
}

} // namespace

bool planFromJson(const Json& j, AnalysisPlan& p, std::string& error) {
    if (!j.isObject()) return error = "plan: expected a JSON object", false;
    if (const Json* v = j.find("law")) p.law = v->string();
    if (const Json* v = j.find("where")) p.where = v->string();
    if (const Json* v = j.find("holdout")) p.holdout = v->string();
    if (const Json* v = j.find("group")) p.group = v->string();
    if (const Json* v = j.find("exclude_outliers"); v && v->isNumber())
        p.excludeOutliers = true, p.outlierZ = v->number();
    if (const Json* v = j.find("starts"); v && !parseStarts(v->string(), p.lawFit))
        return error = "plan: 'starts' must be full, fast or a positive number, got '" + v->string() + "'",
               false;
    const PlanLimits L;
    if (!readBool(j, "", "optima_table", p.optimaTable, error) ||
        !readInt(j, "", "law_bootstrap", p.lawFit.bootstrap, 0, L.maxBootstrap, error) ||
        !readInt(j, "", "seed", p.lawFit.seed, 0, L.maxSeed, error) ||
        !readInt(j, "", "max_iterations", p.lawFit.maxIterations, 1, L.maxIterations, error) ||
        !readNumber(j, "huber_delta", p.lawFit.huberDelta, error))
        return false;
    if (const Json* iso = j.find("isoflop")) {
        const Json& i = *iso;
        if (const Json* d = i.find("degrees")) {
            if (d->isArray() && d->size() == 3) {
                int k[3] = {0, 0, 0};
                for (size_t n = 0; n < 3; ++n) {
                    const double v = d->at(n).number(-1);
                    if (v != std::floor(v) || v < 0 || v > L.maxDegree)
                        return error = "plan: 'isoflop.degrees' must be three whole numbers in 0.." +
                                       std::to_string(L.maxDegree),
                               false;
                    k[n] = static_cast<int>(v);
                }
                p.isoflop.degrees = Degrees{k[0], k[1], k[2]};
            } else {
                p.isoflop.degrees.reset();
            }
        }
        if (!readInt(i, "isoflop.", "max_degree", p.isoflop.maxDegree, 0, L.maxDegree, error) ||
            !readInt(i, "isoflop.", "folds", p.isoflop.folds, 2, L.maxFolds, error) ||
            !readInt(i, "isoflop.", "bootstrap", p.isoflop.bootstrap, 0, L.maxBootstrap, error) ||
            !readNumber(i, "subsample_fraction", p.isoflop.subsampleFraction, error) ||
            !readNumber(i, "holdout_fraction", p.isoflop.holdoutFraction, error) ||
            !readInt(i, "isoflop.", "seed", p.isoflop.seed, 0, L.maxSeed, error) ||
            !readInt(i, "isoflop.", "grid_points", p.isoflop.gridPoints, 2, L.maxGridPoints, error) ||
            !readBool(i, "isoflop.", "leave_one_sparsity_out", p.isoflop.leaveOneSparsityOut, error))
            return false;
    }
    return validatePlan(p, error);
}

bool validatePlan(const AnalysisPlan& p, std::string& error) {
    if (p.law != "auto" && p.law != "none" && !makeLaw(p.law)) {
        std::string ids;
        for (const auto& l : lawIds())
            ids += (ids.empty() ? "" : ", ") + l;
        return error = "unknown law '" + p.law + "' (laws: auto, none, " + ids + ")", false;
    }
    RunFilter f;
    if (!p.where.empty() && !RunFilter::parse(p.where, f, error))
        return error = "option --where '" + p.where + "': " + error, false;
    if (p.holdout != "auto" && p.holdout != "none" && !RunFilter::parse(p.holdout, f, error))
        return error = "option --holdout '" + p.holdout + "': " + error, false;
    const PlanLimits L;
    const std::string bootstrapRange = "option --bootstrap: must lie in 0.." + std::to_string(L.maxBootstrap);
    if (p.lawFit.bootstrap < 0 || p.isoflop.bootstrap < 0 || p.lawFit.bootstrap > L.maxBootstrap ||
        p.isoflop.bootstrap > L.maxBootstrap)
        return error = bootstrapRange, false;
    if (p.lawFit.starts == LawFitOptions::Starts::Random &&
        (p.lawFit.randomStarts < 1 || p.lawFit.randomStarts > L.maxRandomStarts))
        return error =
                   "option --starts: full, fast or a whole number in 1.." + std::to_string(L.maxRandomStarts),
               false;
    if (!(p.isoflop.subsampleFraction > 0 && p.isoflop.subsampleFraction <= 1) ||
        !(p.isoflop.holdoutFraction >= 0 && p.isoflop.holdoutFraction < 1))
        return error =
                   "plan: 'isoflop.subsample_fraction' must lie in (0, 1] and 'holdout_fraction' in [0, 1)",
               false;
    if (p.excludeOutliers && !(p.outlierZ > 0 && std::isfinite(p.outlierZ)))
        return error = "option --exclude-outliers: the z threshold must be a positive number", false;
    if (p.lawFit.maxIterations < 1 || p.lawFit.maxIterations > L.maxIterations || p.isoflop.gridPoints < 2 ||
        p.isoflop.gridPoints > L.maxGridPoints || p.isoflop.folds < 2 || p.isoflop.folds > L.maxFolds ||
        p.isoflop.maxDegree < 0 || p.isoflop.maxDegree > L.maxDegree)
        return error = "plan: iterations, grid points, folds or degree outside their limits", false;
    if (!(p.lawFit.huberDelta > 0) || !std::isfinite(p.lawFit.huberDelta))
        return error = "the Huber delta must be a positive number", false;
    return true;
}

namespace {

// Leaves the runs of every group but one out of the analysis (see AnalysisPlan::group).
bool selectGroup(RunTable& out, const std::string& wanted, std::string& error, std::string* note) {
    if (wanted == "all") return true;
    std::map<std::string, int> sizes;
    std::vector<std::string> groupOf(out.runs.size());
    for (size_t i = 0; i < out.runs.size(); ++i) {
        groupOf[i] = runGroup(out, out.runs[i]);
        if (!out.runs[i].excluded) ++sizes[groupOf[i]];
    }
    if (wanted == "auto" && sizes.size() < 2) return true;
    std::string chosen = wanted;
    if (wanted == "auto") {
        int most = -1;
        for (const auto& [name, n] : sizes)
            if (n > most) most = n, chosen = name;
    } else if (!sizes.count(wanted)) {
        std::string list;
        for (const auto& [name, n] : sizes)
            list += (list.empty() ? "'" : ", '") + name + "' (" + std::to_string(n) + ")";
        return error =
                   "option --group '" + wanted + "': no included run is in that group (groups: " + list + ")",
               false;
    }
    std::string others;
    for (const auto& [name, n] : sizes)
        if (name != chosen)
            others += (others.empty() ? "'" : ", '") + (name.empty() ? std::string("(none)") : name) + "' (" +
                      std::to_string(n) + (n == 1 ? " run)" : " runs)");
    for (size_t i = 0; i < out.runs.size(); ++i)
        if (groupOf[i] != chosen) out.runs[i].excluded = true;
    if (note && !others.empty())
        *note = "fitted run group '" + chosen + "' (" + std::to_string(sizes[chosen]) +
                " runs); left out the other groups: " + others + " — choose one with --group";
    return true;
}

} // namespace

bool selectPlanRuns(const RunTable& runs, const AnalysisPlan& plan, RunTable& out, std::string& error,
                    std::string* note) {
    out = runs;
    if (!plan.where.empty()) {
        RunFilter filter;
        std::vector<bool> keep;
        if (!RunFilter::parse(plan.where, filter, error) || !filter.select(runs, keep, error))
            return error = "option --where '" + plan.where + "': " + error, false;
        int kept = 0;
        for (size_t i = 0; i < out.runs.size(); ++i) {
            if (!keep[i]) out.runs[i].excluded = true;
            kept += keep[i] && !out.runs[i].excluded;
        }
        if (kept == 0) return error = "option --where '" + plan.where + "': no included run matches", false;
    }
    return selectGroup(out, plan.group, error, note);
}

std::string resolveLaw(const RunTable& runs, const std::string& law) {
    if (law != "auto") return law;
    std::set<double> sparsities;
    bool tokens = false, experts = false;
    for (const Run& r : runs.runs) {
        if (r.excluded) continue;
        if (r.has(Field::Sparsity)) sparsities.insert(r.get(Field::Sparsity));
        tokens |= r.has(Field::Tokens), experts |= r.has(Field::Experts) && r.has(Field::ActiveParams);
    }
    // Routing runs without token counts (Clark et al.'s: every model on the same data) can only be fitted
    // by a law of N_a and E: Abnar's needs D and fitted none of them.
    if (!tokens && experts && sparsities.size() > 1) return "clark";
    return sparsities.size() > 1 ? "abnar" : "chinchilla";
}

LawAnalysis analyzeLaw(const RunTable& table, const AnalysisPlan& plan) {
    LawAnalysis a;
    if (plan.law == "none") return a; // the plan asks for surfaces only
    a.lawId = resolveLaw(table, plan.law);
    a.law = makeLaw(a.lawId);
    if (!a.law) {
        a.problem = "unknown law '" + a.lawId + "'";
        return a;
    }
    std::map<std::string, size_t> curves;
    const int parentAt = table.labelIndex("parent");
    for (size_t i = 0; i < table.runs.size(); ++i) {
        const Run& run = table.runs[i];
        if (run.excluded) {
            ++a.leftOut["excluded"];
            continue;
        }
        LawPoint x;
        std::string why;
        if (!toLawPoint(run, *a.law, x, &why)) {
            ++a.leftOut[why];
            continue;
        }
        // The bootstrap draws runs, and a cooldown branch is no run of its own: the branches of one stable
        // run share its trajectory (the trainer's `parent` column) and are drawn together, like a curve's
        // points.
        const std::string unit = !run.curve.empty() ? std::string(run.curve)
                                 : parentAt >= 0 && !run.labels[parentAt].empty()
                                     ? "parent:" + run.labels[parentAt]
                                     : std::string();
        if (!unit.empty()) x.curve = static_cast<int>(curves.emplace(unit, curves.size()).first->second);
        a.points.push_back(x);
        a.runs.push_back(static_cast<int>(i));
    }
    if (plan.holdout == "auto") {
        std::set<double> levels;
        for (const LawPoint& x : a.points)
            levels.insert(x.sparsity);
        if (levels.size() >= 3) {
            const double top = *levels.rbegin();
            for (size_t i = 0; i < a.points.size(); ++i)
                if (a.points[i].sparsity == top) a.heldOut.insert(static_cast<int>(i));
            char label[32];
            std::snprintf(label, sizeof label, "S=%.4g", top);
            a.heldOutLabel = label;
        }
    } else if (plan.holdout != "none") {
        RunFilter filter;
        std::vector<bool> held;
        std::string error;
        if (!RunFilter::parse(plan.holdout, filter, error) || !filter.select(table, held, error)) {
            a.problem = "option --holdout '" + plan.holdout + "': " + error;
            return a;
        }
        for (size_t i = 0; i < a.points.size(); ++i)
            if (held[a.runs[i]]) a.heldOut.insert(static_cast<int>(i));
        a.heldOutLabel = plan.holdout;
    }
    std::vector<LawPoint> train, held;
    for (size_t i = 0; i < a.points.size(); ++i)
        (a.heldOut.count(static_cast<int>(i)) ? held : train).push_back(a.points[i]);
    if (static_cast<int>(train.size()) <= a.law->parameterCount()) {
        a.problem = std::to_string(train.size()) + " usable runs; the " + a.lawId + " law has " +
                    std::to_string(a.law->parameterCount()) + " parameters";
        return a;
    }
    a.fit = fitLaw(*a.law, train, held, plan.lawFit);
    if (!plan.scoreOutliers || a.fit->parameters.empty()) return a;
    const std::vector<double> z = outlierScores(*a.law, train, held, a.fit->parameters, plan.lawFit);
    // outlierScores lists the training points, then the held-out ones: back to the points' order.
    a.outlierZ.assign(a.points.size(), std::nan(""));
    size_t t = 0, h = train.size();
    for (size_t i = 0; i < a.points.size(); ++i)
        a.outlierZ[i] = z[a.heldOut.count(static_cast<int>(i)) ? h++ : t++];
    if (!plan.excludeOutliers) return a;
    std::vector<LawPoint> kept;
    for (size_t i = 0; i < a.points.size(); ++i) {
        if (a.heldOut.count(static_cast<int>(i))) continue;
        if (std::fabs(a.outlierZ[i]) > plan.outlierZ)
            a.outliersExcluded.push_back(static_cast<int>(i));
        else
            kept.push_back(a.points[i]);
    }
    if (!a.outliersExcluded.empty() && static_cast<int>(kept.size()) > a.law->parameterCount())
        a.fit = fitLaw(*a.law, kept, held, plan.lawFit);
    return a;
}

const BudgetAnalysis* AnalysisSnapshot::budget(double c) const {
    const BudgetAnalysis* best = nullptr;
    for (const auto& b : sweep.budgets)
        if (!best || std::fabs(std::log(b.budget / c)) < std::fabs(std::log(best->budget / c))) best = &b;
    return best;
}

const BudgetAnswer* AnalysisSnapshot::answerAt(double c) const {
    for (const auto& a : answers)
        if (a.budget == c) return &a;
    return nullptr;
}

BudgetAnswer answerAtBudget(const AnalysisSnapshot& s, double budget) {
    BudgetAnswer a;
    a.budget = budget;
    PredictRequest req;
    req.budget = budget;
    try {
        a.answer = std::make_shared<const Prediction>(predictFromSnapshot(s, req));
    } catch (const std::invalid_argument& e) {
        a.problem = e.what();
    }
    return a;
}

const FrontierMethod* AnalysisSnapshot::frontier(const std::string& method) const {
    for (const auto& f : frontiers)
        if (f->name() == method) return f.get();
    return nullptr;
}

double AnalysisSnapshot::largestBudget() const {
    if (!sweep.budgets.empty()) return sweep.budgets.back().budget;
    if (const auto* table = dynamic_cast<const OptimaFrontier*>(frontier("optima")))
        return table->level().budgets.back();
    return 0;
}

std::string whyNoBudget(const AnalysisSnapshot& s) {
    if (!s.sweep.budgets.empty()) return "";
    if (s.plan.optimaTable) return "a table of optima has one run a budget, no isoFLOP curve to fit";
    bool compute = false;
    for (const Run& r : s.runs.runs)
        compute |= !r.excluded && (r.has(Field::Budget) || r.has(Field::Flops) || r.has(Field::Tokens));
    if (!compute)
        return "these runs state no compute budget, FLOPs or tokens, so no budget has an optimum to find and "
               "no frontier can be drawn";
    for (const std::string& m : s.messages)
        if (m.rfind("isoFLOP", 0) == 0) return m;
    return s.messages.empty() ? "no budget has enough runs for an isoFLOP fit" : s.messages.front();
}

std::vector<int> AnalysisSnapshot::runsOfBudget(double c) const {
    std::vector<int> out;
    const BudgetAnalysis* b = budget(c);
    if (!b) return out;
    const auto groups = groupByBudget(runs);
    const auto it = groups.find(b->budget);
    if (it == groups.end()) return out;
    for (const Run* r : it->second)
        out.push_back(static_cast<int>(r - runs.runs.data()));
    return out;
}

std::shared_ptr<const AnalysisSnapshot> analyze(const RunTable& runs, const AnalysisPlan& plan,
                                                const CancelFlag* cancel) {
    const auto t0 = std::chrono::steady_clock::now();
    auto s = std::make_shared<AnalysisSnapshot>();
    s->started = t0;
    s->plan = plan;
    std::string whereError, groupNote;
    if (!selectPlanRuns(runs, plan, s->runs, whereError, &groupNote)) {
        // Nothing is analysed on runs the user did not mean.
        s->runs = runs;
        s->messages.push_back(whereError);
        s->computedOn = std::this_thread::get_id();
        return s;
    }
    if (!groupNote.empty()) s->messages.push_back(groupNote);
    s->computedOn = std::this_thread::get_id();
    AnalysisPlan p = plan;
    p.lawFit.cancel = cancel;
    p.isoflop.cancel = cancel;
    // Each part on its own: one that fails says why in the messages and the others still land.
    auto guarded = [&](const char* part, auto&& work) {
        try {
            work();
        } catch (const Cancelled&) {
            throw;
        } catch (const std::exception& e) {
            s->messages.push_back(std::string(part) + ": " + e.what());
        }
    };
    if (plan.optimaTable) {
        // One run a budget: no isoFLOP curve, no law worth fitting on a handful of optima — the table's own
        // frontier answers, as `moescope-cli predict --optima` answers it.
        guarded("table of optima", [&] {
            FrontierFitOptions fo;
            fo.flopsPerToken = flopsPerToken(s->runs);
            const auto table = std::make_shared<OptimaFrontier>(s->runs, fo);
            s->frontiers = {table};
            s->recommended = "optima";
            s->recommendedWhy = optimaWhy(*table);
            s->design = optimaDesign(*table);
            s->messages.push_back(s->recommendedWhy + "; one run a budget has no isoFLOP surface to show");
        });
        s->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        return s;
    }
    guarded("isoFLOP", [&] {
        s->sweep = analyzeSweep(s->runs, p.isoflop);
        for (const auto& why : s->sweep.skipped)
            s->messages.push_back("isoFLOP: skipped " + why);
    });
    guarded("law", [&] {
        LawAnalysis law = analyzeLaw(s->runs, p);
        s->lawId = law.lawId;
        s->law = law.law;
        s->lawFit = std::move(law.fit);
        s->lawPoints = std::move(law.points);
        s->lawRuns = std::move(law.runs);
        s->outlierZ = std::move(law.outlierZ);
        s->heldOut = std::move(law.heldOut);
        s->heldOutLabel = std::move(law.heldOutLabel);
        if (!law.problem.empty() && !s->lawId.empty())
            s->messages.push_back("law " + s->lawId + ": " + law.problem);
    });
    guarded("allocation", [&] { s->allocation = fitAllocationLaw(s->runs); });
    guarded("learning-rate law", [&] {
        if (auto laws = fitHparamLawsIfAny(s->runs)) s->hparams = std::make_shared<const HparamLaws>(*laws);
    });
    // Past the sweep, exactly as `moescope-cli predict` sees these runs: every applicable method fitted on
    // them and the one a nested backtest recommends; and the backtest the Validate view shows. Both fit every
    // law more than once: the fast starts keep it interactive (a full grid of the Abnar law alone is 250,000
    // starts); `moescope-cli backtest --starts full` is there for the thorough check.
    ExtrapolationOptions eo;
    eo.plan = p;
    if (eo.plan.lawFit.starts == LawFitOptions::Starts::Full)
        eo.plan.lawFit.starts = LawFitOptions::Starts::Fast;
    guarded("frontier", [&] {
        const FittedMethods fitted = fitMethods(s->runs, eo, &s->sweep);
        s->frontiers = fitted.methods;
        const Recommendation rec = recommendMethod(s->runs, fitted, eo);
        s->recommended = rec.method;
        s->recommendedWhy = rec.method.empty() ? noMethodWhy(fitted) : rec.why;
        s->recommendation = std::make_shared<const Recommendation>(rec);
    });
    s->design = analyzeDesign(s->runs);
    if (groupByBudget(s->runs).size() >= 2)
        guarded("backtest",
                [&] { s->backtest = std::make_shared<BacktestResult>(backtest(s->runs, "", eo)); });
    if (const FrontierMethod* m = s->frontier(s->recommended); m && !s->sweep.budgets.empty())
        for (double level : m->sparsities())
            if (level > 0) {
                throwIfCancelled(cancel);
                s->multipliers.emplace_back(
                    level, computeMultiplierCurve(*m, level, s->sweep.budgets.front().budget / 10,
                                                  s->largestBudget() * 10, 25));
            }
    for (const auto& b : s->sweep.budgets) {
        throwIfCancelled(cancel);
        s->answers.push_back(answerAtBudget(*s, b.budget));
    }
    throwIfCancelled(cancel);
    s->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return s;
}

std::shared_ptr<const AnalysisSnapshot> analyzeFocus(const RunTable& runs, const AnalysisPlan& plan,
                                                     double focus, const AnalysisSnapshot& previous,
                                                     const CancelFlag* cancel) {
    const auto t0 = std::chrono::steady_clock::now();
    const BudgetAnalysis* shown = previous.budget(focus);
    if (!shown || previous.partial || planJson(plan).dump() != planJson(previous.plan).dump()) return nullptr;
    RunTable selected;
    std::string error;
    if (!selectPlanRuns(runs, plan, selected, error) || selected.runs.size() != previous.runs.runs.size())
        return nullptr;
    const BudgetGroups groups = groupByBudget(selected);
    const auto group = groups.find(shown->budget);
    if (group == groups.end()) return nullptr;
    IsoflopOptions quick = plan.isoflop;
    quick.bootstrap = 0; // intervals come with the full analysis
    quick.cancel = cancel;
    auto s = std::make_shared<AnalysisSnapshot>(previous);
    s->started = t0;
    s->runs = std::move(selected);
    s->partial = true;
    s->computedOn = std::this_thread::get_id();
    for (auto& b : s->sweep.budgets)
        if (b.budget == shown->budget) {
            try {
                b = analyzeBudget(group->second, shown->budget, quick);
            } catch (const IsoflopError&) {
                return nullptr; // too few runs left at this budget: the full analysis says why
            }
        }
    s->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return s;
}

} // namespace moescope
