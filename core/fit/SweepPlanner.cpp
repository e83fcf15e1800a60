#include "core/fit/SweepPlanner.h"

#include "core/fit/ConfigJson.h"
#include "core/io/CsvWriter.h"
#include "core/model/WsdSchedule.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>

namespace moescope {

namespace {

// The d (on a fine log grid) whose family model minimises `score`; d from 8 to 65536.
double bestWidth(const std::function<double(double d)>& score) {
    double best = 8, bestScore = std::numeric_limits<double>::infinity();
    for (double logD = std::log(8.0); logD <= std::log(65536.0); logD += 0.005) {
        const double s = score(std::exp(logD));
        if (s < bestScore) bestScore = s, best = std::exp(logD);
    }
    return best;
}

// N of the family's model at `sparsity` whose N_a is `active`.
double paramsWithActive(double active, double sparsity, double budget, const ArchitectureFamily& family) {
    const double experts = expertsFor(sparsity, family);
    const double d = bestWidth([&](double w) {
        return std::fabs(std::log(familyConfig(w, experts, budget, family).activeParams / active));
    });
    return familyConfig(d, experts, budget, family).params;
}

std::string runName(double budget, double sparsity, const Architecture& a) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "c%.3g-s%.3g-d%g-l%g-e%g", budget, sparsity, a.d_model, a.n_layers,
                  a.experts);
    return buf;
}

// Each run of the smallest budget becomes K runs at rates `factor` apart around its law's rate; every other
// run's rate waits for what the ladders find.
void addLearningRateLadders(SweepPlan& plan, const SweepOptions& o, double smallestBudget) {
    std::vector<SweepRun> runs;
    for (const SweepRun& r : plan.runs) {
        if (r.budget != smallestBudget) {
            SweepRun later = r;
            later.lrFromLadder = true;
            later.hparamsSource += "; corrected by the sweep's learning-rate ladders";
            runs.push_back(later);
            continue;
        }
        for (int k = 0; k < o.lrLadder; ++k) {
            SweepRun rung = r;
            rung.ladder = r.name;
            rung.name = r.name + "-lr" + std::to_string(k + 1);
            rung.lr = r.lr * std::pow(o.ladderFactor, k - (o.lrLadder - 1) / 2.0);
            rung.hparamsSource = "learning-rate ladder around " + r.hparamsSource;
            if (o.wsd) rung.schedule = "wsd"; // the same schedule as the branches it is compared with
            runs.push_back(rung);
        }
    }
    plan.runs = std::move(runs);
}

// The same (sparsity, architecture) at several budgets becomes one stable run, trained for the largest, and
// branches for the others. A ladder's runs stay runs of their own.
void planBranches(SweepPlan& plan, const SweepOptions& o, const ArchitectureFamily& family) {
    std::map<std::string, std::vector<size_t>> bySize;
    for (size_t i = 0; i < plan.runs.size(); ++i) {
        SweepRun& r = plan.runs[i];
        r.schedule = "wsd";
        if (!r.ladder.empty()) continue;
        char key[160];
        std::snprintf(key, sizeof key, "s%.6g-d%g-l%g-e%g", r.sparsity, r.config.arch.d_model,
                      r.config.arch.n_layers, r.config.arch.experts);
        bySize[key].push_back(i);
    }
    for (auto& [key, members] : bySize) {
        // One batch and one warm-up for the stable phase they share: the smallest any member needs.
        int batch = plan.runs[members.front()].batch;
        for (size_t i : members)
            batch = std::min(batch, plan.runs[i].batch);
        long long shortest = std::numeric_limits<long long>::max();
        for (size_t i : members) {
            SweepRun& r = plan.runs[i];
            const double tokens = r.budget / flopsPerToken6Na(r.config.arch);
            r.batch = batch;
            r.steps = std::max<long long>(1, std::llround(tokens / (batch * family.ctx)));
            r.config.tokens = double(r.steps) * batch * family.ctx;
            r.config.flops = r.trainedFlops = flopsPerToken6Na(r.config.arch) * r.config.tokens;
            shortest = std::min(shortest, r.steps);
        }
        const size_t parent = *std::max_element(members.begin(), members.end(), [&](size_t a, size_t b) {
            return plan.runs[a].steps < plan.runs[b].steps;
        });
        SweepRun& stable = plan.runs[parent];
        // The stable run's rate is the one its budgets' rates average to in log (one trajectory, one rate).
        double logLr = 0;
        for (size_t i : members)
            logLr += std::log(plan.runs[i].lr);
        const double lr = std::exp(logLr / double(members.size()));
        const long long warmup = std::max<long long>(1, shortest / 20);
        const long long stableEnd = wsdDecayStart(stable.steps, warmup, o.decayFrac);
        for (size_t i : members) {
            SweepRun& r = plan.runs[i];
            r.lr = lr, r.warmupSteps = warmup;
            if (i == parent) continue;
            const long long at = wsdDecayStart(r.steps, warmup, o.decayFrac);
            if (at >= stableEnd || at <= warmup) {
                plan.warnings.push_back(r.name + ": its cooldown would start at step " + std::to_string(at) +
                                        ", outside " + stable.name + "'s stable phase; trained from scratch");
                continue;
            }
            r.branchFrom = stable.name;
            r.branchAt = at;
            r.trainedFlops = flopsPerToken6Na(r.config.arch) * double(r.steps - at) * batch * family.ctx;
            if (std::find(stable.keepAt.begin(), stable.keepAt.end(), at) == stable.keepAt.end())
                stable.keepAt.push_back(at);
        }
        std::sort(stable.keepAt.begin(), stable.keepAt.end());
    }
}

} // namespace

double SweepPlan::totalSeconds() const {
    double s = 0;
    for (const SweepRun& r : runs)
        s += r.estimatedSeconds;
    return s;
}

double defaultFlopsPerSecond(const std::string& device) {
    // cpu: moescope-train on models of 10⁵–10⁶ parameters, ctx 128, two cores (tests/bench figures).
    return device.rfind("cuda", 0) == 0 ? 989e12 * 0.35 : 1.5e10;
}

SweepCentre heuristicCentre(const ArchitectureFamily& family) {
    SweepCentre c;
    c.source = "heuristic: D = 20·N_a (no runs or law given)";
    c.params = [family](double budget, double sparsity) {
        return paramsWithActive(std::sqrt(budget / 120), sparsity, budget, family);
    };
    return c;
}

SweepCentre frontierCentre(std::vector<std::shared_ptr<const FrontierMethod>> methods,
                           const ArchitectureFamily& family, const std::string& source) {
    SweepCentre c;
    c.source = source;
    c.params = [methods, family](double budget, double sparsity) {
        std::string why = "no fitted method";
        for (const auto& m : methods) {
            double level = std::nan(""), gap = std::numeric_limits<double>::infinity();
            for (double s : m->sparsities())
                if (std::fabs(s - sparsity) < gap) gap = std::fabs(s - sparsity), level = s;
            if (!std::isfinite(level)) continue;
            try {
                const FrontierPoint p = m->at(budget, level);
                return gap < 1e-6 ? p.params.value
                                  : paramsWithActive(p.activeParams.value, sparsity, budget, family);
            } catch (const FrontierError& e) {
                why = m->name() + ": " + e.what();
            }
        }
        throw std::invalid_argument("no fitted method answers at this budget (" + why + ")");
    };
    return c;
}

SweepCentre lawCentre(const ParametricLaw& law, const std::vector<double>& parameters,
                      const ArchitectureFamily& family, const std::string& source) {
    requireTokenTerm(law);
    SweepCentre c;
    c.source = source;
    // The law and its parameters are copied in: the centre outlives the caller's fit.
    auto owned = std::shared_ptr<const ParametricLaw>(makeLaw(law.id()).release());
    c.params = [owned, parameters, family](double budget, double sparsity) {
        PlanOptions o;
        o.budget = budget;
        o.family = family;
        const double experts = expertsFor(sparsity, family);
        const double d = bestWidth([&](double w) {
            const double loss = configFor(*owned, parameters, w, experts, o).predictedLoss;
            return std::isfinite(loss) ? loss : std::numeric_limits<double>::infinity();
        });
        return familyConfig(d, experts, budget, family).params;
    };
    return c;
}

SweepPlan planSweep(const SweepOptions& o, const SweepCentre& centre) {
    if (o.budgets.empty()) throw std::invalid_argument("option --budgets: give at least one budget");
    for (double c : o.budgets)
        if (!(c > 0) || !std::isfinite(c))
            throw std::invalid_argument("option --budgets: every budget must be a positive number of FLOPs");
    if (o.sparsities.empty()) throw std::invalid_argument("option --sparsities: give at least one sparsity");
    for (double s : o.sparsities)
        if (!(s >= 0 && s < 1)) throw std::invalid_argument("option --sparsities: each must lie in [0, 1)");
    if (o.sizes < 1 || o.sizes > 50) throw std::invalid_argument("option --sizes: must lie in 1..50");
    if (!(o.spread > 0 && o.spread <= 3))
        throw std::invalid_argument("option --spread: decades around the optimum, in (0, 3]");
    if (o.batch < 1) throw std::invalid_argument("option --batch: must be ≥ 1");
    if (o.lrLadder == 1 || o.lrLadder < 0 || o.lrLadder > 9)
        throw std::invalid_argument("option --lr-ladder: 2 to 9 learning rates per size (0: none)");
    if (!(o.ladderFactor > 1 && o.ladderFactor <= 10))
        throw std::invalid_argument("option --ladder-factor: the ratio of neighbouring rates, in (1, 10]");
    if (!(o.decayFrac > 0 && o.decayFrac < 1))
        throw std::invalid_argument("option --decay-frac: the cooldown's share of a run, in (0, 1)");
    const double smallestBudget = *std::min_element(o.budgets.begin(), o.budgets.end());
    // Stable runs need sizes every budget shares: a grid in log N with the sizes' spacing, anchored at the
    // smallest budget's optimum for each sparsity.
    const double gridStep = o.sizes > 1 ? 2 * o.spread / (o.sizes - 1) : o.spread;
    std::map<double, double> gridAnchor;

    SweepPlan plan;
    plan.centreSource = centre.source;
    plan.device = o.device;
    plan.flopsPerSecond = o.flopsPerSecond > 0 ? o.flopsPerSecond : defaultFlopsPerSecond(o.device);
    ArchitectureFamily family = o.family;
    family.smallWidthStep = std::min(family.smallWidthStep, 8.0);
    for (double budget : o.budgets) {
        for (double sparsity : o.sparsities) {
            double nStar = 0;
            try {
                nStar = centre.params(budget, sparsity);
            } catch (const std::invalid_argument& e) {
                throw std::invalid_argument("budget " + formatNumber(budget) + ", sparsity " +
                                            formatNumber(sparsity) + ": " + e.what());
            }
            if (!(nStar > 0) || !std::isfinite(nStar))
                throw std::invalid_argument("no optimum to plan around at budget " + formatNumber(budget) +
                                            ", sparsity " + formatNumber(sparsity) + " (" + centre.source +
                                            ")");
            std::set<std::string> seen;
            for (int i = 0; i < o.sizes; ++i) {
                const double offset = o.sizes == 1 ? 0 : o.spread * (2.0 * i / (o.sizes - 1) - 1);
                SweepRun r;
                r.budget = budget;
                r.sparsity = sparsity;
                r.centreParams = nStar;
                // Small models are few (d in steps of 8): when the nearest is taken, the nearest free one
                // in the direction of this size's offset.
                double target = nStar * std::pow(10.0, offset);
                if (o.wsd) {
                    if (!gridAnchor.count(sparsity))
                        gridAnchor[sparsity] = centre.params(smallestBudget, sparsity);
                    const double anchor = gridAnchor[sparsity];
                    target = anchor *
                             std::pow(10.0, gridStep * std::round(std::log10(target / anchor) / gridStep));
                }
                const double direction = offset < 0 ? 1 / 1.05 : 1.05;
                for (int nudge = 0; nudge < 60; ++nudge) {
                    r.config = architectureFor(target * std::pow(direction, nudge), sparsity, budget, family);
                    r.name = runName(budget, sparsity, r.config.arch);
                    if (!seen.count(r.name)) break;
                }
                if (!seen.insert(r.name).second) {
                    plan.warnings.push_back(r.name + ": two sizes give the same architecture; planned once");
                    continue;
                }
                // D = C/(6·N_a) in whole steps; fewer sequences per step when the run would be too short.
                const double tokens = budget / flopsPerToken6Na(r.config.arch);
                r.batch = o.batch;
                const HparamPreset* preset = o.hparamPreset ? o.hparamPreset : findHparamPreset(kDefaultHparamPreset);
                const TrainingAdvice advice = adviseTrainingFor(r.config.arch, tokens, o.hparams, *preset);
                if (o.batchFromLaw)
                    r.batch = static_cast<int>(std::clamp<long long>(advice.batchSequences, 1, 4096));
                while (r.batch > 1 && tokens / (r.batch * family.ctx) < o.minSteps)
                    r.batch = std::max(1, r.batch / 2);
                r.steps = std::llround(tokens / (r.batch * family.ctx));
                if (r.steps < 1) {
                    plan.warnings.push_back(r.name + ": the budget buys less than one step; left out");
                    continue;
                }
                r.config.tokens = double(r.steps) * r.batch * family.ctx;
                r.lr = advice.lr;
                r.warmupSteps = std::max<long long>(1, r.steps / 20);
                r.hparamsSource = advice.source;
                r.config.flops = flopsPerToken6Na(r.config.arch) * r.config.tokens;
                if (std::fabs(r.config.flops / budget - 1) > 0.05)
                    plan.warnings.push_back(r.name + ": whole steps spend " +
                                            formatNumber(r.config.flops / budget) + " of the budget");
                if (r.steps < o.minSteps)
                    plan.warnings.push_back(r.name + ": only " + std::to_string(r.steps) +
                                            " steps (mostly learning-rate warm-up)");
                r.trainedFlops = r.config.flops;
                plan.runs.push_back(r);
            }
        }
    }
    plan.hparamPreset = (o.hparamPreset ? o.hparamPreset : findHparamPreset(kDefaultHparamPreset))->id;
    plan.decayFrac = o.decayFrac;
    if (o.lrLadder >= 2) addLearningRateLadders(plan, o, smallestBudget);
    if (o.wsd) planBranches(plan, o, family);
    for (SweepRun& r : plan.runs)
        r.estimatedSeconds = flopsPerToken(r.config.arch) *
                             (r.trainedFlops / flopsPerToken6Na(r.config.arch)) / plan.flopsPerSecond;
    // Training order: ladders first (the later rates depend on them), branches last (after their parents).
    auto rank = [](const SweepRun& r) { return !r.ladder.empty() ? 0 : r.branchFrom.empty() ? 1 : 2; };
    std::stable_sort(plan.runs.begin(), plan.runs.end(),
                     [&](const SweepRun& a, const SweepRun& b) { return rank(a) < rank(b); });
    for (const SweepRun& r : plan.runs)
        // Independent runs train each point once, at one rate: a ladder's point counts once.
        plan.trainedFlops += r.trainedFlops,
            plan.independentFlops += r.config.flops / (r.ladder.empty() ? 1 : o.lrLadder);
    return plan;
}

Json sweepPlanJson(const SweepPlan& plan) {
    Json runs = Json::array();
    for (const SweepRun& r : plan.runs) {
        const PlannedConfig& c = r.config;
        Json j = Json::object();
        j.set("name", r.name);
        j.set("budget", r.budget);
        const Json config = configJson(
            {c.arch, c.heads, c.params, c.activeParams, c.sparsity, c.tokens, c.flops, c.predictedLoss});
        for (const auto& [key, value] : config.members())
            if (key != "predicted_loss") j.set(key, value); // the plan predicts no loss
        j.set("steps", r.steps);
        j.set("batch", r.batch);
        j.set("batch_tokens", double(r.batch) * c.arch.ctx);
        if (r.lr > 0) j.set("lr", r.lr);
        if (r.warmupSteps >= 0) j.set("warmup_steps", static_cast<double>(r.warmupSteps));
        if (!r.hparamsSource.empty()) j.set("hparams_source", r.hparamsSource);
        if (!r.ladder.empty()) j.set("ladder", r.ladder);
        if (r.lrFromLadder) j.set("lr_from", "ladder");
        if (!r.schedule.empty()) {
            j.set("schedule", r.schedule);
            j.set("decay_frac", plan.decayFrac);
        }
        if (!r.keepAt.empty()) {
            Json keep = Json::array();
            for (long long s : r.keepAt)
                keep.push(static_cast<double>(s));
            j.set("keep_at", keep);
        }
        if (!r.branchFrom.empty()) {
            j.set("branch_from", r.branchFrom);
            j.set("branch_at", static_cast<double>(r.branchAt));
        }
        j.set("trained_flops", r.trainedFlops);
        j.set("centre_params", r.centreParams);
        j.set("estimated_seconds", r.estimatedSeconds);
        j.set("device", plan.device);
        runs.push(j);
    }
    Json warnings = Json::array();
    for (const auto& w : plan.warnings)
        warnings.push(w);
    Json j = Json::object();
    j.set("runs", runs);
    j.set("centre", plan.centreSource);
    j.set("device", plan.device);
    j.set("flops_per_second", plan.flopsPerSecond);
    j.set("total_seconds", plan.totalSeconds());
    j.set("hparams_preset", plan.hparamPreset);
    Json compute = Json::object();
    compute.set("trained_flops", plan.trainedFlops);
    compute.set("independent_flops", plan.independentFlops);
    compute.set("fraction", plan.independentFlops > 0 ? plan.trainedFlops / plan.independentFlops : 1.0);
    j.set("compute", compute);
    j.set("warnings", warnings);
    return j;
}

} // namespace moescope
