// Suggested next runs: consistent with the accounting, spending the budget, and — simulated from a known
// law — shrinking the optimum's bootstrap interval more than randomly chosen configs do.
#include "core/fit/PublishedLaws.h"
#include "core/fit/RunSuggester.h"
#include "core/fit/Statistics.h"
#include "core/fit/SyntheticSweep.h"

#include <QtTest>

#include <random>

using namespace moescope;

namespace {
Run simulate(const Suggestion& s, double budget, std::mt19937_64& rng, double noise) {
    std::normal_distribution<double> n(0, noise);
    Run r;
    r.set(Field::DModel, s.arch.d_model);
    r.set(Field::NLayers, s.arch.n_layers);
    r.set(Field::Experts, s.arch.experts);
    r.set(Field::ActiveExperts, s.arch.active_experts);
    r.set(Field::Granularity, 1);
    r.set(Field::Ctx, s.arch.ctx);
    r.set(Field::Vocab, s.arch.vocab);
    r.set(Field::Tokens, s.tokens);
    r.set(Field::Budget, budget);
    r.set(Field::Loss, abnarLoss(AbnarCoefficients{}, s.params, s.tokens, s.sparsity) + n(rng));
    deriveMissingFields(r);
    return r;
}

// Width of the 95 % interval of log N* after adding `extra` runs.
double optimumWidth(RunTable t, const std::vector<Run>& extra, double budget) {
    for (const Run& r : extra)
        t.runs.push_back(r);
    IsoflopOptions o;
    o.degrees = Degrees{2, 2, 1};
    const BudgetAnalysis a = analyzeBudget(groupByBudget(t).begin()->second, budget, o);
    // The bootstrap refits' own spread of log N*: the optimum here sits at the largest sparsity, an edge, so
    // the reported band is withheld (NaN) while the replicates still say how well N* is pinned down.
    std::vector<double> logN;
    for (const auto& [x, s] : a.replicateOptima)
        logN.push_back(x);
    return percentile(logN, 0.975) - percentile(logN, 0.025);
}
// Abnar's law sampled at C = 1e20, five sizes per sparsity level, and its isoFLOP analysis.
BudgetAnalysis sweepAt1e20() {
    SyntheticSweepSpec spec;
    spec.budgets = {1e20};
    spec.sizesPerLevel = 5;
    const RunTable t = makeSyntheticSweep(spec);
    return analyzeBudget(groupByBudget(t).begin()->second, 1e20, IsoflopOptions{});
}
} // namespace

class TestSuggest : public QObject {
    Q_OBJECT
private slots:
    void suggestionsAreConcreteAndSpendTheBudget() {
        const BudgetAnalysis a = sweepAt1e20();
        SuggestOptions o;
        o.count = 5;
        const auto picks = suggestRuns(a, o);
        QCOMPARE(int(picks.size()), 5);
        for (const Suggestion& s : picks) {
            QCOMPARE(s.params, totalParams(s.arch));
            QCOMPARE(s.activeParams, activeParams(s.arch));
            QCOMPARE(s.sparsity, sparsityOf(s.arch.experts, 1));
            QVERIFY(std::fmod(s.arch.d_model, 64.0) == 0);
            QVERIFY(std::fabs(6 * s.activeParams * s.tokens / 1e20 - 1) < 0.01);
            QVERIFY(s.lossStd > 0);
            QVERIFY(s.gpuHours > 0);
        }
        // Greedy spreading: no two picks are the same config.
        for (size_t i = 0; i < picks.size(); ++i)
            for (size_t j = i + 1; j < picks.size(); ++j)
                QVERIFY(picks[i].params != picks[j].params || picks[i].sparsity != picks[j].sparsity);
    }

    // The optimum of Abnar's law sits at the largest sparsity a sweep tried: suggestions then reach past it
    // (more experts than swept) instead of repeating the sparsities that cannot say where the optimum is.
    void anOptimumAtTheSparsityEdgeIsProbedBeyondIt() {
        const BudgetAnalysis a = sweepAt1e20();
        QVERIFY2(a.optimum.edge && a.optimum.edgeWhy.find("largest sparsity") != std::string::npos,
                 a.optimum.edgeWhy.c_str());
        SuggestOptions o;
        o.count = 4;
        const auto picks = suggestRuns(a, o);
        QCOMPARE(int(picks.size()), 4);
        int beyond = 0;
        for (const Suggestion& s : picks) {
            beyond += s.sparsity > a.surface.maxSparsity() + 1e-9;
            QCOMPARE(s.sparsity, sparsityOf(s.arch.experts, 1));
        }
        QVERIFY2(beyond >= 1, qPrintable(QString::number(beyond)));
    }

    void suggestionsTrainWhatTheSweepTrained() {
        // A 50,432-vocabulary, 4096-context sweep at G = 2: suggestions keep all three (N_a would be off by
        // the embedding difference with the defaults' 32,000).
        SyntheticSweepSpec spec;
        spec.budgets = {1e20};
        spec.sizesPerLevel = 5;
        RunTable t = makeSyntheticSweep(spec);
        for (Run& r : t.runs) {
            r.set(Field::Vocab, 50432);
            r.set(Field::Ctx, 4096);
            r.set(Field::Granularity, 2);
        }
        t.runs[0].set(Field::Vocab, 256); // one odd run does not outvote the sweep
        SuggestOptions o;
        QVERIFY(inheritFamily(t, o).empty()); // nothing assumed
        QCOMPARE(o.vocab, 50432.0);
        QCOMPARE(o.ctx, 4096.0);
        QCOMPARE(o.granularity, 2.0);
        const BudgetAnalysis a = analyzeBudget(groupByBudget(t).begin()->second, 1e20, IsoflopOptions{});
        for (const Suggestion& s : suggestRuns(a, o)) {
            QCOMPARE(s.arch.vocab, 50432.0);
            QCOMPARE(s.arch.ctx, 4096.0);
            QCOMPARE(s.arch.granularity, 2.0);
            QCOMPARE(s.activeParams, activeParams(s.arch));
        }
    }

    void neverTheSameConfigTwice() {
        // At a budget whose optimum sits at the largest sparsity few candidates qualify: fewer picks, no
        // repeats.
        SyntheticSweepSpec spec;
        spec.budgets = {1e19};
        const RunTable t = makeSyntheticSweep(spec);
        const BudgetAnalysis a = analyzeBudget(groupByBudget(t).begin()->second, 1e19, IsoflopOptions{});
        SuggestOptions o;
        o.count = 12;
        const auto picks = suggestRuns(a, o);
        QVERIFY(!picks.empty());
        // Distinct experiments, not neighbours one d_model step apart (4 asked gave 3 near-identical).
        for (size_t i = 0; i < picks.size(); ++i)
            for (size_t j = i + 1; j < picks.size(); ++j)
                QVERIFY2(picks[i].sparsity != picks[j].sparsity ||
                             std::fabs(std::log10(picks[i].params / picks[j].params)) >= 0.1,
                         qPrintable(QString("%1 and %2 at S %3")
                                        .arg(picks[i].params)
                                        .arg(picks[j].params)
                                        .arg(picks[i].sparsity)));
        // Fewer than asked is said, with the reason; as many as asked needs no word.
        QCOMPARE(fewerSuggestionsWhy(picks.size(), o.count).empty(), int(picks.size()) >= o.count);
        QVERIFY(int(picks.size()) < o.count);
        QVERIFY(QString::fromStdString(fewerSuggestionsWhy(picks.size(), o.count)).contains("26 %"));
        // Runs that state no vocabulary, context or granularity: the defaults are assumptions, named.
        RunTable bare = t;
        for (Run& r : bare.runs)
            for (Field f : {Field::Vocab, Field::Ctx, Field::Granularity})
                r.values[int(f)] = NAN;
        SuggestOptions defaults;
        QCOMPARE(inheritFamily(bare, defaults), (std::vector<std::string>{"vocab", "ctx", "granularity"}));
    }

    void suggestionsShrinkTheOptimumIntervalMoreThanRandomRuns() {
        const double budget = 1e20, noise = 0.01;
        double suggested = 0, random = 0;
        const int trials = 3;
        for (int trial = 0; trial < trials; ++trial) {
            SyntheticSweepSpec spec;
            spec.budgets = {budget};
            spec.sizesPerLevel = 4;
            spec.noise = noise;
            spec.seed = 11 + trial;
            const RunTable t = makeSyntheticSweep(spec);
            IsoflopOptions o;
            o.degrees = Degrees{2, 2, 1};
            const BudgetAnalysis a = analyzeBudget(groupByBudget(t).begin()->second, budget, o);
            SuggestOptions so;
            so.count = 6;
            std::mt19937_64 rng(100 + trial);
            std::vector<Run> picked;
            for (const Suggestion& s : suggestRuns(a, so))
                picked.push_back(simulate(s, budget, rng, noise));
            suggested += optimumWidth(t, picked, budget);
            // Random configs from the same candidates over the sweep's own range, averaged over draws.
            const auto pool = candidateConfigs(budget, so, std::exp(a.surface.minLogParams()),
                                               std::exp(a.surface.maxLogParams()));
            double r = 0;
            for (int draw = 0; draw < 4; ++draw) {
                std::vector<Run> any;
                std::uniform_int_distribution<size_t> pick(0, pool.size() - 1);
                for (int k = 0; k < 6; ++k)
                    any.push_back(simulate(pool[pick(rng)], budget, rng, noise));
                r += optimumWidth(t, any, budget) / 4;
            }
            random += r;
        }
        qInfo("95%% width of log N* after 6 more runs: suggested %.3f, random %.3f (mean of %d sweeps)",
              suggested / trials, random / trials, trials);
        QVERIFY2(suggested < random, qPrintable(QString("%1 vs %2").arg(suggested).arg(random)));
    }
};

QTEST_GUILESS_MAIN(TestSuggest)
#include "tst_suggest.moc"
