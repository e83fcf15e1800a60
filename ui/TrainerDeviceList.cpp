#include "ui/TrainerDeviceList.h"

#include "ui/TrainerProcess.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QTimer>

namespace moescope {

TrainerDeviceList::TrainerDeviceList(QObject* parent) : QObject(parent) {}

QString TrainerDeviceList::cudaTrainerPath() {
    const QString env = qEnvironmentVariable("MOESCOPE_TRAIN_CUDA");
    if (!env.isEmpty()) return QFileInfo(env).isExecutable() ? env : QString();
    const QDir here(QCoreApplication::applicationDirPath());
    // build/app/moescope or build/tests/tst_*: the CUDA build sits beside build/.
    for (const char* rel : {"../../build-cuda/trainer/moescope-train", "moescope-train-cuda"})
        if (QFileInfo(here.filePath(rel)).isExecutable())
            return QFileInfo(here.filePath(rel)).canonicalFilePath();
    return {};
}

void TrainerDeviceList::refresh() {
    // A CUDA build named but not runnable is said, not silently left out of the list.
    if (const QString named = qEnvironmentVariable("MOESCOPE_TRAIN_CUDA");
        !named.isEmpty() && !QFileInfo(named).isExecutable())
        emit problem(
            tr("MOESCOPE_TRAIN_CUDA=%1 is not an executable trainer: no CUDA device is listed from it")
                .arg(named));
    QStringList trainers{TrainerProcess::trainerPath()};
    if (const QString cuda = cudaTrainerPath(); !cuda.isEmpty() && cuda != trainers.front()) trainers << cuda;
    const int generation = ++generation_; // a later refresh supersedes answers still on their way
    answers_.assign(size_t(trainers.size()), {});
    pending_ = int(trainers.size());
    for (int i = 0; i < trainers.size(); ++i) {
        auto* process = new QProcess(this);
        const QString trainer = trainers[i];
        auto done = [this, process, trainer, i, generation] {
            if (process->property("done").toBool()) return;
            process->setProperty("done", true);
            process->deleteLater();
            if (generation != generation_) return;
            std::string error;
            std::vector<TrainerDevice> list;
            const bool ok = process->exitStatus() == QProcess::NormalExit && process->exitCode() == 0 &&
                            parseTrainerDevices(process->readAllStandardOutput().toStdString(),
                                                trainer.toStdString(), list, error);
            if (!ok)
                emit problem(tr("%1 --devices: %2")
                                 .arg(trainer, error.empty() ? tr("no answer (an older trainer?)")
                                                             : QString::fromStdString(error)));
            answers_[size_t(i)] = list;
            if (--pending_ == 0) {
                devices_ = mergeTrainerDevices(answers_);
                emit listed();
            }
        };
        connect(process, &QProcess::finished, this, done);
        connect(process, &QProcess::errorOccurred, this, [process, done](QProcess::ProcessError e) {
            if (e == QProcess::FailedToStart) done();
        });
        // A trainer that hangs (a wedged driver) must not hold the list: it counts as no answer.
        QTimer::singleShot(30000, process, [process, done] {
            process->kill();
            done();
        });
        process->start(trainer, {"--devices", "--json"});
    }
}

QString TrainerDeviceList::trainerFor(const QString& device) const {
    return QString::fromStdString(
        trainerForDevice(devices_, device.toStdString(), TrainerProcess::trainerPath().toStdString()));
}

const TrainerDevice* TrainerDeviceList::find(const QString& id) const {
    return findTrainerDevice(devices_, id.toStdString());
}

} // namespace moescope
