#pragma once
// The Trainer dock: a form for one calibration run with its derived N, N_a, S, D, steps, r and an estimated
// time; a queue run one at a time through moescope-train; progress with ETA, the live loss curve and the
// log; Cancel (graceful: the checkpoint is kept) and Resume. A finished run is handed to the window.
#include "core/jobs/SweepJobs.h"
#include "core/jobs/TrainerJob.h"
#include "core/model/Accounting.h"
#include "core/model/Run.h"

#include <QElapsedTimer>
#include <QWidget>

#include <map>

class QChartView;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QLineSeries;
class QListWidget;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QValueAxis;

namespace moescope {

class ThroughputProbe;
class TrainerProcess;

struct QueuedRun {
    QString name;
    QStringList arguments; // without --out
    QString outDir;
    QString device;     // --device as given: runs on different devices train at the same time
    TrainerJob job;     // the same run for other machines (Slurm export)
    QString group;      // the sweep it belongs to: its runs land as that run group
    double flops = 0;   // Eq. 9 FLOPs planned, for the sweep's ETA
    int ladderJob = -1; // index in the panel's sweep whose rate the sweep's ladders set at launch
};

class TrainerDeviceList;

class TrainerPanel : public QWidget {
    Q_OBJECT
public:
    explicit TrainerPanel(QWidget* parent = nullptr);

    Architecture architecture() const;
    double budget() const;
    // What the form would queue, or an error naming the field.
    QueuedRun formRun(QString* error) const;
    void enqueue(const QueuedRun& run);
    // Queues concrete configs (from `suggest`) at a budget.
    void enqueueConfig(const Architecture& arch, int heads, double budget);
    // Queues a planned sweep (Trainer › Plan sweep…, or plan-sweep --queue into the workspace) into
    // OUTPUT/NAME/RUN folders: a run already finished there is not trained again, one with a checkpoint
    // resumes, and every run lands in the run group NAME.
    // False (with `error`, also logged) when the sweep's name or a run's folder would leave the runs folder.
    bool enqueueSweep(const std::vector<SweepJob>& jobs, const QString& name, QString* error = nullptr);
    QProgressBar* sweepProgressBar() const { return sweepProgress_; }
    // The queue as a Slurm array job script training into `sharedDir` (see core/model/TrainerJob.h).
    QString slurmScript(const QString& sharedDir) const;
    void exportSlurmDialog();
    void startNext();
    void cancel();
    void resumeLast();
    int queued() const;
    int runningCount() const { return static_cast<int>(running_.size()); }
    void dropQueued(int index);
    QProgressBar* progressBar() const { return progress_; }
    QLineSeries* lossSeries() const { return loss_; }
    QLineSeries* validationSeries() const { return val_; }
    QChartView* lossChart() const { return chart_; }
    QPlainTextEdit* log() const { return log_; }
    QPushButton* logToggle() const { return logToggle_; }
    QLabel* derived() const { return derived_; }
    // Measures the form's run on its device (a few steps); the estimate in derived() then uses it.
    void measureSpeed();
    ThroughputProbe* probe() const { return probe_; }
    // What the trainer builds can train on (`moescope-train --devices`); the device list shows it.
    TrainerDeviceList* devices() const { return devices_; }
    QString deviceId() const; // the chosen device as --device takes it
    void setDataPath(const QString& path);
    // The labelled run groups of the window's runs (a group column), offered as the group a trained run
    // joins; by default it joins none and its group is inferred from its corpus, vocabulary and context, so a
    // run unlike the sweep never joins its fit unasked.
    void setGroups(const std::vector<std::string>& groups);
    void setOutputRoot(const QString& dir) { outputRoot_ = dir; }
    void setExtraArguments(const QStringList& a) { extra_ = a; }

signals:
    void devicesListed();
    void runLanded(const moescope::RunTable& runs);
    void runFailed(const QString& message);

private:
    void updateDerived();
    void showDevices();
    void launch(const QueuedRun& run, bool resume);
    void onFinished(const QString& device, bool ok, const QString& message, const RunTable& runs);
    static QString deviceKey(const QString& device);
    void showCurveOf(const QString& device); // the progress bar and curve follow this device's run
    // A training (or validation) loss of the run on `key`: kept with the run, drawn when it is followed.
    void addLossPoint(const QString& key, bool validation, qint64 step, double loss);
    void fitLossAxes(double lastStep);
    void showSweepProgress();
    struct Slot {
        TrainerProcess* process;
        QueuedRun run;
        QList<QPointF> losses; // kept for every run, so the curve can follow another one when focus moves
        QList<QPointF> validation;
        QElapsedTimer clock;
    };

    QSpinBox *dModel_, *layers_, *heads_, *experts_, *active_, *ctx_, *vocab_, *batch_;
    QDoubleSpinBox* granularity_;
    QLineEdit *budget_, *data_;
    QComboBox* device_;
    TrainerDeviceList* devices_;
    QComboBox* joins_;
    QLabel* derived_;
    QListWidget* queue_;
    QProgressBar *progress_, *sweepProgress_;
    // The sweep being trained: runs planned and done, and the measured throughput for its ETA.
    QString sweepName_;
    std::vector<SweepJob> sweepJobs_; // the sweep queued last, in training order, and its folder
    QString sweepRoot_;
    int sweepTotal_ = 0, sweepDone_ = 0;
    double sweepLeftFlops_ = 0, doneFlops_ = 0, doneSeconds_ = 0;
    QChartView* chart_;
    QLineSeries *loss_, *val_;
    QPushButton *measure_, *logToggle_;
    ThroughputProbe* probe_;
    double lossLo_ = 0, lossHi_ = 0; // the focused run's loss range so far, for the axis
    QPlainTextEdit* log_;
    QPushButton *cancel_, *resume_;
    QValueAxis *stepAxis_, *lossAxis_;
    std::map<QString, Slot> running_; // one run per device
    QString focus_;                   // the device whose run the progress bar and curve follow
    std::vector<QueuedRun> pending_;
    QueuedRun last_;
    QString outputRoot_;
    QStringList extra_;
};

} // namespace moescope
