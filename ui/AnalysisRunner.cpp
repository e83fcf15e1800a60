#include "ui/AnalysisRunner.h"

#include <QCoreApplication>
#include <QEvent>
#include <QMetaObject>

#include <algorithm>

namespace moescope {

namespace {
// Says a generation was painted. Posted at low priority right after the snapshot is handed over, it arrives
// after the window's own repaint, which Qt posts at that priority while the views update.
const QEvent::Type kShownEvent = static_cast<QEvent::Type>(QEvent::registerEventType());
struct ShownEvent : QEvent {
    explicit ShownEvent(unsigned long long g) : QEvent(kShownEvent), generation(g) {}
    unsigned long long generation;
};
} // namespace

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
                    // The rest waits until the window has painted the first part: on two cores the full
                    // analysis would otherwise take the CPU the views need to update and draw.
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
    if (generation != generation_) { // a newer request is on its way
        markShown(generation);
        return;
    }
    latest_ = std::move(snapshot);
    if (!latest_->partial) {
        busy_ = false;
        emit busyChanged(false);
    }
    emit finished(latest_);
    QCoreApplication::postEvent(this, new ShownEvent(generation), Qt::LowEventPriority);
}

bool AnalysisRunner::event(QEvent* e) {
    if (e->type() != kShownEvent) return QObject::event(e);
    markShown(static_cast<ShownEvent*>(e)->generation);
    return true;
}

void AnalysisRunner::markShown(unsigned long long generation) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        shown_ = std::max(shown_, generation);
    }
    wake_.notify_all();
}

} // namespace moescope
