#pragma once
// One moescope-train run driven through QProcess: its JSON Lines become signals (progress with ETA, loss
// points, log lines), Cancel asks it to stop gracefully (SIGTERM: it checkpoints first), and a finished run's
// runs.csv comes back as runs.
#include "core/model/Run.h"

#include <QElapsedTimer>
#include <QObject>
#include <QProcess>
#include <QStringList>

namespace moescope {

class TrainerProcess : public QObject {
    Q_OBJECT
public:
    explicit TrainerProcess(QObject* parent = nullptr);
    // The trainer next to this program (build tree or install), else $MOESCOPE_TRAIN, else on PATH.
    static QString trainerPath();

    // The trainer this process runs (trainerPath() unless set: the CUDA build for a CUDA device).
    void setProgram(const QString& program) { program_ = program; }
    void start(const QStringList& arguments, const QString& outDir);
    void cancel();
    bool running() const { return process_.state() != QProcess::NotRunning; }
    const QString& outDir() const { return outDir_; }

signals:
    void progress(qint64 step, qint64 total, double loss, double etaSeconds);
    void lossPoint(qint64 step, double loss);
    void validationPoint(qint64 step, double loss); // each evaluation, and the final one
    void deviceNamed(const QString& device);        // where the trainer runs, in its own words
    void throughput(qint64 step, double tokensPerSecond);
    void logLine(const QString& line);
    // ok: the run finished and `runs` holds it; otherwise `message` says why (the trainer's own words).
    void finished(bool ok, const QString& message, const moescope::RunTable& runs);

private:
    void readLines();
    void onExit(int code, QProcess::ExitStatus status);

    QProcess process_;
    QString program_, outDir_, lastError_;
    QByteArray buffer_;
    qint64 total_ = 0, first_ = 0;
    QElapsedTimer clock_;
};

} // namespace moescope
