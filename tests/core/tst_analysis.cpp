// The one analysis: the plan's defaults shared by the CLI, a recorded fit reproduced bit for bit from the
// workspace alone, cancellation, the thread pool's exceptions, and the solver's termination in every fit.
#include "core/fit/Analysis.h"
#include "core/fit/Extrapolation.h"
#include "core/fit/Parallel.h"
#include "core/fit/SyntheticSweep.h"
#include "core/io/RunImporter.h"
#include "core/store/FitRecording.h"
#include "core/store/Workspace.h"
#include "tests/support/TestSupport.h"

#include <QtTest>

#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

using namespace moescope;
using namespace moescope::test;

namespace {

const QString kSample = MOESCOPE_SOURCE_DIR "/datasets/sample_sweep.csv";

RunTable sampleRuns() {
    ImportResult r = importRunsFile(kSample.toStdString(), {});
    if (!r.ok()) qFatal("sample sweep does not import");
    return r.table;
}

// Surfaces and frontiers without a parametric law, with a short bootstrap: quick enough to analyse twice.
AnalysisPlan surfacesOnly() {
    AnalysisPlan plan;
    plan.law = "none";
    plan.isoflop.bootstrap = 20;
    return plan;
}

// The fit JSON without its wall-clock seconds: everything else must repeat exactly.
std::string withoutSeconds(const std::string& json) {
    Json j, out = Json::object();
    std::string error;
    if (!Json::parse(json, j, error)) return "unparsable: " + error;
    for (const auto& [k, v] : j.members())
        if (k != "seconds") out.set(k, v);
    return out.dump();
}

// x² summed, which sets the cancel flag on its `trigger`-th evaluation: cancellation inside a solve,
// deterministic.
class CancellingBowl final : public ceres::FirstOrderFunction {
public:
    CancellingBowl(CancelFlag& flag, int trigger) : flag_(flag), trigger_(trigger) {}
    bool Evaluate(const double* p, double* cost, double* gradient) const override {
        if (++calls_ == trigger_) flag_ = true;
        *cost = (p[0] - 3) * (p[0] - 3) + (p[1] + 1) * (p[1] + 1);
        if (gradient) gradient[0] = 2 * (p[0] - 3), gradient[1] = 2 * (p[1] + 1);
        return true;
    }
    int NumParameters() const override { return 2; }
    int calls() const { return calls_; }

private:
    CancelFlag& flag_;
    int trigger_;
    mutable int calls_ = 0;
};

} // namespace

class TestAnalysis : public QObject {
    Q_OBJECT
private slots:
    void cliFitUsesThePlanDefaults() {
        // The CLI's plan for a plain `fit --law abnar` is the window's default plan with the law chosen.
        const ProcessResult r = runCli({"fit", kSample, "--law", "abnar", "--json"});
        QCOMPARE(r.exitCode, 0);
        Json j;
        std::string error;
        QVERIFY2(Json::parse(r.out.toStdString(), j, error), error.c_str());
        AnalysisPlan expected;
        expected.law = "abnar";
        QCOMPARE(QString::fromStdString(j["plan"].dump()), QString::fromStdString(planJson(expected).dump()));
        // The default hold-out rule is the window's: the largest of the sample's sparsity levels.
        QVERIFY2(QString::fromStdString(j["holdout"].string()).startsWith("S=0.9"), qPrintable(r.out));
        QVERIFY(j["metrics"].find("heldout"));
        // And the numbers are the ones analyze() gives the window.
        const auto snap = analyze(sampleRuns(), expected);
        QVERIFY(snap->lawFit);
        const Json window = lawFitJson(*snap->lawFit);
        QCOMPARE(QString::fromStdString(j["params"].dump()), QString::fromStdString(window["params"].dump()));
        QCOMPARE(QString::fromStdString(j["ci95"].dump()), QString::fromStdString(window["ci95"].dump()));
    }

    // Cooldown branches of one stable run share its trajectory: the law's bootstrap draws them together. With
    // every run a branch of one parent there is one unit to draw, so every refit sees the same runs.
    void branchesOfOneParentAreResampledTogether() {
        AnalysisPlan plan;
        plan.law = "chinchilla";
        plan.holdout = "none";
        plan.lawFit.bootstrap = 6;
        RunTable runs = sampleRuns();
        const auto apart = analyzeLaw(runs, plan);
        QVERIFY(apart.fit && apart.fit->replicates.size() >= 2);
        QVERIFY(apart.fit->replicates[0] != apart.fit->replicates[1]);
        runs.labelNames.push_back("parent");
        for (Run& r : runs.runs)
            r.labels.push_back("stable-d64");
        const auto together = analyzeLaw(runs, plan);
        QVERIFY(together.fit && together.fit->replicates.size() >= 2);
        for (const auto& rep : together.fit->replicates)
            QCOMPARE(rep, together.fit->replicates[0]);
    }

    void recordedFitReproducesFromTheWorkspace() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("w.moescope").toStdString();
        AnalysisPlan plan;
        plan.law = "chinchilla";
        plan.holdout = "sparsity>=0.9";
        plan.lawFit.bootstrap = 7;
        plan.lawFit.seed = 1234;
        plan.lawFit.huberDelta = 3e-4;
        plan.isoflop.bootstrap = 9;
        const RunTable runs = sampleRuns();
        const auto first = analyze(runs, plan);
        FitRecord record;
        QVERIFY(lawFitRecord(*first, record));
        {
            Workspace ws;
            std::string error;
            QVERIFY2(ws.open(path, error), error.c_str());
            QVERIFY(ws.addImport({}, runs, error) != 0);
            QVERIFY(ws.addFit(record, error) != 0);
        }
        Workspace reopened;
        std::string error;
        QVERIFY2(reopened.open(path, error, Workspace::Mode::Existing), error.c_str());
        const auto fits = reopened.fits();
        QCOMPARE(int(fits.size()), 1);
        AnalysisPlan restored;
        QVERIFY2(planOfRecord(fits[0], restored, error), error.c_str());
        QCOMPARE(QString::fromStdString(planJson(restored).dump()),
                 QString::fromStdString(planJson(plan).dump()));
        const auto again = analyze(reopened.runs(), restored);
        QVERIFY(again->lawFit);
        QCOMPARE(QString::fromStdString(withoutSeconds(lawFitJson(*again->lawFit).dump())),
                 QString::fromStdString(withoutSeconds(fits[0].resultJson)));
    }

    void planJsonRoundTripsAndRefusesNonsense() {
        AnalysisPlan p;
        p.law = "clark";
        p.lawFit.starts = LawFitOptions::Starts::Random;
        p.lawFit.randomStarts = 17;
        p.isoflop.degrees = Degrees{2, 1, 0};
        p.isoflop.leaveOneSparsityOut = true;
        AnalysisPlan back;
        std::string error;
        QVERIFY2(planFromJson(planJson(p), back, error), error.c_str());
        QCOMPARE(QString::fromStdString(planJson(back).dump()), QString::fromStdString(planJson(p).dump()));
        Json bad;
        QVERIFY(Json::parse(R"({"law":"nope"})", bad, error));
        QVERIFY(!planFromJson(bad, back, error));
        QVERIFY2(error.find("nope") != std::string::npos, error.c_str());
        QVERIFY(Json::parse(R"({"law_bootstrap":"many"})", bad, error));
        QVERIFY(!planFromJson(bad, back, error));
        QVERIFY2(error.find("law_bootstrap") != std::string::npos, error.c_str());
    }

    void cancellingStopsInsideASolve() {
        CancelFlag flag{false};
        CancellingBowl bowl(flag, 3);
        std::vector<double> p{-40, 25};
        QVERIFY_THROWS_EXCEPTION(Cancelled, descend(bowl, p, 1000, &flag));
        // It stopped at the iteration after the flag went up, not at the end of the solve.
        QVERIFY2(bowl.calls() <= 6, qPrintable(QString::number(bowl.calls())));
    }

    void aRunExcludedRefitsTheShownBudgetFirst() {
        RunTable runs = sampleRuns();
        const AnalysisPlan plan = surfacesOnly();
        const auto before = analyze(runs, plan);
        QVERIFY(before->sweep.budgets.size() >= 2);
        const double shown = before->sweep.budgets.back().budget;
        const double other = before->sweep.budgets.front().budget;
        const std::vector<int> atShown = before->runsOfBudget(shown);
        QVERIFY(atShown.size() > 10);
        runs.runs[atShown[3]].excluded = true;

        const auto first = analyzeFocus(runs, plan, shown, *before);
        QVERIFY(first);
        QVERIFY(first->partial);
        QVERIFY(first->runs.runs[atShown[3]].excluded);
        // The shown budget is refitted on the runs left, without bootstrap: what analyzeBudget gives alone.
        IsoflopOptions quick = plan.isoflop;
        quick.bootstrap = 0;
        const BudgetAnalysis expected = analyzeBudget(groupByBudget(first->runs).at(shown), shown, quick);
        const BudgetAnalysis* refitted = first->budget(shown);
        QCOMPARE(refitted->n, expected.n);
        QCOMPARE(refitted->n, before->budget(shown)->n - 1);
        QCOMPARE(refitted->optimum.loss.value, expected.optimum.loss.value);
        QVERIFY(refitted->optimum.loss.value != before->budget(shown)->optimum.loss.value);
        // The other budgets are the previous analysis's until the full one lands; and the full one agrees.
        QCOMPARE(first->budget(other)->optimum.loss.value, before->budget(other)->optimum.loss.value);
        const auto full = analyze(runs, plan);
        QVERIFY(!full->partial);
        QCOMPARE(full->budget(shown)->n, refitted->n);
        QCOMPARE(full->budget(shown)->optimum.loss.value, refitted->optimum.loss.value);

        // Nothing to stand on: another plan, or a partial snapshot as the previous one.
        AnalysisPlan otherPlan = plan;
        otherPlan.isoflop.bootstrap = 5;
        QVERIFY(!analyzeFocus(runs, otherPlan, shown, *before));
        QVERIFY(!analyzeFocus(runs, plan, shown, *first));
    }

    // The window's answer at a swept budget is looked up, not recomputed on its thread: the analysis holds
    // exactly what predictFromSnapshot says there, and a partial snapshot keeps the previous answers with the
    // previous frontiers they come from.
    void everySweptBudgetIsAnsweredWithTheAnalysis() {
        RunTable runs = sampleRuns();
        const AnalysisPlan plan = surfacesOnly();
        const auto s = analyze(runs, plan);
        QVERIFY(!s->recommended.empty());
        QCOMPARE(s->answers.size(), s->sweep.budgets.size());
        for (const BudgetAnalysis& b : s->sweep.budgets) {
            const BudgetAnswer* a = s->answerAt(b.budget);
            QVERIFY(a && a->answer);
            QVERIFY(a->problem.empty());
            PredictRequest req;
            req.budget = b.budget;
            const Prediction fresh = predictFromSnapshot(*s, req);
            QCOMPARE(a->answer->point.params.value, fresh.point.params.value);
            QCOMPARE(a->answer->point.params.lo, fresh.point.params.lo);
            QCOMPARE(a->answer->point.loss.hi, fresh.point.loss.hi);
            QCOMPARE(a->answer->point.sparsity, fresh.point.sparsity);
            QCOMPARE(a->answer->point.method, fresh.point.method);
        }
        QVERIFY(!s->answerAt(s->largestBudget() * 3)); // not swept: predicted when asked
        runs.runs[s->runsOfBudget(s->largestBudget()).front()].excluded = true;
        const auto first = analyzeFocus(runs, plan, s->largestBudget(), *s);
        QVERIFY(first && first->partial);
        QCOMPARE(first->answerAt(s->largestBudget())->answer.get(),
                 s->answerAt(s->largestBudget())->answer.get());
    }

    void aCancelledAnalysisThrowsCancelled() {
        CancelFlag flag{true};
        QVERIFY_THROWS_EXCEPTION(Cancelled, analyze(sampleRuns(), AnalysisPlan{}, &flag));
    }

    void everyFitReportsItsTermination() {
        auto law = makeLaw("chinchilla");
        const RunTable runs = sampleRuns();
        std::vector<LawPoint> pts;
        for (const Run& r : runs.runs) {
            LawPoint x;
            if (toLawPoint(r, *law, x)) pts.push_back(x);
        }
        LawFitOptions o;
        o.starts = LawFitOptions::Starts::Fast;
        const LawFit converged = fitLaw(*law, pts, {}, o);
        QCOMPARE(QString::fromStdString(converged.termination.type), QString("CONVERGENCE"));
        QVERIFY(converged.termination.converged);
        QVERIFY(converged.termination.iterations > 1);
        o.maxIterations = 1;
        const LawFit cut = fitLaw(*law, pts, {}, o);
        QCOMPARE(QString::fromStdString(cut.termination.type), QString("NO_CONVERGENCE"));
        QVERIFY(!cut.termination.converged);
        const Json j = lawFitJson(cut);
        QCOMPARE(QString::fromStdString(j["termination"]["type"].string()), QString("NO_CONVERGENCE"));
        QCOMPARE(j["termination"]["converged"].boolean(true), false);
    }

    void fullStartsNeverEndWorseThanFast() {
        auto law = makeLaw("chinchilla");
        std::vector<LawPoint> pts;
        for (const Run& r : sampleRuns().runs) {
            LawPoint x;
            if (toLawPoint(r, *law, x)) pts.push_back(x);
        }
        LawFitOptions fast, full;
        fast.starts = LawFitOptions::Starts::Fast;
        full.starts = LawFitOptions::Starts::Full;
        QCOMPARE(int(startPoints(*law, full).size()),
                 int(law->fullGridSize() + startPoints(*law, fast).size()));
        QVERIFY(fitLaw(*law, pts, {}, full).objective <= fitLaw(*law, pts, {}, fast).objective);
    }

    void parallelForRethrowsTheFirstExceptionAndNestsInline() {
        std::atomic<int> ran{0};
        bool caught = false;
        try {
            parallelFor(64, 4, [&](size_t i, size_t) {
                ++ran;
                if (i == 5) throw std::domain_error("task 5");
            });
        } catch (const std::domain_error& e) {
            caught = QString(e.what()) == "task 5";
        }
        QVERIFY(caught);
        QVERIFY(ran.load() < 64 + 1);
        // Nested loops run inline on the pool's threads: every inner task runs once, no thread is spawned per
        // call (the pool's threads plus the caller are all the threads that ever run a task).
        std::mutex m;
        std::set<std::thread::id> threads;
        std::atomic<int> inner{0};
        for (int round = 0; round < 20; ++round)
            parallelFor(8, 8, [&](size_t, size_t) {
                parallelFor(8, 8, [&](size_t, size_t) {
                    ++inner;
                    std::lock_guard<std::mutex> lock(m);
                    threads.insert(std::this_thread::get_id());
                });
            });
        QCOMPARE(inner.load(), 20 * 64);
        QVERIFY2(threads.size() <= std::max(1u, std::thread::hardware_concurrency()) + 1,
                 qPrintable(QString::number(threads.size())));
    }

    void anAnalysisFailureBecomesAMessage() {
        // A hold-out filter that matches every point leaves nothing to fit: said, not thrown.
        AnalysisPlan plan;
        plan.law = "chinchilla";
        plan.holdout = "loss>0";
        const auto snap = analyze(sampleRuns(), plan);
        QVERIFY(!snap->lawFit);
        bool said = false;
        for (const auto& m : snap->messages)
            said = said || m.find("law chinchilla: 0 usable runs") != std::string::npos;
        QVERIFY(said);
        QVERIFY(!snap->sweep.budgets.empty()); // the rest of the analysis still landed
    }
};

QTEST_GUILESS_MAIN(TestAnalysis)
#include "tst_analysis.moc"
