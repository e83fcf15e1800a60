// The Trainer dock end to end on CPU: a queued run reaches 100 % with a growing loss curve and lands in the
// Runs table, which refits; Cancel keeps a checkpoint that Resume continues; a bad config shows the
// trainer's own message.
#include "core/io/Json.h"
#include "core/jobs/TrainerDevices.h"
#include "core/model/RunFilter.h"
#include "core/model/RunSelection.h"
#include "core/store/Workspace.h"
#include "tests/support/TestSupport.h"
#include "ui/MainWindow.h"
#include "ui/SweepPlanDialog.h"
#include "ui/ThroughputProbe.h"
#include "ui/TrainerDeviceList.h"
#include "ui/TrainerPanel.h"
#include "ui/WorkspaceController.h"

#include "ui/VtkWidget.h"
#include <QUndoStack>

#include <QComboBox>

#include <QChart>
#include <QChartView>
#include <QDirIterator>
#include <QDoubleSpinBox>
#include <QGuiApplication>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScatterSeries>
#include <QSet>
#include <QSpinBox>
#include <QStatusBar>
#include <QTableWidget>
#include <QValueAxis>
#include <cmath>

using namespace moescope;

namespace {
QString read(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}
} // namespace

class TestTrainerPanel : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    std::unique_ptr<MainWindow> window_;

    TrainerPanel* panel() { return window_->trainer(); }
    void setForm(int d, int heads, const QString& budget) {
        const std::pair<const char*, int> values[] = {
            {"d_model", d},        {"n_layers", 1}, {"n_heads", heads}, {"experts", 2},
            {"active_experts", 1}, {"ctx", 32},     {"vocab", 256},     {"batch", 4}};
        for (const auto& [name, v] : values)
            panel()->findChild<QSpinBox*>(name)->setValue(v);
        panel()->findChild<QLineEdit*>("budget")->setText(budget);
    }
    QueuedRun queueForm() {
        QString error;
        const QueuedRun r = panel()->formRun(&error);
        if (!error.isEmpty()) qFatal("%s", qPrintable(error));
        panel()->enqueue(r);
        return r;
    }
    static QString stepsBudget(double steps) {
        const Architecture a{32, 1, 2, 1, 1, 32, 256};
        return QString::number(6.0 * activeParams(a) * 4 * 32 * steps, 'g', 12);
    }

private slots:
    void initTestCase() {
        if (QGuiApplication::platformName() == "offscreen")
            QSKIP("the window hosts a VTK view: run under xvfb-run -a");
        qputenv("MOESCOPE_TRAIN", MOESCOPE_TRAIN);
        qputenv("MOESCOPE_TRAIN_CUDA", "/nonexistent"); // no CUDA build, whatever this machine has
        const QByteArray text = moescope::test::projectSourceText();
        window_ = std::make_unique<MainWindow>();
        window_->show();
        QSignalSpy updated(window_.get(), &MainWindow::viewsUpdated);
        QVERIFY(window_->openPath(MOESCOPE_SOURCE_DIR "/datasets/sample_sweep.csv"));
        QVERIFY(updated.wait(60000));
        panel()->setDataPath(moescope::test::writeFile(dir_, "corpus.txt", text));
        panel()->setOutputRoot(dir_.filePath("runs"));
        panel()->setExtraArguments({"--threads", "1", "--eval-every", "1000"});
    }

    // A CUDA trainer build that lists an H200 and, asked to train, records its arguments and fails — the
    // stand-in for a CUDA machine on a CPU one. `on` false goes back to no CUDA build.
    void useFakeCudaTrainer(bool on) {
        const QString fake = dir_.filePath("fake-cuda-train");
        const QString calls = dir_.filePath("fake-cuda-calls.txt");
        if (on) {
            moescope::test::writeFile(
                dir_, "fake-cuda-train",
                QString("#!/bin/sh\n"
                        "if [ \"$1\" = --devices ]; then\n"
                        "  echo '{\"devices\":[{\"id\":\"cpu\",\"name\":\"fake CPU\"},{\"id\":\"cuda:0\","
                        "\"name\":\"NVIDIA H200\",\"memory_bytes\":150e9,\"bf16_peak_tflops\":989}]}'\n"
                        "  exit 0\n"
                        "fi\n"
                        "echo \"$@\" >> '%1'\n"
                        "echo '{\"event\":\"error\",\"message\":\"fake CUDA trainer: no GPU here\"}'\n"
                        "exit 1\n")
                    .arg(calls)
                    .toUtf8());
            QFile::setPermissions(fake, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        }
        qputenv("MOESCOPE_TRAIN_CUDA", on ? fake.toUtf8() : QByteArray("/nonexistent"));
        QSignalSpy listed(panel(), &TrainerPanel::devicesListed);
        panel()->devices()->refresh();
        QVERIFY(listed.wait(60000));
    }

    void theDeviceListIsWhatTheTrainerBuildsList() {
        auto* device = panel()->findChild<QComboBox*>("device");
        // This build's own trainer answers --devices: cpu at least, every id one --device takes.
        const auto own = moescope::test::runProgram(MOESCOPE_TRAIN, {"--devices", "--json"});
        QCOMPARE(own.exitCode, 0);
        std::vector<TrainerDevice> listed;
        std::string error;
        QVERIFY2(parseTrainerDevices(own.out.toStdString(), MOESCOPE_TRAIN, listed, error), error.c_str());
        QVERIFY(!listed.empty() && listed.front().id == "cpu");
        QCOMPARE(moescope::test::runProgram(MOESCOPE_TRAIN, {"--devices", "--bogus"}).exitCode, 2);
        useFakeCudaTrainer(true);
        QStringList ids;
        for (int i = 0; i < device->count(); ++i)
            ids << device->itemData(i).toString();
        QVERIFY2(ids.contains("auto") && ids.contains("cpu") && ids.contains("cuda:0"),
                 qPrintable(ids.join(",")));
        const int cuda = device->findData("cuda:0");
        QVERIFY2(device->itemText(cuda).contains("NVIDIA H200") && device->itemText(cuda).contains("150 GB"),
                 qPrintable(device->itemText(cuda)));
        // The CPU is still trained by this build (the first to list it); the GPU by the CUDA build.
        QCOMPARE(panel()->devices()->trainerFor("cpu"), QString(MOESCOPE_TRAIN));
        QCOMPARE(panel()->devices()->trainerFor("cuda:0"), dir_.filePath("fake-cuda-train"));
        QCOMPARE(panel()->devices()->trainerFor("auto"), dir_.filePath("fake-cuda-train"));
        // Chosen, the estimate names the device and its GPU-hours at the data sheet's peak.
        device->setCurrentIndex(cuda);
        setForm(64, 2, "1e15");
        QVERIFY2(panel()->derived()->text().contains("GPU-hours on NVIDIA H200"),
                 qPrintable(panel()->derived()->text()));
        QSignalSpy failed(panel(), &TrainerPanel::runFailed);
        while (panel()->queued() > 0)
            panel()->dropQueued(0);
        queueForm();
        panel()->startNext();
        QVERIFY(failed.wait(60000));
        QVERIFY2(failed.last().at(0).toString().contains("fake CUDA trainer"),
                 qPrintable(failed.last().at(0).toString()));
        QVERIFY(read(dir_.filePath("fake-cuda-calls.txt")).contains("--device cuda:0"));
        // A trainer whose answer is not a device list is said, and the list keeps what the others gave.
        useFakeCudaTrainer(false);
        QCOMPARE(device->findData("cuda:0"), -1);
        // A CUDA build named but not there is said in the log, not silently dropped.
        QVERIFY2(
            panel()->log()->toPlainText().contains("MOESCOPE_TRAIN_CUDA=/nonexistent is not an executable"),
            qPrintable(panel()->log()->toPlainText().right(500)));
        device->setCurrentIndex(device->findData("cpu"));
        std::vector<TrainerDevice> bad;
        QVERIFY(!parseTrainerDevices(R"x({"devices":[{"id":"cuda:0; rm -rf /"}]})x", "t", bad, error));
        QVERIFY(!parseTrainerDevices(R"x({"devices":[{"id":"cpu","memory_bytes":-1}]})x", "t", bad, error));
        QVERIFY2(error.find("memory_bytes") != std::string::npos, error.c_str());
    }

    // An empty chart's step axis reads distinct whole steps (it read "0 0 1 1 1" over 0..1).
    void anEmptyChartTicksDistinctSteps() {
        TrainerPanel fresh;
        auto* view = fresh.findChild<QChartView*>();
        QVERIFY(view && view->chart());
        auto* x = qobject_cast<QValueAxis*>(view->chart()->axes(Qt::Horizontal).front());
        QVERIFY(x);
        QStringList labels;
        for (int i = 0; i < x->tickCount(); ++i)
            labels << QString::asprintf(qPrintable(x->labelFormat()),
                                        x->min() + i * (x->max() - x->min()) / (x->tickCount() - 1));
        QCOMPARE(QSet<QString>(labels.begin(), labels.end()).size(), labels.size());
    }

    void aTinyRunLandsInTheTable() {
        setForm(32, 2, stepsBudget(30));
        QVERIFY(panel()->derived()->text().contains("30 steps"));
        const int before = window_->runModel()->rowCount();
        queueForm();
        QSignalSpy landed(panel(), &TrainerPanel::runLanded);
        QSignalSpy refit(window_->runner(), &AnalysisRunner::finished);
        panel()->startNext();
        QVERIFY(landed.wait(120000));
        QCOMPARE(panel()->progressBar()->value(), 100);
        QVERIFY(panel()->lossSeries()->count() >= 30);
        // The validation loss the trainer reports at the end is on the curve, at the last step.
        QVERIFY(panel()->validationSeries()->count() >= 1);
        QCOMPARE(panel()->validationSeries()->at(panel()->validationSeries()->count() - 1).x(), 30.0);
        QCOMPARE(window_->runModel()->rowCount(), before + 1);
        const Run& r = window_->runModel()->runs().runs.back();
        QCOMPARE(r.get(Field::Params), totalParams(Architecture{32, 1, 2, 1, 1, 32, 256}));
        QCOMPARE(r.get(Field::Sparsity), 0.5);
        QVERIFY(refit.count() > 0 || refit.wait(60000)); // the fits refresh with the new run
        // Landing is one undoable step, like an import.
        window_->workspace()->undoStack()->undo();
        QCOMPARE(window_->runModel()->rowCount(), before);
        window_->workspace()->undoStack()->redo();
        QCOMPARE(window_->runModel()->rowCount(), before + 1);
    }

    // The time estimate is a measured speed of this configuration on this device, named as the trainer
    // names it; another configuration is not estimated until measured; a measured one is kept.
    void theTimeEstimateIsMeasuredAndNamesItsDevice() {
        setForm(64, 2, stepsBudget(400));
        panel()->findChild<QComboBox*>("device")->setCurrentText("cpu");
        QVERIFY2(panel()->derived()->text().contains("time on cpu not measured yet"),
                 qPrintable(panel()->derived()->text()));
        QSignalSpy measured(panel()->probe(), &ThroughputProbe::measured);
        QSignalSpy failed(panel()->probe(), &ThroughputProbe::failed);
        panel()->measureSpeed();
        QVERIFY(panel()->derived()->text().contains("measuring the speed on cpu"));
        QVERIFY(measured.wait(120000));
        QCOMPARE(failed.count(), 0);
        const auto m = qvariant_cast<ThroughputProbe::Measurement>(measured.at(0).at(1));
        QVERIFY(m.tokensPerSecond > 0);
        QVERIFY2(m.device.startsWith("cpu"), qPrintable(m.device));
        const QString text = panel()->derived()->text();
        QVERIFY2(text.contains(" on " + m.device + " (measured " +
                               QString::number(m.tokensPerSecond, 'f', 0) + " tokens/s)"),
                 qPrintable(text));
        // The estimate is the run's tokens at that speed.
        QString error;
        const QueuedRun run = panel()->formRun(&error);
        const double tokens = run.job.budget / flopsPerToken6Na(panel()->architecture());
        const double seconds = tokens / m.tokensPerSecond;
        QVERIFY2(text.contains(seconds < 120 ? QString("about %1 s").arg(seconds, 0, 'f', 0)
                                             : QString("about %1 min").arg(seconds / 60, 0, 'f', 1)),
                 qPrintable(text));
        panel()->findChild<QSpinBox*>("d_model")->setValue(96);
        QVERIFY(panel()->derived()->text().contains("not measured yet"));
        panel()->findChild<QSpinBox*>("d_model")->setValue(64);
        QVERIFY(
            panel()->derived()->text().contains("measured " + QString::number(m.tokensPerSecond, 'f', 0)));
        QCOMPARE(measured.count(), 1);
    }

    // The loss curve and the log never overlap, and the log folds away.
    void theLogFoldsAwayAndNeverCoversTheCurve() {
        window_->show();
        QWidget* chart = panel()->lossChart();
        QWidget* log = panel()->log();
        QVERIFY(panel()->logToggle()->isChecked());
        const QRect c(chart->mapTo(panel(), QPoint(0, 0)), chart->size());
        const QRect l(log->mapTo(panel(), QPoint(0, 0)), log->size());
        if (log->isVisible() && chart->isVisible()) QVERIFY(!c.intersects(l));
        panel()->logToggle()->click();
        QVERIFY(log->isHidden());
        panel()->logToggle()->click();
        QVERIFY(!log->isHidden());
    }

    void cancelKeepsACheckpointAndResumeContinues() {
        setForm(32, 2, stepsBudget(100000));
        const QueuedRun run = queueForm();
        QSignalSpy failed(panel(), &TrainerPanel::runFailed);
        panel()->startNext();
        QTRY_VERIFY_WITH_TIMEOUT(panel()->lossSeries()->count() >= 3, 60000);
        panel()->cancel();
        QVERIFY(failed.wait(60000));
        QVERIFY2(failed.last().at(0).toString().contains("cancelled"),
                 qPrintable(failed.last().at(0).toString()));
        QVERIFY(QFile::exists(run.outDir + "/checkpoint.pt"));
        const int partial = panel()->lossSeries()->count();
        QVERIFY(partial >= 3); // the partial curve stays
        panel()->resumeLast();
        QTRY_VERIFY_WITH_TIMEOUT(panel()->log()->toPlainText().contains("--resume"), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(panel()->lossSeries()->count() > partial, 60000);
        panel()->cancel();
        QVERIFY(failed.wait(60000));
    }

    void suggestionsQueueWithOneCall() {
        const int before = panel()->queued();
        const auto picks = window_->suggestions(3);
        QCOMPARE(int(picks.size()), 3);
        QCOMPARE(window_->queueSuggestions(3), 3);
        QCOMPARE(panel()->queued(), before + 3);
        // The queued form is the last suggestion's config, spending the window's budget.
        QCOMPARE(panel()->architecture().d_model, picks.back().arch.d_model);
        QCOMPARE(panel()->budget(), window_->budget());
        // The sweep's ctx and vocab, so the run trains the suggestion's N_a on its D.
        const Architecture queued = panel()->architecture();
        QCOMPARE(queued.ctx, picks.back().arch.ctx);
        QCOMPARE(queued.vocab, picks.back().arch.vocab);
        QCOMPARE(activeParams(queued), picks.back().activeParams);
        QCOMPARE(panel()->budget() / flopsPerToken6Na(queued), picks.back().tokens);
    }

    void oneRunPerDeviceAtATime() {
        while (panel()->queued() > 0)
            panel()->dropQueued(0);
        auto* device = panel()->findChild<QComboBox*>("device");
        device->setCurrentText("cpu");
        setForm(32, 2, stepsBudget(100000));
        queueForm(); // long, on the CPU
        setForm(32, 2, stepsBudget(10));
        const QueuedRun second = queueForm(); // short, also on the CPU: must wait
        useFakeCudaTrainer(true);
        device->setCurrentIndex(device->findData("cuda:0"));
        setForm(32, 2, stepsBudget(10));
        queueForm(); // on a GPU: starts beside the CPU run (the fake CUDA build fails it)
        device->setCurrentIndex(device->findData("auto"));
        QSignalSpy failed(panel(), &TrainerPanel::runFailed);
        QSignalSpy landed(panel(), &TrainerPanel::runLanded);
        panel()->startNext();
        QCOMPARE(panel()->runningCount(), 2);
        QCOMPARE(panel()->queued(), 1); // the second CPU run waits for the first
        QVERIFY(failed.wait(60000));
        QVERIFY2(failed.last().at(0).toString().contains("fake CUDA trainer"),
                 qPrintable(failed.last().at(0).toString()));
        useFakeCudaTrainer(false);
        QCOMPARE(panel()->runningCount(), 1);
        QCOMPARE(panel()->queued(), 1);
        QTRY_VERIFY_WITH_TIMEOUT(panel()->lossSeries()->count() >= 2, 60000);
        panel()->cancel(); // the long CPU run stops; the waiting one starts and lands
        QVERIFY(landed.wait(120000));
        QCOMPARE(panel()->queued(), 0);
        // The landed row is the 10-step run of the form: its size, and a loss a few steps of training
        // give a byte-level model (below the uniform ln 256 ≈ 5.55 plus a margin, above zero).
        const Run& run = window_->runModel()->runs().runs.back();
        QCOMPARE(run.get(Field::DModel), 32.0);
        QVERIFY2(run.get(Field::Loss) > 0.5 && run.get(Field::Loss) < std::log(256.0) + 1,
                 qPrintable(QString::number(run.get(Field::Loss))));
        QVERIFY(panel()->log()->toPlainText().contains(second.name));
    }

    void theCurveFollowsTheRunStillGoing() {
        // Two runs side by side ("cpu" and "auto" are separate devices to the dock; here both train on the
        // CPU). When the focused one lands, the curve shows the other run's whole history, step 1 on,
        // not its own points with the other's appended.
        while (panel()->queued() > 0)
            panel()->dropQueued(0);
        auto* device = panel()->findChild<QComboBox*>("device");
        device->setCurrentText("cpu");
        // 5,000 steps against 10: the long run is still going when the short one lands, by a margin no busy
        // machine closes. It logs every 10th step (total / 500).
        setForm(32, 2, stepsBudget(5000));
        queueForm();
        device->setCurrentText("auto");
        setForm(32, 2, stepsBudget(10));
        queueForm(); // launched second, so the dock follows it first
        QSignalSpy landed(panel(), &TrainerPanel::runLanded);
        panel()->startNext();
        QCOMPARE(panel()->runningCount(), 2);
        QVERIFY(landed.wait(120000));
        QCOMPARE(panel()->runningCount(), 1); // the premise: the CPU run is still going
        QTRY_VERIFY_WITH_TIMEOUT(panel()->lossSeries()->count() >= 12, 120000);
        const QList<QPointF> curve = panel()->lossSeries()->points();
        // The long run's own history from step 1 (the trainer logs step 1, then every 10th): nothing of the
        // short run's.
        for (int i = 0; i < curve.size(); ++i)
            QVERIFY2(curve[i].x() == (i == 0 ? 1.0 : 10.0 * i),
                     qPrintable(QString("point %1 is step %2").arg(i).arg(curve[i].x())));
        panel()->cancel();
        QTRY_COMPARE_WITH_TIMEOUT(panel()->runningCount(), 0, 60000);
    }

    void theQueueExportsAsASlurmArray() {
        while (panel()->queued() > 0)
            panel()->dropQueued(0);
        setForm(64, 2, "1e15");
        const QueuedRun a = queueForm();
        setForm(128, 2, "2e15");
        const QueuedRun b = queueForm();
        const QString script = panel()->slurmScript("/shared/sweep");
        QVERIFY(script.contains("#SBATCH --array=0-1"));
        QVERIFY(script.contains("'/shared/sweep/" + a.name + "'"));
        QVERIFY(script.contains("'/shared/sweep/" + b.name + "'"));
        QVERIFY(script.contains("'--d-model' '128'"));
        QVERIFY(script.contains("'--data'")); // the form's data path travels with each task
        QVERIFY(script.contains(MOESCOPE_TRAIN));
        while (panel()->queued() > 0)
            panel()->dropQueued(0);
    }

    void aPlannedSweepQueuesTrainsAndLandsAsItsGroup() {
        SweepPlanDialog* dialog = window_->planSweepDialog();
        dialog->findChild<QComboBox*>("centre")->setCurrentIndex(
            dialog->findChild<QComboBox*>("centre")->findData("heuristic"));
        dialog->findChild<QLineEdit*>("budgets")->setText("3e9");
        dialog->findChild<QLineEdit*>("sparsities")->setText("0");
        dialog->findChild<QLineEdit*>("sweep_name")->setText("tiny-sweep");
        for (const auto& [name, v] : {std::pair{"sizes", 3}, {"vocab", 256}, {"ctx", 32}, {"batch", 4}})
            dialog->findChild<QSpinBox*>(name)->setValue(v);
        dialog->findChild<QDoubleSpinBox*>("aspect")->setValue(32);
        QVERIFY2(dialog->error().isEmpty(), qPrintable(dialog->error()));
        // The dialog plans what the CLI plans from the same fields.
        const auto cli = moescope::test::runCli({"plan-sweep", "--budgets", "3e9", "--sparsities", "0",
                                                 "--sizes", "3", "--vocab", "256", "--ctx", "32", "--batch",
                                                 "4", "--aspect", "32", "--json"});
        QCOMPARE(cli.exitCode, 0);
        Json planned;
        std::string error;
        QVERIFY(Json::parse(cli.out.toStdString(), planned, error));
        QCOMPARE(dialog->table()->rowCount(), int(planned["runs"].size()));
        for (int i = 0; i < dialog->table()->rowCount(); ++i)
            QCOMPARE(dialog->table()->item(i, 2)->text().toDouble(),
                     planned["runs"].at(size_t(i))["d_model"].number());

        // Byte-vocabulary models are not what the sample's law was fitted on (vocabulary 32000): the chart
        // shows their sizes, not a loss it cannot predict (it drew 10-55 nats, above ln 256), and says so.
        QChart* plot = dialog->plot()->chart();
        QVERIFY2(!plot->title().contains("law"), qPrintable(plot->title()));
        QVERIFY2(dialog->summary()->text().contains("vocabulary 32000") &&
                     dialog->summary()->text().contains("only a guess"),
                 qPrintable(dialog->summary()->text()));
        // Planned for the fitted family, the runs are drawn on its law, each of them.
        dialog->findChild<QSpinBox*>("vocab")->setValue(32000);
        dialog->findChild<QSpinBox*>("ctx")->setValue(2048);
        plot = dialog->plot()->chart();
        QVERIFY2(plot->title().contains("by the fitted"), qPrintable(plot->title()));
        QVERIFY2(!dialog->summary()->text().contains("only a guess"), qPrintable(dialog->summary()->text()));
        int onSurface = 0;
        double worst = 0;
        for (QAbstractSeries* series : plot->series())
            if (auto* points = qobject_cast<QScatterSeries*>(series)) {
                onSurface += points->count();
                for (const QPointF& p : points->points())
                    worst = std::max(worst, p.y());
            }
        QCOMPARE(onSurface, dialog->table()->rowCount());
        // At 3e9 FLOPs the law's smallest models lie far below anything fitted: a loss above ln 32000 is
        // no loss a model of that vocabulary can have, and the summary says so.
        QVERIFY2(worst > std::log(32000.0), qPrintable(QString::number(worst)));
        QVERIFY2(dialog->summary()->text().contains("uniform guess"), qPrintable(dialog->summary()->text()));
        dialog->findChild<QSpinBox*>("vocab")->setValue(256);
        dialog->findChild<QSpinBox*>("ctx")->setValue(32);
        QCOMPARE(dialog->table()->rowCount(), int(planned["runs"].size()));

        const int before = panel()->queued();
        dialog->findChild<QPushButton*>("queue")->click();
        QCOMPARE(panel()->queued(), before + int(planned["runs"].size()));
        QVERIFY(panel()->sweepProgressBar()->isVisible());
        QVERIFY(panel()->sweepProgressBar()->text().contains("0 of 3"));
        QSignalSpy landed(panel(), &TrainerPanel::runLanded);
        panel()->startNext();
        for (int i = 0; i < 3; ++i)
            if (landed.count() <= i) QVERIFY(landed.wait(180000));
        QCOMPARE(landed.count(), 3);
        QVERIFY(panel()->sweepProgressBar()->text().contains("3 of 3"));
        for (const QList<QVariant>& args : landed) {
            const RunTable t = args.at(0).value<RunTable>();
            QCOMPARE(QString::fromStdString(runGroup(t, t.runs.front())), QString("tiny-sweep"));
        }
        // The dock then offers the sweep's group to the next run of its form; by default a run joins none.
        auto* joins = panel()->findChild<QComboBox*>("joins_group");
        QTRY_VERIFY_WITH_TIMEOUT(joins->findData("tiny-sweep") >= 0, 60000);
        QString why;
        joins->setCurrentIndex(0);
        QVERIFY(panel()->formRun(&why).group.isEmpty());
        joins->setCurrentIndex(joins->findData("tiny-sweep"));
        QCOMPARE(panel()->formRun(&why).group, QString("tiny-sweep"));
        joins->setCurrentIndex(0);
    }

    void aStableAndCooldownSweepTrainsLaddersParentsAndBranchesInTheDock() {
        SweepPlanDialog* dialog = window_->planSweepDialog();
        dialog->findChild<QComboBox*>("centre")->setCurrentIndex(
            dialog->findChild<QComboBox*>("centre")->findData("heuristic"));
        dialog->findChild<QLineEdit*>("budgets")->setText("2e9, 3e9, 4.5e9");
        dialog->findChild<QLineEdit*>("sparsities")->setText("0");
        dialog->findChild<QLineEdit*>("sweep_name")->setText("wsd-sweep");
        for (const auto& [name, v] :
             {std::pair{"sizes", 2}, {"vocab", 256}, {"ctx", 32}, {"batch", 4}, {"lr_ladder", 3}})
            dialog->findChild<QSpinBox*>(name)->setValue(v);
        dialog->findChild<QDoubleSpinBox*>("aspect")->setValue(16);
        dialog->findChild<QDoubleSpinBox*>("spread")->setValue(0.2);
        auto* schedule = dialog->findChild<QComboBox*>("schedule");
        schedule->setCurrentIndex(schedule->findData("wsd"));
        QVERIFY2(dialog->error().isEmpty(), qPrintable(dialog->error()));
        // One rate is no ladder: the dialog says why it cannot plan, in its own words.
        dialog->findChild<QSpinBox*>("lr_ladder")->setValue(1);
        QVERIFY2(dialog->error().contains("learning-rate ladder") && !dialog->error().contains("--"),
                 qPrintable(dialog->error()));
        dialog->findChild<QSpinBox*>("lr_ladder")->setValue(3);
        QVERIFY2(dialog->error().isEmpty(), qPrintable(dialog->error()));
        // The same plan as the CLI's from the same fields, each row saying how it trains.
        const auto cli = moescope::test::runCli(QStringList{"plan-sweep"} +
                                                moescope::test::tinyWsdPlanOptions() + QStringList{"--json"});
        QVERIFY2(cli.exitCode == 0, qPrintable(cli.err));
        Json planned;
        std::string error;
        QVERIFY(Json::parse(cli.out.toStdString(), planned, error));
        const int rows = dialog->table()->rowCount();
        QCOMPARE(rows, int(planned["runs"].size()));
        int branches = 0;
        for (int i = 0; i < rows; ++i) {
            const Json& run = planned["runs"].at(size_t(i));
            QCOMPARE(dialog->table()->item(i, 2)->text().toDouble(), run["d_model"].number());
            const QString trains = dialog->table()->item(i, 10)->text();
            QCOMPARE(trains.startsWith("cooldown from step"), bool(run.find("branch_from")));
            branches += bool(run.find("branch_from"));
        }
        QVERIFY(branches > 0);
        // Both ways of training the grid with their compute, this one's as the CLI counts it.
        const QString summary = dialog->summary()->text();
        QVERIFY2(summary.contains("Independent runs:") && summary.contains("stable runs + cooldowns:") &&
                     summary.contains(QString("%1 % of their points from scratch")
                                          .arg(100 * planned["compute"]["fraction"].number(), 0, 'f', 0)),
                 qPrintable(summary));

        const int before = panel()->queued();
        QSignalSpy landed(panel(), &TrainerPanel::runLanded);
        dialog->findChild<QPushButton*>("queue")->click();
        QCOMPARE(panel()->queued(), before + rows);
        panel()->startNext();
        for (int i = 0; i < rows; ++i)
            if (landed.count() <= i) QVERIFY(landed.wait(180000));
        QCOMPARE(landed.count(), rows);
        // Every branch left its parent's kept checkpoint, and the runs after the ladders took their rate.
        int fromParent = 0;
        for (const QList<QVariant>& args : landed) {
            const RunTable t = args.at(0).value<RunTable>();
            const auto lookup = runLookup(t, t.runs.front());
            const std::optional<ExprValue> parent = lookup("parent");
            fromParent += parent && parent->isString && !parent->text.empty();
        }
        QCOMPARE(fromParent, branches);
        const QString log = panel()->findChild<QPlainTextEdit*>()->toPlainText();
        QVERIFY2(log.contains("learning-rate ladders: 2 ladder(s)"), qPrintable(log.right(2000)));
    }

    void aWorkspacesQueuedSweepAppearsInTheDock() {
        const QString ws = moescope::test::sampleWorkspace(dir_, "queued.moescope");
        const auto queued =
            moescope::test::runCli({"plan-sweep", "--budgets", "3e9", "--sizes", "3", "--vocab", "256",
                                    "--ctx", "32", "--batch", "4", "--queue", ws, "--group", "from-cli"});
        QVERIFY2(queued.exitCode == 0, qPrintable(queued.err));
        MainWindow w;
        QString error;
        QVERIFY2(w.openPath(ws, &error), qPrintable(error));
        QCOMPARE(w.trainer()->queued(), 3);
        QVERIFY2(w.trainer()->sweepProgressBar()->text().contains("from-cli: 0 of 3"),
                 qPrintable(w.trainer()->sweepProgressBar()->text()));
    }

    // A workspace handed over with a queued sweep whose group climbs out of the runs folder: refused with the
    // reason in the status bar, nothing queued, no folder made anywhere.
    void aQueuedSweepThatWouldLeaveTheRunsFolderIsRefused() {
        const QString ws = moescope::test::sampleWorkspace(dir_, "escape.moescope");
        {
            Workspace file;
            std::string error;
            QVERIFY2(file.open(ws.toStdString(), error), error.c_str());
            Json run;
            QVERIFY(
                Json::parse("{\"name\":\"r0\",\"budget\":1e9,\"d_model\":16,\"n_layers\":1,\"n_heads\":2,"
                            "\"experts\":2,\"active_experts\":1,\"granularity\":1,\"ctx\":16,\"vocab\":256,"
                            "\"batch\":2,\"steps\":3,\"sweep\":\"../../../escaped\"}",
                            run, error));
            QVERIFY(file.addJob({0, "r0", run.dump(), "queued", "", ""}, error) > 0);
        }
        MainWindow w;
        w.trainer()->setOutputRoot(dir_.filePath("runs"));
        QString error;
        QVERIFY2(w.openPath(ws, &error), qPrintable(error));
        QCOMPARE(w.trainer()->queued(), 0);
        const auto* notice = w.findChild<QLabel*>("fileNotice");
        QVERIFY2(notice && notice->toolTip().contains("path separator"), qPrintable(notice->toolTip()));
        QVERIFY(!QFileInfo::exists(dir_.filePath("runs/../../../escaped")));
        QVERIFY(!QFileInfo::exists(QDir(dir_.filePath("runs")).absoluteFilePath("../../../escaped")));
        // The dialog's path (a name typed by the user) goes through the same check.
        QString refused;
        QVERIFY(!w.trainer()->enqueueSweep({}, "..", &refused));
        QVERIFY2(refused.contains("sweep name"), qPrintable(refused));
    }

    void aBadConfigShowsTheTrainersMessage() {
        setForm(32, 3, stepsBudget(10)); // 32 is not divisible by 3 heads
        while (panel()->queued() > 0)
            panel()->dropQueued(0);
        queueForm();
        QSignalSpy failed(panel(), &TrainerPanel::runFailed);
        panel()->startNext();
        QVERIFY(failed.wait(60000));
        QVERIFY2(failed.last().at(0).toString().contains("option --heads"),
                 qPrintable(failed.last().at(0).toString()));
        QVERIFY(panel()->log()->toPlainText().contains("option --heads"));
    }
};

int main(int argc, char** argv) {
    moescope::VtkWidget::prepareOpenGl();
    QApplication app(argc, argv);
    TestTrainerPanel t;
    return QTest::qExec(&t, argc, argv);
}
#include "tst_trainerpanel.moc"
