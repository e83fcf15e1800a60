#include "ui/ThroughputProbe.h"

#include "ui/TrainerProcess.h"

#include <QDir>

#include <algorithm>
#include <memory>
#include <vector>

namespace moescope {

namespace {
// Options that say how long a run is, what it is called or where it goes: not part of its speed.
bool isLengthOrPlace(const QString& option) {
    return option == "--budget" || option == "--steps" || option == "--tokens" || option == "--name" ||
           option == "--out" || option == "--eval-every" || option == "--checkpoint-every";
}

QStringList withoutLengthOrPlace(const QStringList& args) {
    QStringList kept;
    for (int i = 0; i < args.size(); ++i) {
        if (isLengthOrPlace(args[i])) {
            ++i; // and its value
            continue;
        }
        if (args[i] == "--resume") continue;
        kept << args[i];
    }
    return kept;
}
} // namespace

ThroughputProbe::ThroughputProbe(QObject* parent) : QObject(parent) {
    qRegisterMetaType<Measurement>();
}

QString ThroughputProbe::keyOf(const QStringList& runArguments) {
    return withoutLengthOrPlace(runArguments).join(' ');
}

std::optional<ThroughputProbe::Measurement> ThroughputProbe::cached(const QString& key) const {
    const auto it = cache_.find(key);
    if (it == cache_.end()) return std::nullopt;
    return it->second;
}

bool ThroughputProbe::measure(const QStringList& runArguments, const QString& scratchDir,
                              const QString& program) {
    if (process_) return false;
    const QString key = keyOf(runArguments);
    QDir().mkpath(scratchDir);
    process_ = new TrainerProcess(this);
    process_->setProgram(program);
    auto rates = std::make_shared<std::vector<double>>();
    auto device = std::make_shared<QString>();
    connect(process_, &TrainerProcess::deviceNamed, this, [device](const QString& d) { *device = d; });
    connect(process_, &TrainerProcess::throughput, this, [rates](qint64 step, double tokensPerSecond) {
        if (step > 1) rates->push_back(tokensPerSecond); // the first step compiles, allocates, warms caches
    });
    connect(process_, &TrainerProcess::finished, this,
            [this, key, rates, device, scratchDir](bool ok, const QString& message, const auto&) {
                process_->deleteLater();
                process_ = nullptr;
                QDir(scratchDir).removeRecursively();
                if (!ok || rates->empty())
                    return emit failed(key, ok ? tr("the probe reported no step times") : message);
                std::sort(rates->begin(), rates->end());
                const Measurement m{(*rates)[rates->size() / 2],
                                    device->isEmpty() ? tr("unknown device") : *device};
                cache_[key] = m;
                emit measured(key, m);
            });
    // Every step logged, no evaluation until the end: the probe times training only.
    process_->start(withoutLengthOrPlace(runArguments) + QStringList{"--steps", QString::number(kSteps),
                                                                     "--eval-every", "1000000", "--name",
                                                                     "throughput-probe", "--out", scratchDir},
                    scratchDir);
    return true;
}

} // namespace moescope
