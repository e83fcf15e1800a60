#pragma once
// Runs the explorer's fits off the GUI thread (QtConcurrent) and hands back immutable snapshots. Requests
// made while one is computing supersede it: only the newest result is delivered.
#include "AllocationLaw.h"
#include "IsoflopAnalysis.h"
#include "LawFitter.h"

#include <QFutureWatcher>
#include <QObject>

#include <memory>
#include <optional>
#include <set>

namespace moescope {

struct AnalysisRequest {
    RunTable runs;
    IsoflopOptions isoflop;
    std::string law = "auto"; // auto: abnar when the runs vary sparsity, chinchilla otherwise
    LawFitOptions lawOptions;
};

struct AnalysisSnapshot {
    RunTable runs;
    SweepAnalysis sweep;
    std::string lawId;
    std::unique_ptr<ParametricLaw> law;
    std::optional<LawFit> lawFit;
    std::vector<LawPoint> lawPoints;
    std::vector<int> lawRuns; // run index of each law point
    std::set<int> heldOut;    // law points held out of the fit (the largest sparsity, as the paper does)
    std::string heldOutLabel;
    std::optional<AllocationFit> allocation;
    std::vector<std::string> messages;
    double seconds = 0;

    const BudgetAnalysis* budget(double c) const; // nearest analysed budget, or null
    // Indices of the runs the analysis counted at that budget (groupByBudget's grouping).
    std::vector<int> runsOfBudget(double c) const;
};

// The whole analysis, synchronously; what the runner calls on its worker thread and `render` calls directly.
std::shared_ptr<const AnalysisSnapshot> analyze(const AnalysisRequest& request);

class AnalysisRunner : public QObject {
    Q_OBJECT
public:
    explicit AnalysisRunner(QObject* parent = nullptr);
    void request(AnalysisRequest r);
    bool busy() const { return watcher_.isRunning(); }
    std::shared_ptr<const AnalysisSnapshot> latest() const { return latest_; }

signals:
    void busyChanged(bool busy);
    void finished(std::shared_ptr<const AnalysisSnapshot> snapshot);

private:
    void start(AnalysisRequest r);
    QFutureWatcher<std::shared_ptr<const AnalysisSnapshot>> watcher_;
    std::optional<AnalysisRequest> pending_;
    std::shared_ptr<const AnalysisSnapshot> latest_;
};

} // namespace moescope
