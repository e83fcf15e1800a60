#pragma once
// Runs the window's analysis (core/fit/Analysis) on a worker thread of its own and hands back immutable
// snapshots. A newer request cancels the one computing (the fitters see the flag within a Ceres iteration
// or a bootstrap replicate); only the newest request's snapshot is ever delivered. Destroying the runner
// cancels and joins, so quitting never waits for a long fit. A failure inside the analysis arrives as a
// snapshot whose messages say what went wrong; nothing is thrown into Qt's event loop.
#include "core/fit/Analysis.h"

#include <QObject>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace moescope {

class AnalysisRunner : public QObject {
    Q_OBJECT
public:
    explicit AnalysisRunner(QObject* parent = nullptr);
    ~AnalysisRunner() override;

    // `focus` > 0: the budget on screen. When the latest snapshot can stand in for the rest, the worker first
    // delivers analyzeFocus's partial snapshot (that budget refitted), then the full analysis.
    void request(RunTable runs, AnalysisPlan plan, double focus = 0);
    bool busy() const { return busy_; }
    std::shared_ptr<const AnalysisSnapshot> latest() const { return latest_; }

protected:
    bool event(QEvent* e) override;

signals:
    void busyChanged(bool busy);
    void finished(std::shared_ptr<const AnalysisSnapshot> snapshot);

private:
    struct Job {
        RunTable runs;
        AnalysisPlan plan;
        unsigned long long generation = 0;
        double focus = 0;
        std::shared_ptr<const AnalysisSnapshot> previous;
    };
    void work();
    void deliver(std::shared_ptr<const AnalysisSnapshot> snapshot, unsigned long long generation);
    void post(std::shared_ptr<const AnalysisSnapshot> snapshot, unsigned long long generation);
    void markShown(unsigned long long generation);

    std::mutex mutex_;
    std::condition_variable wake_;
    std::optional<Job> pending_;
    std::shared_ptr<CancelFlag> running_; // the flag of the job being computed
    bool stopping_ = false;
    unsigned long long generation_ = 0; // of the newest request (GUI thread)
    unsigned long long shown_ = 0;      // newest generation the window has painted (under mutex_)
    bool busy_ = false;
    std::shared_ptr<const AnalysisSnapshot> latest_;
    std::thread worker_;
};

} // namespace moescope
