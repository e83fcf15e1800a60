#include "ui/AnalysisRunner.h"

#include <QMetaObject>

#include <algorithm>

namespace moescope {

AnalysisRunner::AnalysisRunner(QObject* parent) : QObject(parent), worker_([this] { work(); }) {}

AnalysisRunner::~AnalysisRunner() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
        pending_.reset();
        if (running_) *running_ = true;
    }
    wake_.notify_all();
    worker_.join();
}

void AnalysisRunner::request(RunTable runs, AnalysisPlan plan, double focus) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        pending_ = Job{std::move(runs), std::move(plan), ++generation_, focus, focus > 0 ? latest_ : nullptr};
        if (running_) *running_ = true; // superseded: stop it at its next check
    }
    wake_.notify_all();
    if (!busy_) {
        busy_ = true;
        emit busyChanged(true);
    }
}

void AnalysisRunner::work() {
    for (;;) {
        Job job;
        auto flag = std::make_shared<CancelFlag>(false);
        {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || pending_; });
            if (stopping_) return;
            job = std::move(*pending_);
            pending_.reset();
            running_ = flag;
        }
        std::shared_ptr<const AnalysisSnapshot> snapshot;
        try {
            if (job.previous)
                if (auto first = analyzeFocus(job.runs, job.plan, job.focus, *job.previous, flag.get())) {
                    post(std::move(first), job.generation);
                    // The rest waits until the window has shown the first part: on two cores the full
                    // analysis would otherwise take the CPU the views need to update.
                    std::unique_lock<std::mutex> lock(mutex_);
                    wake_.wait(lock, [&] { return stopping_ || pending_ || shown_ >= job.generation; });
                    if (stopping_) return;
                }
            snapshot = analyze(job.runs, job.plan, flag.get());
        } catch (const Cancelled&) {
        } catch (const std::exception& e) {
            auto failed = std::make_shared<AnalysisSnapshot>();
            failed->runs = std::move(job.runs);
            failed->plan = job.plan;
            failed->computedOn = std::this_thread::get_id();
            failed->messages.push_back(std::string("analysis failed: ") + e.what());
            snapshot = std::move(failed);
        }
        {
            std::lock_guard<std::mutex> lock(mutex_);
            running_.reset();
        }
        if (snapshot) post(std::move(snapshot), job.generation);
    }
}

void AnalysisRunner::post(std::shared_ptr<const AnalysisSnapshot> snapshot, unsigned long long generation) {
    QMetaObject::invokeMethod(
        this, [this, snapshot, generation] { deliver(snapshot, generation); }, Qt::QueuedConnection);
}

void AnalysisRunner::deliver(std::shared_ptr<const AnalysisSnapshot> snapshot,
                             unsigned long long generation) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        shown_ = std::max(shown_, generation);
    }
    wake_.notify_all();
    if (generation != generation_) return; // a newer request is on its way
    latest_ = std::move(snapshot);
    if (!latest_->partial) {
        busy_ = false;
        emit busyChanged(false);
    }
    emit finished(latest_);
}

} // namespace moescope
