#pragma once
// The one analysis of a sweep, shared by every face of MoEScope: `moescope-cli fit`, `render` and the
// window all build an AnalysisPlan (law, hold-out rule, start grid, bootstrap, seed, Huber δ, isoFLOP
// options) from the same defaults and run it through analyze(). A recorded fit stores its whole plan
// (planJson), so reopening it and analysing the same runs gives the same numbers bit for bit.
#include "core/fit/AllocationLaw.h"
#include "core/fit/Cancel.h"
#include "core/fit/HyperparameterLaw.h"
#include "core/fit/IsoflopAnalysis.h"
#include "core/fit/LawFitter.h"
#include "core/fit/Outliers.h"
#include "core/fit/SweepDesign.h"
#include "core/io/Json.h"
#include "core/model/RunFilter.h"

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace moescope {

class FrontierMethod;
struct BacktestResult;
struct Prediction;

struct AnalysisPlan {
    // auto: abnar when the runs vary sparsity, chinchilla otherwise; none: surfaces only; else a law id.
    std::string law = "auto";
    // Which runs take part at all: a filter over the runs' columns (`router_type=='S-Base'`); empty: all
    // included runs. The others are treated as excluded.
    std::string where;
    // Which runs the parametric law is validated on instead of fitted to. auto: the largest of three or more
    // sparsity levels (Abnar et al. hold S = 0.98 out); none; or a filter such as `sparsity==0.98`.
    std::string holdout = "auto";
    // Which run group is fitted (runs of another corpus, vocabulary, context or tokenizer cannot share a
    // fit; core/model/RunSelection.h). auto: the group with the most included runs; all: no grouping; or a
    // group's name as runGroup() writes it ("vocab=32000, ctx=2048").
    std::string group = "auto";
    // Outliers (core/fit/Outliers.h): every law point gets a robust leave-one-out z; with excludeOutliers
    // the training points beyond outlierZ are left out and the law refitted.
    bool scoreOutliers = true;
    bool excludeOutliers = false;
    double outlierZ = kOutlierZ;
    // The runs are a table of optima (one row per budget: its best run's loss and, where known, size):
    // its own frontier answers (core/fit/OptimaFrontier.h). Said, never guessed: a sweep of one run a
    // budget whose sizes follow C is a collinear design, and is answered as one.
    bool optimaTable = false;
    LawFitOptions lawFit;   // starts, bootstrap, seed, Huber δ of the parametric law
    IsoflopOptions isoflop; // degrees, folds, bootstrap, seed of the isoFLOP surfaces

    AnalysisPlan();
};

// What a plan may ask for, from the command line or a workspace's recorded plan alike: enough for any
// analysis anyone runs, few enough that no file can make the window allocate without end.
struct PlanLimits {
    int maxBootstrap = 10000;
    int maxRandomStarts = 1000000;
    int maxIterations = 100000;
    int maxDegree = 4;
    int maxFolds = 50;
    int maxGridPoints = 1000;
    double maxSeed = 4294967295.0;
};

// The plan as JSON (every setting that changes a number) and back; false with `error` naming the key.
Json planJson(const AnalysisPlan& plan);
bool planFromJson(const Json& json, AnalysisPlan& plan, std::string& error);
// Checks what a user may have typed into a plan (law id, hold-out filter, ranges); false with `error`.
bool validatePlan(const AnalysisPlan& plan, std::string& error);
std::string startsName(const LawFitOptions& o); // full, fast or the number of random starts
// startsName's inverse: full, fast or a positive number of random starts; false for anything else.
bool parseStarts(const std::string& text, LawFitOptions& o);

// The runs as the plan sees them: those its `where` filter or its run group leaves out are marked excluded
// (indices stay those of `runs`). False with `error` for an unknown column, a filter that matches no run or
// an unknown group. `note`, when given, says which groups were left out.
bool selectPlanRuns(const RunTable& runs, const AnalysisPlan& plan, RunTable& out, std::string& error,
                    std::string* note = nullptr);

// The law `plan.law` names for these runs (auto resolved).
std::string resolveLaw(const RunTable& runs, const std::string& law);

struct LawAnalysis {
    std::string lawId;
    std::shared_ptr<const ParametricLaw> law;
    std::vector<LawPoint> points;       // every included run the law can use
    std::vector<int> runs;              // the run index of each point
    std::set<int> heldOut;              // points held out of the fit by the plan's rule
    std::string heldOutLabel;           // "S=0.98" or the filter's text
    std::map<std::string, int> leftOut; // runs the law could not use, counted by reason
    std::optional<LawFit> fit;          // empty when too few points (see `problem`)
    std::vector<double> outlierZ;       // per point: robust leave-one-out z (NaN: not scored)
    std::vector<int> outliersExcluded;  // points left out of the fit as outliers (excludeOutliers)
    std::string problem;
};
// The parametric half of the analysis. Throws Cancelled when the plan's flag is set.
LawAnalysis analyzeLaw(const RunTable& runs, const AnalysisPlan& plan);

struct Recommendation; // core/fit/Extrapolation.h

// The answer at one budget (predictFromSnapshot with the default request), or why there is none.
struct BudgetAnswer {
    double budget = 0;
    std::shared_ptr<const Prediction> answer; // null: `problem` says why
    std::string problem;
};

struct AnalysisSnapshot {
    RunTable runs;
    AnalysisPlan plan;
    SweepAnalysis sweep;
    std::string lawId;
    std::shared_ptr<const ParametricLaw> law;
    std::optional<LawFit> lawFit;
    std::vector<LawPoint> lawPoints;
    std::vector<int> lawRuns;     // run index of each law point
    std::vector<double> outlierZ; // per law point (LawAnalysis::outlierZ)
    std::set<int> heldOut;        // law points held out of the fit
    std::string heldOutLabel;
    std::optional<AllocationFit> allocation;
    // The learning-rate and batch laws of runs with a learning-rate column (HyperparameterLaw.h); null when
    // they have none. How the answer's model should be trained comes from them where they are determined.
    std::shared_ptr<const HparamLaws> hparams;
    // Past the sweep (core/fit/Extrapolation.h): the isoFLOP frontier and the law's own, fitted on these
    // runs, the backtest that holds out the largest budget, and the method it recommends (empty: none).
    std::vector<std::shared_ptr<const FrontierMethod>> frontiers;
    std::shared_ptr<const BacktestResult> backtest;
    std::string recommended, recommendedWhy;
    std::shared_ptr<const Recommendation> recommendation; // with every method's track record
    SweepDesign design; // what the runs' design can determine (core/fit/SweepDesign.h)
    // The recommended frontier's compute multiplier per sparse level, from a decade below the sweep to a
    // decade past it: (sparsity, [(C, C_dense/C)]).
    std::vector<std::pair<double, std::vector<std::pair<double, double>>>> multipliers;
    // The answer at every swept budget, computed with the rest: choosing a swept budget in the window is then
    // a look-up instead of a frontier search on its thread. A partial snapshot keeps the previous ones, as it
    // keeps the frontiers they come from.
    std::vector<BudgetAnswer> answers;
    const BudgetAnswer* answerAt(double budget) const; // the one at exactly that budget, or null
    const FrontierMethod* frontier(const std::string& method) const;
    double largestBudget() const;      // 0 when no budget was analysed
    std::vector<std::string> messages; // what could not be fitted, and why
    double seconds = 0;
    std::chrono::steady_clock::time_point started; // when the analysis began
    std::thread::id computedOn;                    // the thread that ran the analysis
    // True for analyzeFocus's first answer: only the shown budget is refitted (without bootstrap intervals);
    // the other budgets, the law and the frontiers are the previous analysis's until the full one lands.
    bool partial = false;

    const BudgetAnalysis* budget(double c) const; // nearest analysed budget, or null
    // Indices of the runs the analysis counted at that budget (groupByBudget's grouping).
    std::vector<int> runsOfBudget(double c) const;
};

// Why no budget of `snapshot` has an isoFLOP fit, in words any view may show ("these runs state no compute
// budget, FLOPs or tokens"; a table of optima; the first message); empty when one has.
std::string whyNoBudget(const AnalysisSnapshot& snapshot);

// What predictFromSnapshot answers at `budget` with the default request, its refusal as the problem: the
// window's answer, computed by analyze() for every swept budget and when asked for any other.
BudgetAnswer answerAtBudget(const AnalysisSnapshot& snapshot, double budget);

// The whole analysis, synchronously. Any failure of one part becomes a message and the rest goes on;
// throws Cancelled (only) when `cancel` is set while it runs.
std::shared_ptr<const AnalysisSnapshot> analyze(const RunTable& runs, const AnalysisPlan& plan,
                                                const CancelFlag* cancel = nullptr);

// The fast first part of a re-analysis after the runs changed (a run included or excluded): `previous` with
// `runs` in place and the budget nearest `focus` refitted without bootstrap, so the views of the budget on
// screen update at once while analyze() refits the rest. Null when `previous` cannot stand in for the rest:
// another plan, another number of runs, or no such budget.
std::shared_ptr<const AnalysisSnapshot> analyzeFocus(const RunTable& runs, const AnalysisPlan& plan,
                                                     double focus, const AnalysisSnapshot& previous,
                                                     const CancelFlag* cancel = nullptr);

} // namespace moescope
