#include "ui/TrainerProcess.h"

#include "core/io/Json.h"
#include "core/io/RunImporter.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

namespace moescope {

TrainerProcess::TrainerProcess(QObject* parent) : QObject(parent) {
    connect(&process_, &QProcess::readyReadStandardOutput, this, &TrainerProcess::readLines);
    connect(&process_, &QProcess::readyReadStandardError, this, [this] {
        for (const QByteArray& l : process_.readAllStandardError().split('\n'))
            if (!l.trimmed().isEmpty()) emit logLine(QString::fromUtf8(l));
    });
    connect(&process_, &QProcess::finished, this, &TrainerProcess::onExit);
    connect(&process_, &QProcess::errorOccurred, this, [this](QProcess::ProcessError e) {
        if (e == QProcess::FailedToStart)
            emit finished(false, tr("cannot start %1: %2").arg(process_.program(), process_.errorString()),
                          {});
    });
}

QString TrainerProcess::trainerPath() {
    const QString env = qEnvironmentVariable("MOESCOPE_TRAIN");
    if (!env.isEmpty()) return env;
    const QDir here(QCoreApplication::applicationDirPath());
    for (const char* rel : {"moescope-train", "../trainer/moescope-train", "../../trainer/moescope-train"})
        if (QFileInfo(here.filePath(rel)).isExecutable())
            return QFileInfo(here.filePath(rel)).canonicalFilePath();
    const QString onPath = QStandardPaths::findExecutable("moescope-train");
    return onPath.isEmpty() ? "moescope-train" : onPath;
}

void TrainerProcess::start(const QStringList& arguments, const QString& outDir) {
    outDir_ = outDir;
    lastError_.clear();
    buffer_.clear();
    total_ = first_ = 0;
    clock_.start();
    const QString program = program_.isEmpty() ? trainerPath() : program_;
    emit logLine("$ " + program + " " + arguments.join(' '));
    process_.start(program, arguments);
}

void TrainerProcess::cancel() {
    if (running()) process_.terminate(); // SIGTERM: the trainer saves a checkpoint, then exits 130
}

void TrainerProcess::readLines() {
    buffer_ += process_.readAllStandardOutput();
    int nl;
    while ((nl = buffer_.indexOf('\n')) >= 0) {
        const QByteArray line = buffer_.left(nl).trimmed();
        buffer_.remove(0, nl + 1);
        if (line.isEmpty()) continue;
        Json j;
        std::string error;
        if (!Json::parse(line.toStdString(), j, error)) {
            emit logLine(QString::fromUtf8(line));
            continue;
        }
        const std::string event = j["event"].string();
        if (event == "start") {
            total_ = static_cast<qint64>(j["steps"].number());
            first_ = static_cast<qint64>(j["resumed_from"].number());
            emit deviceNamed(QString::fromStdString(j["device"].string()));
            emit logLine(tr("training N %1, N_a %2, S %3 for %4 steps on %5")
                             .arg(j["params"].number(), 0, 'g', 4)
                             .arg(j["active_params"].number(), 0, 'g', 4)
                             .arg(j["sparsity"].number(), 0, 'g', 3)
                             .arg(total_)
                             .arg(QString::fromStdString(j["device"].string())));
        } else if (event == "step") {
            const auto step = static_cast<qint64>(j["step"].number());
            const double loss = j["loss"].number();
            const double done = double(step - first_), left = double(total_ - step);
            const double eta = done > 0 ? clock_.elapsed() / 1000.0 / done * left : -1;
            emit lossPoint(step, loss);
            emit progress(step, total_, loss, eta);
            if (j["tokens_per_s"].number() > 0) emit throughput(step, j["tokens_per_s"].number());
        } else if (event == "eval") {
            emit validationPoint(static_cast<qint64>(j["step"].number()), j["val_loss"].number());
            emit logLine(tr("step %1: validation loss %2")
                             .arg(j["step"].number())
                             .arg(j["val_loss"].number(), 0, 'f', 4));
        } else if (event == "checkpoint") {
            emit logLine(tr("checkpoint %1").arg(QString::fromStdString(j["path"].string())));
        } else if (event == "error") {
            lastError_ = QString::fromStdString(j["message"].string());
            emit logLine(tr("error: %1").arg(lastError_));
        } else if (event == "done") {
            if (j["val_loss"].number() > 0) emit validationPoint(total_, j["val_loss"].number());
            emit logLine(tr("done: validation loss %1 in %2 s")
                             .arg(j["val_loss"].number(), 0, 'f', 4)
                             .arg(j["seconds"].number(), 0, 'f', 1));
        }
    }
}

void TrainerProcess::onExit(int code, QProcess::ExitStatus status) {
    readLines();
    if (status == QProcess::NormalExit && code == 0) {
        const ImportResult r = importRunsFile((outDir_ + "/runs.csv").toStdString(), {});
        if (r.ok()) {
            emit finished(true, {}, r.table);
            return;
        }
        emit finished(false, tr("the run finished but its runs.csv could not be read"), {});
        return;
    }
    QString why = lastError_.isEmpty() ? tr("moescope-train exited with code %1").arg(code) : lastError_;
    if (code == 130) why = tr("cancelled; the checkpoint in %1 is kept (Resume continues)").arg(outDir_);
    emit finished(false, why, {});
}

} // namespace moescope
