#include "ui/TrainerPanel.h"

#include "core/fit/LadderTransfer.h"
#include "core/fit/RunSuggester.h"
#include "core/io/AtomicFile.h"
#include "core/io/CsvWriter.h"
#include "core/io/PathNames.h"
#include "core/jobs/DurationText.h"
#include "core/jobs/SweepJobs.h"
#include "core/model/NumberParser.h"
#include "ui/ThroughputProbe.h"
#include "ui/TrainerDeviceList.h"
#include "ui/TrainerProcess.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QListWidget>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QStandardPaths>
#include <QVBoxLayout>
#include <QValueAxis>

#include <cmath>
#include <limits>

namespace moescope {

namespace {
QSpinBox* spin(int lo, int hi, int value, int step = 1) {
    auto* s = new QSpinBox;
    s->setRange(lo, hi);
    s->setValue(value);
    s->setSingleStep(step);
    return s;
}
} // namespace

TrainerPanel::TrainerPanel(QWidget* parent)
    : QWidget(parent), dModel_(spin(32, 16384, 128, 32)), layers_(spin(1, 256, 2)), heads_(spin(1, 256, 2)),
      experts_(spin(1, 1024, 4)), active_(spin(1, 1024, 1)), ctx_(spin(8, 65536, 128, 8)),
      vocab_(spin(2, 1 << 20, 256)), batch_(spin(1, 4096, 8)), granularity_(new QDoubleSpinBox),
      budget_(new QLineEdit("1e13")), data_(new QLineEdit), device_(new QComboBox),
      devices_(new TrainerDeviceList(this)), joins_(new QComboBox), derived_(new QLabel),
      queue_(new QListWidget), progress_(new QProgressBar), sweepProgress_(new QProgressBar),
      chart_(new QChartView), loss_(new QLineSeries), val_(new QLineSeries),
      measure_(new QPushButton(tr("Measure speed"))), logToggle_(new QPushButton(tr("Log"))),
      probe_(new ThroughputProbe(this)), log_(new QPlainTextEdit), cancel_(new QPushButton(tr("Cancel"))),
      resume_(new QPushButton(tr("Resume"))) {
    // Named, so scripts and tests can reach the fields.
    const std::pair<QWidget*, const char*> names[] = {
        {dModel_, "d_model"},          {layers_, "n_layers"}, {heads_, "n_heads"}, {experts_, "experts"},
        {active_, "active_experts"},   {ctx_, "ctx"},         {vocab_, "vocab"},   {batch_, "batch"},
        {granularity_, "granularity"}, {budget_, "budget"},   {data_, "data"},     {device_, "device"},
        {joins_, "joins_group"}};
    for (const auto& [w, n] : names)
        w->setObjectName(n);
    granularity_->setRange(0.125, 64);
    granularity_->setValue(1);
    // Until the trainers answer (`--devices`), what every build has; then the list they give.
    device_->addItem("auto", "auto");
    device_->addItem("cpu", "cpu");
    connect(devices_, &TrainerDeviceList::listed, this, &TrainerPanel::showDevices);
    connect(devices_, &TrainerDeviceList::problem, log_, &QPlainTextEdit::appendPlainText);
    data_->setPlaceholderText(tr("default: the Brown corpus from the set-up"));
    outputRoot_ = QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + "/runs";
    auto* form = new QFormLayout;
    form->addRow(tr("d_model"), dModel_);
    form->addRow(tr("layers"), layers_);
    form->addRow(tr("heads"), heads_);
    form->addRow(tr("experts E"), experts_);
    form->addRow(tr("active K"), active_);
    form->addRow(tr("granularity G"), granularity_);
    form->addRow(tr("context"), ctx_);
    form->addRow(tr("vocabulary"), vocab_);
    form->addRow(tr("batch"), batch_);
    form->addRow(tr("budget (FLOPs)"), budget_);
    form->addRow(tr("data"), data_);
    form->addRow(tr("device"), device_);
    form->addRow(tr("joins group"), joins_);
    joins_->setToolTip(tr("The run group the trained run lands in: its own (by corpus, vocabulary, context), "
                          "or a sweep's group to fit with it"));
    setGroups({});
    derived_->setWordWrap(true);
    auto* add = new QPushButton(tr("Add to queue"));
    auto* start = new QPushButton(tr("Start"));
    connect(add, &QPushButton::clicked, this, [this] {
        QString error;
        const QueuedRun r = formRun(&error);
        if (!error.isEmpty()) return log_->appendPlainText(tr("not queued: %1").arg(error));
        enqueue(r);
    });
    connect(start, &QPushButton::clicked, this, &TrainerPanel::startNext);
    connect(cancel_, &QPushButton::clicked, this, &TrainerPanel::cancel);
    connect(resume_, &QPushButton::clicked, this, &TrainerPanel::resumeLast);
    cancel_->setEnabled(false);
    resume_->setEnabled(false);
    auto* buttons = new QHBoxLayout;
    for (auto* b : {add, start, cancel_, resume_})
        buttons->addWidget(b);
    progress_->setRange(0, 100);
    progress_->setValue(0);
    progress_->setFormat(tr("idle"));
    auto* chart = new QChart;
    chart->setTitle(tr("loss of the run in progress"));
    chart->legend()->setAlignment(Qt::AlignBottom);
    loss_->setName(tr("training"));
    val_->setName(tr("validation"));
    val_->setPointsVisible(true);
    val_->setPen(QPen(QColor(220, 90, 30), 2));
    chart->addSeries(loss_);
    chart->addSeries(val_);
    auto* x = stepAxis_ = new QValueAxis;
    auto* y = lossAxis_ = new QValueAxis;
    x->setTitleText(tr("step"));
    y->setTitleText(tr("loss (nats)"));
    x->setLabelFormat("%.0f"); // steps are whole
    // An empty chart's 0..1 ticked "0 0 1 1 1" in whole steps: it starts at 0..100, and never spans under 10.
    x->setRange(0, 100);
    x->setTickCount(6);
    y->setLabelFormat("%.2f");
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    for (QLineSeries* s : {loss_, val_}) {
        s->attachAxis(x);
        s->attachAxis(y);
    }
    chart_->setChart(chart);
    chart_->setRenderHint(QPainter::Antialiasing);
    chart_->setMinimumHeight(200);
    log_->setReadOnly(true);
    log_->setMaximumBlockCount(5000);
    measure_->setToolTip(tr("Trains %1 steps of this run on its device and times them: the estimate above "
                            "then uses the measured speed")
                             .arg(ThroughputProbe::kSteps));
    connect(measure_, &QPushButton::clicked, this, &TrainerPanel::measureSpeed);
    connect(probe_, &ThroughputProbe::measured, this, [this] {
        measure_->setEnabled(true);
        updateDerived();
    });
    connect(probe_, &ThroughputProbe::failed, this, [this](const QString&, const QString& why) {
        measure_->setEnabled(true);
        log_->appendPlainText(tr("speed not measured: %1").arg(why));
        updateDerived();
    });
    logToggle_->setCheckable(true);
    logToggle_->setChecked(true);
    logToggle_->setToolTip(tr("Show or hide the trainer's log"));
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    auto* estimate = new QHBoxLayout;
    estimate->addWidget(derived_, 1);
    estimate->addWidget(measure_, 0, Qt::AlignTop);
    layout->addLayout(estimate);
    layout->addLayout(buttons);
    layout->addWidget(queue_);
    auto* drop = new QPushButton(tr("Remove from queue"));
    connect(drop, &QPushButton::clicked, this, [this] { dropQueued(queue_->currentRow()); });
    auto* slurm = new QPushButton(tr("Export queue as Slurm script…"));
    connect(slurm, &QPushButton::clicked, this, &TrainerPanel::exportSlurmDialog);
    auto* queueButtons = new QHBoxLayout;
    queueButtons->addWidget(drop);
    queueButtons->addWidget(slurm);
    layout->addLayout(queueButtons);
    sweepProgress_->setObjectName("sweep_progress");
    sweepProgress_->setVisible(false);
    layout->addWidget(sweepProgress_);
    layout->addWidget(progress_);
    // The curve and the log share the rest in a splitter: neither is ever drawn over the other, and the
    // log folds away (its button, or dragging the handle down).
    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(chart_);
    split->addWidget(log_);
    split->setCollapsible(0, false);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 1);
    layout->addWidget(logToggle_, 0, Qt::AlignLeft);
    layout->addWidget(split, 1);
    connect(logToggle_, &QPushButton::toggled, log_, &QWidget::setVisible);
    for (auto* s : {dModel_, layers_, heads_, experts_, active_, ctx_, vocab_, batch_})
        connect(s, &QSpinBox::valueChanged, this, &TrainerPanel::updateDerived);
    connect(granularity_, &QDoubleSpinBox::valueChanged, this, &TrainerPanel::updateDerived);
    connect(budget_, &QLineEdit::textChanged, this, &TrainerPanel::updateDerived);
    connect(device_, &QComboBox::currentIndexChanged, this, &TrainerPanel::updateDerived);

    updateDerived();
    devices_->refresh();
}

void TrainerPanel::showDevices() {
    const QString chosen = device_->currentData().toString();
    const QSignalBlocker block(device_);
    device_->clear();
    device_->addItem("auto", "auto");
    device_->setItemData(0, tr("the first CUDA device when there is one, else the CPU"), Qt::ToolTipRole);
    for (const TrainerDevice& d : devices_->devices()) {
        // The id leads (what --device takes), then what the driver calls it.
        QString label = QString::fromStdString(d.id);
        if (d.cuda()) {
            label += " — " + QString::fromStdString(d.name);
            if (d.memoryBytes > 0) label += QString(", %1 GB").arg(d.memoryBytes / 1e9, 0, 'f', 0);
        }
        device_->addItem(label, QString::fromStdString(d.id));
        device_->setItemData(device_->count() - 1,
                             QString::fromStdString(d.name + " (trained by " + d.trainer + ")"),
                             Qt::ToolTipRole);
    }
    const int again = device_->findData(chosen);
    device_->setCurrentIndex(again >= 0 ? again : 0);
    updateDerived();
    emit devicesListed();
}

QString TrainerPanel::deviceId() const {
    const QString id = device_->currentData().toString();
    return id.isEmpty() ? device_->currentText() : id;
}

Architecture TrainerPanel::architecture() const {
    Architecture a;
    a.d_model = dModel_->value();
    a.n_layers = layers_->value();
    a.experts = experts_->value();
    a.active_experts = active_->value();
    a.granularity = granularity_->value();
    a.ctx = ctx_->value();
    a.vocab = vocab_->value();
    return a;
}

double TrainerPanel::budget() const {
    double v = 0;
    return parseNumber(budget_->text().toStdString(), v) ? v : 0;
}

void TrainerPanel::setGroups(const std::vector<std::string>& groups) {
    const QString current = joins_->currentData().toString();
    joins_->clear();
    joins_->addItem(tr("its own (by corpus, vocabulary, context)"), QString());
    for (const auto& g : groups)
        if (!g.empty()) joins_->addItem(QString::fromStdString(g), QString::fromStdString(g));
    joins_->setCurrentIndex(std::max(0, joins_->findData(current)));
}

void TrainerPanel::setDataPath(const QString& path) {
    data_->setText(path);
}

void TrainerPanel::updateDerived() {
    const Architecture a = architecture();
    const double c = budget();
    const double tokens = c / flopsPerToken6Na(a);
    const double perStep = double(batch_->value()) * ctx_->value();
    // The time comes from a measured speed of this very configuration on this device, or is not claimed.
    QString time;
    QString error;
    const QueuedRun run = formRun(&error);
    const auto m = error.isEmpty() ? probe_->cached(ThroughputProbe::keyOf(run.arguments)) : std::nullopt;
    if (m)
        time = tr("about %1 on %2 (measured %3 tokens/s)")
                   .arg(QString::fromStdString(durationText(tokens / m->tokensPerSecond)), m->device)
                   .arg(m->tokensPerSecond, 0, 'f', 0);
    else
        time = probe_->running() ? tr("measuring the speed on %1…").arg(deviceId())
                                 : tr("time on %1 not measured yet (Measure speed)").arg(deviceId());
    // On a GPU the data sheet's peak gives an order of magnitude before any measurement, named as such.
    const double mfu = SuggestOptions{}.gpuMfu; // the MFU every GPU-hour figure of the window assumes
    if (const TrainerDevice* d = devices_->find(deviceId()); d && d->cuda() && d->bf16PeakTflops > 0)
        time += tr("; ~%1 GPU-hours on %2 at an assumed %3 % MFU")
                    .arg(flopsPerToken(a) * tokens / (d->bf16PeakTflops * 1e12 * mfu) / 3600, 0, 'g', 2)
                    .arg(QString::fromStdString(d->name))
                    .arg(mfu * 100, 0, 'f', 0);
    derived_->setText(tr("N %1, N_a %2, S %3, D %4 tokens, %5 steps, r %6; %7")
                          .arg(totalParams(a), 0, 'g', 4)
                          .arg(activeParams(a), 0, 'g', 4)
                          .arg(sparsityOf(a.experts, a.active_experts), 0, 'g', 3)
                          .arg(tokens, 0, 'g', 3)
                          .arg(std::llround(tokens / perStep))
                          .arg(expertAttentionRatio(a), 0, 'g', 3)
                          .arg(time));
}

void TrainerPanel::measureSpeed() {
    QString error;
    const QueuedRun run = formRun(&error);
    if (!error.isEmpty()) return log_->appendPlainText(tr("speed not measured: %1").arg(error));
    if (!probe_->measure(run.arguments,
                         outputRoot_ + "/probe-" +
                             QDateTime::currentDateTime().toString("yyyyMMdd-hhmmss-zzz"),
                         devices_->trainerFor(run.device)))
        return;
    measure_->setEnabled(false);
    updateDerived();
}

QueuedRun TrainerPanel::formRun(QString* error) const {
    QueuedRun r;
    if (budget() <= 0) {
        if (error) *error = tr("budget: '%1' is not a positive number").arg(budget_->text());
        return r;
    }
    const Architecture a = architecture();
    r.name = QString("d%1-l%2-e%3k%4-c%5")
                 .arg(a.d_model)
                 .arg(a.n_layers)
                 .arg(a.experts)
                 .arg(a.active_experts)
                 .arg(budget(), 0, 'g', 3);
    r.arguments = {"--d-model",     QString::number(a.d_model),
                   "--layers",      QString::number(a.n_layers),
                   "--heads",       QString::number(heads_->value()),
                   "--experts",     QString::number(a.experts),
                   "--active",      QString::number(a.active_experts),
                   "--granularity", QString::number(a.granularity),
                   "--ctx",         QString::number(a.ctx),
                   "--vocab",       QString::number(a.vocab),
                   "--batch",       QString::number(batch_->value()),
                   "--budget",      QString::number(budget(), 'g', 17),
                   "--device",      deviceId(),
                   "--name",        r.name};
    if (!data_->text().isEmpty()) r.arguments << "--data" << data_->text();
    r.arguments << extra_;
    r.job.name = r.name.toStdString();
    r.job.arch = a;
    r.job.heads = heads_->value();
    r.job.budget = budget();
    r.job.extra = {"--batch", std::to_string(batch_->value()), "--device", deviceId().toStdString()};
    if (!data_->text().isEmpty())
        r.job.extra.insert(r.job.extra.end(), {"--data", data_->text().toStdString()});
    for (const QString& e : extra_)
        r.job.extra.push_back(e.toStdString());
    r.device = deviceId();
    r.group = joins_->currentData().toString();
    r.outDir =
        outputRoot_ + "/" + r.name + "-" + QDateTime::currentDateTime().toString("yyyyMMdd-hhmmss-zzz");
    return r;
}

void TrainerPanel::enqueue(const QueuedRun& run) {
    pending_.push_back(run);
    queue_->addItem(run.name);
}

void TrainerPanel::enqueueConfig(const Architecture& arch, int heads, double c) {
    dModel_->setValue(int(arch.d_model));
    layers_->setValue(int(arch.n_layers));
    heads_->setValue(heads);
    experts_->setValue(int(arch.experts));
    active_->setValue(int(arch.active_experts));
    granularity_->setValue(arch.granularity);
    // The sweep's context and vocabulary: they set N_a, and with it D = C/(6·N_a).
    ctx_->setValue(int(arch.ctx));
    vocab_->setValue(int(arch.vocab));
    budget_->setText(QString::number(c, 'g', 17));
    QString error;
    const QueuedRun r = formRun(&error);
    if (error.isEmpty()) enqueue(r);
}

bool TrainerPanel::enqueueSweep(const std::vector<SweepJob>& jobs, const QString& name, QString* error) {
    // The name comes from a workspace's queue or a dialog: it must name one folder under the runs folder,
    // and every run folder must lie there too (run names are checked when the plan is read).
    std::string why;
    bool ok = checkPathName(name.toStdString(), "sweep name", why);
    const QString root = outputRoot_ + "/" + name;
    for (size_t i = 0; ok && i < jobs.size(); ++i)
        ok = liesUnder((root + "/" + QString::fromStdString(jobs[i].job.name)).toStdString(),
                       outputRoot_.toStdString(), why);
    if (!ok) {
        log_->appendPlainText(QString::fromStdString(why));
        if (error) *error = QString::fromStdString(why);
        return false;
    }
    sweepName_ = name;
    sweepJobs_ = jobs;
    sweepRoot_ = root;
    sweepTotal_ = sweepDone_ = 0;
    sweepLeftFlops_ = 0;
    for (const SweepJob& j : jobs) {
        QueuedRun q;
        q.name = QString::fromStdString(j.job.name);
        q.group = name;
        q.device = QString::fromStdString(j.device);
        q.job = j.job;
        for (const std::string& a : trainerArguments(q.job, ""))
            q.arguments << QString::fromStdString(a);
        for (const std::string& a : branchArguments(j, root.toStdString())) // after its parent, by order
            q.arguments << QString::fromStdString(a);
        if (j.lrFromLadder) q.ladderJob = int(&j - jobs.data());
        q.arguments << "--device" << q.device;
        if (!data_->text().isEmpty()) q.arguments << "--data" << data_->text();
        q.arguments << extra_;
        q.outDir = root + "/" + q.name;
        q.flops = sweepJobFlops(j);
        ++sweepTotal_;
        if (sweepRunState(q.outDir.toStdString()) == SweepRunState::Done) { // trained before: not again
            ++sweepDone_;
            continue;
        }
        sweepLeftFlops_ += q.flops;
        enqueue(q);
    }
    log_->appendPlainText(tr("sweep '%1': %2 runs into %3 (%4 already done)")
                              .arg(name)
                              .arg(sweepTotal_)
                              .arg(root)
                              .arg(sweepDone_));
    showSweepProgress();
    return true;
}

void TrainerPanel::showSweepProgress() {
    sweepProgress_->setVisible(sweepTotal_ > 0);
    if (sweepTotal_ == 0) return;
    sweepProgress_->setRange(0, sweepTotal_);
    sweepProgress_->setValue(sweepDone_);
    const double rate = doneSeconds_ > 0 ? doneFlops_ / doneSeconds_ : 0;
    const double eta = rate > 0 ? sweepLeftFlops_ / rate : -1;
    sweepProgress_->setFormat(tr("sweep %1: %2 of %3 runs%4")
                                  .arg(sweepName_)
                                  .arg(sweepDone_)
                                  .arg(sweepTotal_)
                                  .arg(sweepDone_ == sweepTotal_ ? tr(", done")
                                       : eta >= 0                ? tr(", ETA %1 (measured %2 GFLOP/s)")
                                                        .arg(QString::fromStdString(durationText(eta)))
                                                        .arg(rate / 1e9, 0, 'f', 1)
                                                  : QString()));
}

QString TrainerPanel::slurmScript(const QString& sharedDir) const {
    std::vector<TrainerJob> jobs;
    for (const QueuedRun& r : pending_)
        jobs.push_back(r.job);
    return QString::fromStdString(
        slurmArrayScript(jobs, sharedDir.toStdString(), TrainerProcess::trainerPath().toStdString()));
}

void TrainerPanel::exportSlurmDialog() {
    if (pending_.empty()) return log_->appendPlainText(tr("the queue is empty: nothing to export"));
    const QString shared = QInputDialog::getText(this, tr("Slurm export"),
                                                 tr("Shared folder the runs write to (seen by every node):"),
                                                 QLineEdit::Normal, "/shared/moescope-sweep");
    if (shared.isEmpty()) return;
    const QString path = QFileDialog::getSaveFileName(this, tr("Save Slurm script"), "moescope-sweep.sbatch");
    if (path.isEmpty()) return;
    std::string error;
    QString script;
    try {
        script = slurmScript(shared);
    } catch (const std::invalid_argument& e) {
        return (void)QMessageBox::warning(this, tr("Slurm export"), QString::fromUtf8(e.what()));
    }
    if (!writeFileAtomically(path.toStdString(), script.toStdString(), error))
        return (void)QMessageBox::warning(this, tr("Slurm export"), QString::fromStdString(error));
    log_->appendPlainText(tr("wrote %1: sbatch it, then `moescope-cli import-results %2` (or File › Import) "
                             "brings the runs back")
                              .arg(path, shared));
}

int TrainerPanel::queued() const {
    return static_cast<int>(pending_.size());
}

void TrainerPanel::dropQueued(int index) {
    if (index < 0 || index >= queued()) return;
    pending_.erase(pending_.begin() + index);
    delete queue_->takeItem(index);
}

QString TrainerPanel::deviceKey(const QString& device) {
    return device == "cuda" ? QString("cuda:0") : device;
}

void TrainerPanel::startNext() {
    // Every queued run whose device is free starts now, in queue order: one run per device.
    for (size_t i = 0; i < pending_.size();) {
        if (running_.count(deviceKey(pending_[i].device))) {
            ++i;
            continue;
        }
        const QueuedRun run = pending_[i];
        pending_.erase(pending_.begin() + long(i));
        delete queue_->takeItem(int(i));
        launch(run, false);
    }
}

void TrainerPanel::launch(const QueuedRun& queued, bool resume) {
    QueuedRun run = queued;
    if (run.ladderJob >= 0 && run.ladderJob < int(sweepJobs_.size())) {
        // The rate the sweep's finished learning-rate ladders say, as run-sweep would train it.
        double lr = 0;
        std::string source, error;
        const SweepJob& job = sweepJobs_[size_t(run.ladderJob)];
        std::vector<LadderRuns> ladders;
        if (!finishedLadders(sweepJobs_, sweepRoot_.toStdString(), job, ladders, error) ||
            !transferredRate(ladders, job.lr, activeParams(job.job.arch), lr, source, error)) {
            const QString why = QString::fromStdString(error) + tr("; not trained");
            log_->appendPlainText(why);
            emit runFailed(why); // as a failed run: the window says it, the queue goes on
            return;
        }
        std::vector<std::string> args;
        for (const QString& a : run.arguments)
            args.push_back(a.toStdString());
        setLearningRate(args, lr);
        run.arguments.clear();
        for (const std::string& a : args)
            run.arguments << QString::fromStdString(a);
        log_->appendPlainText(
            tr("%1: lr %2 (%3)").arg(run.name, QString::number(lr, 'g', 4), QString::fromStdString(source)));
    }
    const QString key = deviceKey(run.device);
    auto* process = new TrainerProcess(this);
    process->setProgram(devices_->trainerFor(run.device)); // a CUDA device's runs go to the CUDA build
    running_[key] = {process, run, {}, {}, {}};
    running_[key].clock.start();
    // A sweep's run stopped earlier (a closed window, a cancel) continues from its checkpoint.
    resume = resume ||
             (!run.group.isEmpty() && sweepRunState(run.outDir.toStdString()) == SweepRunState::Interrupted);
    showCurveOf(key);
    progress_->setValue(0);
    progress_->setFormat(tr("%1 — starting").arg(run.name));
    cancel_->setEnabled(true);
    resume_->setEnabled(false);
    connect(process, &TrainerProcess::progress, this,
            [this, key](qint64 step, qint64 total, double loss, double eta) {
                if (key != focus_) return;
                progress_->setValue(total > 0 ? int(100 * step / total) : 0);
                progress_->setFormat(tr("%1 — step %2/%3, loss %4, ETA %5 s")
                                         .arg(running_.at(key).run.name)
                                         .arg(step)
                                         .arg(total)
                                         .arg(loss, 0, 'f', 3)
                                         .arg(eta < 0 ? QString("?") : QString::number(eta, 'f', 0)));
            });
    connect(process, &TrainerProcess::lossPoint, this,
            [this, key](qint64 step, double loss) { addLossPoint(key, false, step, loss); });
    connect(process, &TrainerProcess::validationPoint, this,
            [this, key](qint64 step, double loss) { addLossPoint(key, true, step, loss); });
    connect(process, &TrainerProcess::logLine, this, [this, key](const QString& line) {
        log_->appendPlainText(running_.size() > 1 ? QString("[%1] %2").arg(key, line) : line);
    });
    connect(process, &TrainerProcess::finished, this,
            [this, key](bool ok, const QString& message, const RunTable& runs) {
                onFinished(key, ok, message, runs);
            });
    QDir().mkpath(run.outDir);
    QStringList args = run.arguments + QStringList{"--out", run.outDir};
    if (resume) args << "--resume";
    process->start(args, run.outDir);
}

void TrainerPanel::addLossPoint(const QString& key, bool validation, qint64 step, double loss) {
    const auto slot = running_.find(key);
    if (slot == running_.end()) return;
    (validation ? slot->second.validation : slot->second.losses).append(QPointF(double(step), loss));
    if (key != focus_) return;
    (validation ? val_ : loss_)->append(double(step), loss);
    lossLo_ = std::min(lossLo_, loss), lossHi_ = std::max(lossHi_, loss);
    fitLossAxes(std::max(double(step), loss_->count() ? loss_->at(loss_->count() - 1).x() : 0.0));
}

void TrainerPanel::showCurveOf(const QString& device) {
    focus_ = device;
    const QList<QPointF>& losses = running_.at(device).losses;
    loss_->replace(losses);
    val_->replace(running_.at(device).validation);
    lossLo_ = std::numeric_limits<double>::infinity(), lossHi_ = -lossLo_;
    for (const QPointF& p : losses + running_.at(device).validation)
        lossLo_ = std::min(lossLo_, p.y()), lossHi_ = std::max(lossHi_, p.y());
    if (!losses.isEmpty()) fitLossAxes(losses.last().x());
}

void TrainerPanel::fitLossAxes(double lastStep) {
    // Round ticks: whole steps, losses to the hundredth.
    stepAxis_->setRange(0, std::max(10.0, lastStep));
    stepAxis_->applyNiceNumbers();
    const double pad = 0.02 * (lossHi_ - lossLo_ + 1e-3);
    lossAxis_->setRange(lossLo_ - pad, lossHi_ + pad);
    lossAxis_->applyNiceNumbers();
}

void TrainerPanel::cancel() {
    if (running_.count(focus_)) running_.at(focus_).process->cancel();
}

void TrainerPanel::resumeLast() {
    if (last_.outDir.isEmpty() || running_.count(deviceKey(last_.device))) return;
    launch(last_, true);
}

void TrainerPanel::onFinished(const QString& key, bool ok, const QString& message, const RunTable& runs) {
    const Slot slot = running_.at(key);
    running_.erase(key);
    slot.process->deleteLater();
    last_ = slot.run;
    const bool focused = key == focus_;
    if (focused && !running_.empty()) showCurveOf(running_.begin()->first); // follow a run still going
    cancel_->setEnabled(!running_.empty());
    if (!slot.run.group.isEmpty() && slot.run.group == sweepName_ &&
        slot.run.flops > 0) { // a sweep's own run
        sweepLeftFlops_ -= slot.run.flops;
        if (ok) {
            ++sweepDone_;
            doneFlops_ += slot.run.flops;
            doneSeconds_ += slot.clock.elapsed() / 1000.0;
        }
        showSweepProgress();
    }
    if (ok) {
        RunTable landed = runs;
        if (!slot.run.group.isEmpty()) { // the sweep's own run group
            int column = landed.labelIndex("group");
            if (column < 0) {
                landed.labelNames.push_back("group");
                column = int(landed.labelNames.size()) - 1;
            }
            for (Run& r : landed.runs) {
                r.labels.resize(landed.labelNames.size());
                r.labels[size_t(column)] = slot.run.group.toStdString();
            }
        }
        if (focused) {
            progress_->setValue(100);
            progress_->setFormat(tr("%1 — done").arg(slot.run.name));
        }
        emit runLanded(landed);
        startNext();
        return;
    }
    // A failed or cancelled run keeps its log and partial curve; Resume continues from its checkpoint.
    if (focused) progress_->setFormat(tr("%1 — %2").arg(slot.run.name, message));
    log_->appendPlainText(tr("%1 on %2: %3").arg(slot.run.name, key, message));
    resume_->setEnabled(QFileInfo::exists(slot.run.outDir + "/checkpoint.pt"));
    emit runFailed(message);
    startNext();
}

} // namespace moescope
