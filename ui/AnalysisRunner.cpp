#include "AnalysisRunner.h"

#include <QtConcurrent/QtConcurrentRun>

#include <chrono>
#include <cmath>
#include <set>

namespace moescope {

const BudgetAnalysis* AnalysisSnapshot::budget(double c) const {
    const BudgetAnalysis* best = nullptr;
    for (const auto& b : sweep.budgets)
        if (!best || std::fabs(std::log(b.budget / c)) < std::fabs(std::log(best->budget / c))) best = &b;
    return best;
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

std::shared_ptr<const AnalysisSnapshot> analyze(const AnalysisRequest& req) {
    const auto t0 = std::chrono::steady_clock::now();
    auto s = std::make_shared<AnalysisSnapshot>();
    s->runs = req.runs;
    s->sweep = analyzeSweep(s->runs, req.isoflop);
    for (const auto& why : s->sweep.skipped)
        s->messages.push_back("isoFLOP: skipped " + why);

    std::set<double> sparsities;
    for (const Run& r : s->runs.runs)
        if (r.has(Field::Sparsity)) sparsities.insert(r.get(Field::Sparsity));
    s->lawId = req.law == "auto" ? (sparsities.size() > 1 ? "abnar" : "chinchilla") : req.law;
    s->law = makeLaw(s->lawId);
    if (s->law) {
        for (size_t i = 0; i < s->runs.runs.size(); ++i) {
            LawPoint x;
            if (!s->runs.runs[i].excluded && toLawPoint(s->runs.runs[i], *s->law, x)) {
                s->lawPoints.push_back(x);
                s->lawRuns.push_back(static_cast<int>(i));
            }
        }
        // Like the paper (S = 0.98 held out), keep the largest of three or more sparsity levels out of the
        // fit.
        std::vector<LawPoint> train, held;
        const double top = sparsities.empty() ? 0 : *sparsities.rbegin();
        for (size_t i = 0; i < s->lawPoints.size(); ++i) {
            const bool hold = sparsities.size() >= 3 && s->lawPoints[i].sparsity == top;
            (hold ? held : train).push_back(s->lawPoints[i]);
            if (hold) s->heldOut.insert(static_cast<int>(i));
        }
        if (!held.empty()) s->heldOutLabel = "S=" + std::to_string(top).substr(0, 6);
        if (static_cast<int>(train.size()) > s->law->parameterCount())
            s->lawFit = fitLaw(*s->law, train, held, req.lawOptions);
        else
            s->messages.push_back("law " + s->lawId + ": too few runs with the fields it needs");
    }
    try {
        s->allocation = fitAllocationLaw(s->runs);
    } catch (const std::exception& e) {
        s->messages.push_back(std::string("allocation: ") + e.what());
    }
    s->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return s;
}

AnalysisRunner::AnalysisRunner(QObject* parent) : QObject(parent) {
    connect(&watcher_, &QFutureWatcher<std::shared_ptr<const AnalysisSnapshot>>::finished, this, [this] {
        latest_ = watcher_.result();
        if (pending_) {
            AnalysisRequest next = std::move(*pending_);
            pending_.reset();
            start(std::move(next));
        } else {
            emit busyChanged(false);
        }
        emit finished(latest_);
    });
}

void AnalysisRunner::request(AnalysisRequest r) {
    if (watcher_.isRunning()) {
        pending_ = std::move(r);
        return;
    }
    emit busyChanged(true);
    start(std::move(r));
}

void AnalysisRunner::start(AnalysisRequest r) {
    watcher_.setFuture(QtConcurrent::run([req = std::move(r)] { return analyze(req); }));
}

} // namespace moescope
