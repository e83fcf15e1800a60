#pragma once
// How fast a configuration trains on a device, measured rather than assumed: a few steps of moescope-train
// with the run's own arguments, the median tokens/s of the steps after the first (which pays for start-up),
// and the device as the trainer names it. Measurements are kept per device and configuration for the
// session, so a time estimate is only ever a measured throughput times the run's tokens.
#include <QObject>
#include <QStringList>

#include <map>
#include <optional>

namespace moescope {

class TrainerProcess;

class ThroughputProbe : public QObject {
    Q_OBJECT
public:
    explicit ThroughputProbe(QObject* parent = nullptr);
    struct Measurement {
        double tokensPerSecond = 0;
        QString device; // e.g. "cpu fp32", "cuda:0 bf16"
    };
    static constexpr int kSteps = 6;
    // The cache key of a run: its arguments without its length, name or output (what sets the speed).
    static QString keyOf(const QStringList& runArguments);
    std::optional<Measurement> cached(const QString& key) const;
    // Trains kSteps steps of the run into `scratchDir`; measured or failed follows. One probe at a time:
    // false when one is running.
    // `program`: the trainer for the run's device (empty: the default one).
    bool measure(const QStringList& runArguments, const QString& scratchDir, const QString& program = {});
    bool running() const { return process_ != nullptr; }

signals:
    void measured(const QString& key, const moescope::ThroughputProbe::Measurement& m);
    void failed(const QString& key, const QString& why);

private:
    std::map<QString, Measurement> cache_;
    TrainerProcess* process_ = nullptr;
};

} // namespace moescope

Q_DECLARE_METATYPE(moescope::ThroughputProbe::Measurement)
