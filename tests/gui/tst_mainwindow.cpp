// The main window opens the bundled sample sweep and shows its runs.
#include "core/fit/Backtest.h"
#include "core/fit/Extrapolation.h"
#include "core/io/Json.h"
#include "core/io/RunImporter.h"
#include "tests/support/TestSupport.h"
#include "ui/AnalysisRunner.h"
#include "ui/BudgetCharts.h"
#include "ui/FileDocument.h"
#include "ui/FitDock.h"
#include "ui/LawChart.h"
#include "ui/LearningRateChart.h"
#include "ui/LossCurvesView.h"
#include "ui/MainWindow.h"
#include "ui/SliceCharts.h"
#include "ui/SurfaceView.h"
#include "ui/ValidateView.h"
#include "ui/VtkWidget.h"
#include "ui/WindowPictures.h"
#include "ui/WindowWords.h"

#include <QGuiApplication>

#include <QChartView>
#include <QComboBox>
#include <QDockWidget>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QLabel>
#include <QLayout>
#include <QLineEdit>
#include <QLineSeries>
#include <QMenu>
#include <QScatterSeries>
#include <QScreen>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QWheelEvent>

#include <cmath>

using namespace moescope;

class TestMainWindow : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        if (QGuiApplication::platformName() == "offscreen")
            QSKIP("the window hosts a VTK view, which renders only through X: run under xvfb-run -a");
    }

    void opensTheSampleSweep() {
        MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QString error;
        QVERIFY2(w.openPath(MOESCOPE_SOURCE_DIR "/datasets/sample_sweep.csv", &error), qPrintable(error));
        QVERIFY(w.runModel()->rowCount() > 100);
        QCOMPARE(w.runView()->model()->rowCount(), w.runModel()->rowCount());
        QVERIFY(w.windowTitle().contains("sample_sweep.csv"));
        // Derived values are marked: sparsity comes from E and K in the sample.
        int sparsityColumn = -1;
        for (int c = 0; c < w.runModel()->columnCount(); ++c)
            if (w.runModel()->headerData(c, Qt::Horizontal, Qt::DisplayRole).toString() == "sparsity")
                sparsityColumn = c;
        QVERIFY(sparsityColumn > 0);
        const QModelIndex idx = w.runModel()->index(0, sparsityColumn);
        QVERIFY(w.runModel()->data(idx, Qt::FontRole).value<QFont>().italic());
        QVERIFY(w.runModel()->data(idx, Qt::ToolTipRole).toString().contains("Derived"));
    }

    // A design that cannot place N* (every run at 20 tokens per parameter: ln N_a and ln D collinear) is
    // answered as such in the answer panel — "—" and the reason, the same as `predict` — never a number or
    // nan.
    void anUndeterminedQuantityShowsADashAndItsReason() {
        QTemporaryDir dir;
        QByteArray csv = "params,active_params,tokens,loss\n";
        for (int i = 0; i < 16; ++i) {
            const double na = 1e7 * std::pow(10, i / 7.5), d = 20 * na * (1 + 0.02 * ((i * 7) % 5 - 2) / 2);
            const double loss = 1.7 + 400 / std::pow(na, 0.34) + 410 / std::pow(d, 0.28);
            csv += QByteArray::number(na, 'g', 10) + "," + QByteArray::number(na, 'g', 10) + "," +
                   QByteArray::number(d, 'g', 10) + "," + QByteArray::number(loss, 'g', 10) + "\n";
        }
        const QString file = moescope::test::writeFile(dir, "collinear.csv", csv);
        MainWindow w;
        w.show();
        QString error;
        QVERIFY2(w.openPath(file, &error), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(
            !w.runner()->busy() && w.runner()->latest() && !w.runner()->latest()->partial, 120000);
        QVERIFY(w.setBudgetText("1e20")); // every run is its own budget: the answer is asked for at one
        QTRY_VERIFY2_WITH_TIMEOUT(w.fitDock()->answer()->text().contains("collinear"),
                                  qPrintable(w.fitDock()->answer()->text()), 60000);
        const QString text = w.fitDock()->answer()->text();
        QVERIFY2(text.contains("N* —") && text.contains("undetermined") && !text.contains("nan"),
                 qPrintable(text));
    }

    void outliersAreFlaggedInTheTableAndTheLawChart() {
        // The sample sweep with one run's loss raised by 0.15 nats: the analysis flags it, nothing excludes
        // it.
        QFile in(MOESCOPE_SOURCE_DIR "/datasets/sample_sweep.csv");
        QVERIFY(in.open(QIODevice::ReadOnly));
        QList<QByteArray> lines = in.readAll().split('\n');
        const QList<QByteArray> header = lines[0].split(',');
        const int lossColumn = header.indexOf("loss");
        QVERIFY(lossColumn >= 0);
        QList<QByteArray> cells = lines[41].split(',');
        cells[lossColumn] = QByteArray::number(cells[lossColumn].toDouble() + 0.15, 'g', 10);
        lines[41] = cells.join(',');
        QTemporaryDir dir;
        const QString path = moescope::test::writeFile(dir, "planted.csv", lines.join('\n'));
        MainWindow w;
        QSignalSpy updated(&w, &MainWindow::viewsUpdated);
        QVERIFY(w.openPath(path));
        QVERIFY(updated.wait(600000));
        int zColumn = -1;
        for (int c = 0; c < w.runModel()->columnCount(); ++c)
            if (w.runModel()->headerData(c, Qt::Horizontal, Qt::DisplayRole).toString() == "outlier z")
                zColumn = c;
        QVERIFY(zColumn > 0);
        const QModelIndex planted = w.runModel()->index(40, zColumn);
        QVERIFY2(w.runModel()->data(planted, Qt::UserRole).toDouble() > 3.5,
                 qPrintable(w.runModel()->data(planted, Qt::DisplayRole).toString()));
        QVERIFY(w.runModel()->data(planted, Qt::BackgroundRole).isValid());
        QVERIFY(!w.runModel()->data(w.runModel()->index(10, zColumn), Qt::BackgroundRole).isValid());
        QVERIFY(!w.runModel()->runs().runs[40].excluded); // flagged, still the user's choice
        int rings = 0;
        for (auto* series : w.law()->view()->chart()->series())
            if (series->name().startsWith("outliers")) rings = static_cast<QScatterSeries*>(series)->count();
        QCOMPARE(rings, 1);
    }

    void theLawTabDrawsTheLearningRateLawOfALadderSweep() {
        // Ladders of five rates at 2 sizes × 2 token counts, losses a parabola in ln lr around
        // η* = 0.02 · (N_a/1e6)^−0.5 · (D/1e8)^0.2: each cell's optimum is η* itself.
        QString csv = "params,active_params,tokens,loss,lr,budget\n";
        std::vector<std::pair<double, double>> truth;
        for (double n : {1e6, 4e6})
            for (double d : {1e8, 4e8}) {
                const double eta = 0.02 * std::pow(n / 1e6, -0.5) * std::pow(d / 1e8, 0.2);
                truth.push_back({n, eta});
                for (double f : {0.25, 0.5, 1.0, 2.0, 4.0})
                    csv += QString("%1,%1,%2,%3,%4,%5\n")
                               .arg(n)
                               .arg(d)
                               .arg(3 + 0.1 * std::pow(std::log(f * 1.2), 2), 0, 'g', 12)
                               .arg(eta * f * 1.2, 0, 'g', 12)
                               .arg(6 * n * d);
            }
        QTemporaryDir dir;
        const QString path = moescope::test::writeFile(dir, "ladders.csv", csv.toUtf8());
        MainWindow w;
        QSignalSpy updated(&w, &MainWindow::viewsUpdated);
        QVERIFY(w.openPath(path));
        QVERIFY(updated.wait(600000));
        QTRY_VERIFY_WITH_TIMEOUT(w.runner()->latest() && !w.runner()->latest()->partial, 600000);
        QChart* chart = w.learningRate()->view()->chart();
        QVERIFY2(chart->title().contains("fitted"), qPrintable(chart->title()));
        QScatterSeries* cells = nullptr;
        bool law = false;
        for (auto* series : chart->series()) {
            if (series->name() == "cell optimum") cells = static_cast<QScatterSeries*>(series);
            law = law || series->name().startsWith("η*");
        }
        QVERIFY(cells && law);
        QCOMPARE(cells->count(), 4);
        for (const QPointF& p : cells->points()) {
            bool matched = false;
            for (const auto& [n, eta] : truth)
                matched = matched || (std::fabs(p.x() / n - 1) < 1e-9 && std::fabs(p.y() / eta - 1) < 1e-6);
            QVERIFY2(matched, qPrintable(QString("cell (%1, %2)").arg(p.x()).arg(p.y())));
        }
        // Runs without a learning rate say why there is no such chart.
        QVERIFY(w.openPath(MOESCOPE_SOURCE_DIR "/datasets/sample_sweep.csv"));
        QTRY_VERIFY_WITH_TIMEOUT(
            w.runner()->latest() && !w.runner()->latest()->partial &&
                w.learningRate()->view()->chart()->title().contains("no learning-rate column"),
            600000);
    }

    void openExampleListsTheShippedDatasets() {
        const auto examples = MainWindow::exampleDatasets();
        QStringList files;
        for (const auto& [title, path] : examples)
            files << QFileInfo(path).fileName();
        QCOMPARE(files, (QStringList{"calibration_cpu.csv", "calibration_cpu_cosine.csv",
                                     "calibration_cpu_wsd.csv", "clark2022_routing.csv", "marin_isoflops.csv",
                                     "marin_v16_ladder.csv", "sample_sweep.csv"}));
        QVERIFY(examples[0].first.startsWith("MoEScope calibration sweep"));
        QVERIFY(examples[2].first.startsWith("MoEScope calibration sweep with stable runs"));
        QVERIFY(examples[3].first.startsWith("Clark et al. 2022"));
        MainWindow w;
        QString error;
        QVERIFY2(w.openPath(examples[4].second, &error), qPrintable(error)); // Marin
        QCOMPARE(w.runModel()->rowCount(), 258);
        bool groupColumn = false; // three corpora: the table says which group each run is in
        for (int c = 0; c < w.runModel()->columnCount(); ++c)
            groupColumn |= w.runModel()->headerData(c, Qt::Horizontal, Qt::DisplayRole).toString() == "group";
        QVERIFY(groupColumn);
        // The WSD sweep opens with each learning-rate ladder's best run, the other rates kept and excluded.
        QVERIFY2(w.openPath(examples[2].second, &error), qPrintable(error));
        QCOMPARE(w.runModel()->rowCount(), 125);
        int excluded = 0;
        for (const Run& r : w.runModel()->runs().runs)
            excluded += r.excluded;
        QCOMPARE(excluded, 18);
    }

    // A table of optima (one row per budget, sizes unstated) opens as one: its own frontier answers, as
    // `moescope-cli predict` answers it, each of its budgets can be chosen, and what it cannot determine
    // shows "—" with the reason (issue #28, points 5 and 8).
    void aTableOfOptimaOpensAndAnswers() {
        const QString ladder = MOESCOPE_SOURCE_DIR "/datasets/marin_v16_ladder.csv";
        MainWindow w;
        QString error;
        QVERIFY2(w.openPath(ladder, &error), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(w.runner()->latest() && !w.runner()->latest()->partial, 600000);
        QTRY_VERIFY_WITH_TIMEOUT(w.fitDock()->answer()->text().contains("optima frontier"), 600000);
        const auto snap = w.runner()->latest();
        QCOMPARE(QString::fromStdString(snap->recommended), QString("optima"));
        QCOMPARE(w.budgetBox()->count(), 7);
        QVERIFY(w.budgetBox()->currentText().startsWith("1e+21 FLOPs (optimum)"));
        const QString answer = w.fitDock()->answer()->text();
        QVERIFY2(answer.contains("N* —") && answer.contains("the table states no size (N*) per budget"),
                 qPrintable(answer));
        // The same number the CLI gives for the same table.
        const moescope::test::ProcessResult cli =
            moescope::test::runCli({"predict", ladder, "--optima", "--budget", "1e21", "--json"});
        QCOMPARE(cli.exitCode, 0);
        moescope::Json j;
        std::string jsonError;
        QVERIFY(moescope::Json::parse(cli.out.toStdString(), j, jsonError));
        const double loss = j["loss_star"].number();
        QVERIFY2(answer.contains(QString("L* %1").arg(loss, 0, 'f', 4)), qPrintable(answer));
    }

    // A dense-only sweep is drawn as L(N) per budget — each budget's fitted curve, its runs, its optimum —
    // not as a surface over an invented S axis from 0 to 0.001; the Budgets tab's per-S charts say why they
    // are empty. The sample sweep's seven levels keep the 3D surface.
    void aDenseSweepIsDrawnAsLossCurvesPerBudget() {
        QFile sample(MOESCOPE_SOURCE_DIR "/datasets/sample_sweep.csv");
        QVERIFY(sample.open(QIODevice::ReadOnly));
        QList<QByteArray> lines = sample.readAll().split('\n');
        QByteArray dense = lines.front() + "\n";
        for (const QByteArray& line : lines.mid(1))
            if (line.startsWith("1,1,")) dense += line + "\n"; // experts 1, active 1: the dense runs
        QTemporaryDir dir;
        const QString path = moescope::test::writeFile(dir, "dense.csv", dense);
        MainWindow w;
        QVERIFY(w.openPath(path));
        QTRY_VERIFY_WITH_TIMEOUT(w.runner()->latest() && !w.runner()->latest()->partial &&
                                     !w.runner()->latest()->sweep.budgets.empty(),
                                 600000);
        QTRY_VERIFY(w.lossCurves()->chart()->chart()->series().size() > 1);
        const auto snap = w.runner()->latest();
        QVERIFY(w.lossCurves()->isVisibleTo(w.tabs()->widget(0)));
        QVERIFY(!w.surface()->isVisibleTo(w.tabs()->widget(0)));
        QChart* chart = w.lossCurves()->chart()->chart();
        for (const BudgetAnalysis& b : snap->sweep.budgets) {
            QLineSeries* line = nullptr;
            for (auto* series : chart->series())
                if (series->name() == LossCurvesView::curveName(b.budget))
                    line = qobject_cast<QLineSeries*>(series);
            QVERIFY2(line && line->count() > 10, qPrintable(LossCurvesView::curveName(b.budget)));
            // The curve is the budget's own fit at S = 0, point for point.
            for (int i = 0; i < line->count(); i += 10)
                QCOMPARE(line->at(i).y(), b.surface.loss(line->at(i).x(), 0.0));
        }
        for (auto* axis : chart->axes())
            QVERIFY2(!axis->titleText().contains("sparsity"), qPrintable(axis->titleText()));
        // The sample sweep, seven levels: the VTK surface again.
        QVERIFY(w.openPath(MOESCOPE_SOURCE_DIR "/datasets/sample_sweep.csv"));
        QTRY_VERIFY_WITH_TIMEOUT(w.runner()->latest() && !w.runner()->latest()->partial &&
                                     w.runner()->latest()->sweep.budgets.size() == 5 &&
                                     !LossCurvesView::wanted(*w.runner()->latest()),
                                 600000);
        QTRY_VERIFY(w.surface()->isVisibleTo(w.tabs()->widget(0)));
    }

    // Scrolling the Fit dock over the Bootstrap box turned it (20 → 21) and marked the fit stale; the stale
    // banner then pushed every control down a line under the pointer (issue #30, point 10).
    void scrollingTheDockChangesNoSetting() {
        MainWindow w;
        QVERIFY(w.openPath(MOESCOPE_SOURCE_DIR "/datasets/sample_sweep.csv"));
        w.show();
        w.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&w));
        // A fit on screen, its answer shown: the fit the dock's settings are compared with, and a panel that
        // no longer changes height as the analysis lands.
        QTRY_VERIFY_WITH_TIMEOUT(w.runner()->latest() && !w.runner()->latest()->partial &&
                                     !w.runner()->busy() &&
                                     w.fitDock()->answer()->text().contains("Answer at C"),
                                 600000);
        QCoreApplication::processEvents();
        QSpinBox* box = w.fitDock()->bootstrapBox();
        const int before = box->value();
        auto wheel = [&](QWidget* target) {
            const QPointF at(target->width() / 2.0, target->height() / 2.0);
            QWheelEvent e(at, target->mapToGlobal(at), QPoint(), QPoint(0, 120), Qt::NoButton, Qt::NoModifier,
                          Qt::NoScrollPhase, false);
            QCoreApplication::sendEvent(target, &e);
        };
        box->clearFocus();
        wheel(box);
        QCOMPARE(box->value(), before);
        for (QComboBox* combo : w.findChildren<QComboBox*>()) {
            if (!combo->isVisible() || combo->count() < 2) continue;
            const int index = combo->currentIndex();
            combo->clearFocus();
            wheel(combo);
            QVERIFY2(combo->currentIndex() == index, qPrintable(combo->objectName() + combo->currentText()));
        }
        // Focused, it takes the wheel as a spin box does; the stale banner it raises moves nothing below it
        // (positions within the dock's own layout, settled: the ignored wheels above scrolled the dock).
        box->setFocus();
        QTRY_VERIFY(box->hasFocus());
        auto settle = [&] {
            QCoreApplication::processEvents();
            w.fitDock()->layout()->activate();
            QCoreApplication::processEvents();
        };
        settle();
        QVERIFY(w.fitDock()->staleMark()->isHidden());
        const QPoint place = box->mapTo(w.fitDock(), QPoint(0, 0));
        wheel(box);
        QCOMPARE(box->value(), before + 1);
        QVERIFY(!w.fitDock()->staleMark()->isHidden());
        settle();
        QCOMPARE(box->mapTo(w.fitDock(), QPoint(0, 0)), place);
    }

    // The law and budget belong to the file (issue #30, point 1): Clark with law clark, then Marin, fitted
    // "law clark: 0 usable runs"; Marin at 3e20, then calibration_cpu, opened at "3e+20 FLOPs (predicted)".
    void theNextFileOpensWithItsOwnLawAndBudget() {
        const QString clark = MOESCOPE_SOURCE_DIR "/datasets/clark2022_routing.csv",
                      marin = MOESCOPE_SOURCE_DIR "/datasets/marin_isoflops.csv",
                      calibration = MOESCOPE_SOURCE_DIR "/datasets/calibration_cpu.csv";
        MainWindow w;
        auto settled = [&] {
            return w.runner()->latest() && !w.runner()->latest()->partial && !w.runner()->busy();
        };
        QVERIFY(w.openPath(clark));
        w.fitDock()->setLaw("clark");
        QVERIFY(w.openPath(marin));
        QCOMPARE(w.fitDock()->law(), std::string("auto"));
        QTRY_VERIFY_WITH_TIMEOUT(settled() && !w.runner()->latest()->sweep.budgets.empty(), 600000);
        QVERIFY(w.setBudgetText("3e20"));
        QVERIFY(w.openPath(calibration));
        QTRY_VERIFY_WITH_TIMEOUT(settled() && !w.runner()->latest()->sweep.budgets.empty() &&
                                     w.runner()->latest()->sweep.budgets.back().budget < 1e15,
                                 600000);
        QTRY_VERIFY(!w.budgetBox()->currentText().contains("predicted"));
        QVERIFY2(w.budgetBox()->currentText().startsWith(
                     QString::number(w.runner()->latest()->sweep.budgets.back().budget, 'g', 3)),
                 qPrintable(w.budgetBox()->currentText()));
    }

    // The window speaks its own words (issue #30, point 6): a file of two run groups says to choose one in
    // the Fit dock (it said "choose one with --group"); no CLI flag anywhere in the answer or the summary;
    // S* on the largest level swept is a caveat of the answer itself; Validate names the budgets it held
    // out.
    void theWindowSpeaksItsOwnWords() {
        QFile sample(MOESCOPE_SOURCE_DIR "/datasets/sample_sweep.csv");
        QVERIFY(sample.open(QIODevice::ReadOnly));
        QByteArray csv = sample.readAll();
        // Three byte-vocabulary runs: a group of their own, left out of the fit.
        for (int d : {128, 192, 256})
            csv += QByteArray("1,1,1,") + QByteArray::number(d) + ",2,2,256,256,1e8,2.5,1e18\n";
        QTemporaryDir dir;
        MainWindow w;
        w.show();
        QVERIFY(w.openPath(moescope::test::writeFile(dir, "two-groups.csv", csv)));
        QTRY_VERIFY_WITH_TIMEOUT(w.runner()->latest() && !w.runner()->latest()->partial &&
                                     !w.runner()->busy() && w.prediction(),
                                 600000);
        QVERIFY(w.setBudgetText("1e20"));
        QTRY_VERIFY_WITH_TIMEOUT(w.prediction() && w.prediction()->point.budget == 1e20, 60000);
        const QString summary = w.fitDock()->summary()->text(), answer = w.fitDock()->answer()->text();
        QVERIFY2(summary.contains("Fit dock's Run group box"), qPrintable(summary));
        QVERIFY2(!summary.contains("--") && !answer.contains("--"), qPrintable(summary + "\n" + answer));
        const Prediction& p = *w.prediction();
        QCOMPARE(answer.contains("is the largest sparsity swept"),
                 p.design.sparsity.levels > 1 && p.point.sparsity >= p.design.sparsity.max - 1e-9);
        const QString verdict = w.validate()->verdict()->text();
        const auto* backtest = w.runner()->latest()->backtest.get();
        QVERIFY(backtest && !backtest->frontier.empty());
        for (const BacktestRow& row : backtest->frontier)
            QVERIFY2(verdict.contains(QString::number(row.budget, 'g', 3)), qPrintable(verdict));
        QVERIFY2(verdict.contains("held out C =") && !verdict.contains("--"), qPrintable(verdict));
        // Every core phrase that names a flag, said in the window's words.
        for (const char* core : {"left out the other groups: vocab=256 — choose one with --group",
                                 "the power law, optimistic far out); fix it with --loss-floor E",
                                 "option --max-params: no concrete configuration fits under the cap",
                                 "option --budgets: must be positive", "chosen with --law"}) {
            const QString said = windowWords(core);
            QVERIFY2(!said.contains("--") && said != QString(core), qPrintable(said));
        }
        QCOMPARE(windowWords("option --budgets: must be positive"), QString("budgets: must be positive"));
    }

    // The document owns the file's state (issue #30 point 1): a recorded budget is taken when the analysis
    // lands, a typed one that was not swept stays a prediction with its answer, and a new document (the
    // next file) starts with none of it.
    void theDocumentOwnsBudgetAndAnswer() {
        const ImportResult r = importRunsFile(MOESCOPE_SOURCE_DIR "/datasets/sample_sweep.csv", {});
        QVERIFY(r.ok());
        const auto snapshot = analyze(r.table, AnalysisPlan{});
        FileDocument recorded(AnalysisPlan{}, 1e19);
        recorded.show(snapshot);
        QCOMPARE(recorded.budget(), 1e19);
        QVERIFY(recorded.answer() && recorded.lastAnswer()->point.budget == 1e19);
        QVERIFY(recorded.choose(3e21));
        QCOMPARE(recorded.budget(), 3e21);
        QVERIFY(recorded.shownBudget() && recorded.shownBudget()->budget < 3e21); // the nearest swept
        QVERIFY(recorded.answer() && recorded.lastAnswer()->extrapolationDecades > 1);
        QVERIFY(recorded.choose(1.02e20)); // within 5 % of a swept level: that level
        QCOMPARE(recorded.budget(), 1e20);
        FileDocument next;
        QCOMPARE(next.budget(), 0.0);
        QVERIFY(!next.lastAnswer() && !next.snapshot());
        next.show(snapshot);
        QCOMPARE(next.budget(), snapshot->sweep.budgets.back().budget); // its own largest, not 3e21
    }

    // The run filter reads the tool's expression language (issue #30, point 9: "experts==8" showed nothing,
    // a substring match); a plain word still searches every cell; an expression that cannot be evaluated
    // says why under the box and shows no rows.
    void theRunFilterTakesExpressions() {
        MainWindow w;
        QVERIFY(w.openPath(MOESCOPE_SOURCE_DIR "/datasets/sample_sweep.csv"));
        const RunTable& runs = w.runModel()->runs();
        int eights = 0, eightsBelow3 = 0;
        for (const Run& r : runs.runs)
            if (r.get(Field::Experts) == 8) ++eights, eightsBelow3 += r.get(Field::Loss) < 3;
        QVERIFY(eights > 0 && eightsBelow3 > 0 && eightsBelow3 < eights);
        QAbstractItemModel* shown = w.runView()->model();
        w.runFilter()->setText("experts==8");
        QCOMPARE(shown->rowCount(), eights);
        w.runFilter()->setText("experts==8 and loss<3");
        QCOMPARE(shown->rowCount(), eightsBelow3);
        QVERIFY(w.runFilterError()->isHidden());
        w.runFilter()->setText("expert==8");
        QCOMPARE(shown->rowCount(), 0);
        QVERIFY(!w.runFilterError()->isHidden());
        QVERIFY2(w.runFilterError()->text().contains("unknown column 'expert'"),
                 qPrintable(w.runFilterError()->text()));
        w.runFilter()->setText("2048"); // a plain search: every row has ctx 2048
        QCOMPARE(shown->rowCount(), int(runs.runs.size()));
        QVERIFY(w.runFilterError()->isHidden());
    }

    // The Clark example (issue #30, point 5) opened with "No answer yet: import a sweep … or open an
    // example" and law automatic chose abnar, which fits none of its token-less routing runs. Automatic now
    // chooses Clark's law of N_a and E for them, and the panel says why there is no answer at a budget.
    void theClarkExampleFitsItsLawAndSaysWhyNoBudget() {
        MainWindow w;
        QVERIFY(w.openPath(MOESCOPE_SOURCE_DIR "/datasets/clark2022_routing.csv"));
        QTRY_VERIFY_WITH_TIMEOUT(w.runner()->latest() && !w.runner()->latest()->partial, 600000);
        const auto snap = w.runner()->latest();
        QCOMPARE(QString::fromStdString(snap->lawId), QString("clark"));
        QVERIFY(snap->lawFit && snap->lawFit->metrics.n > 20);
        QTRY_VERIFY(w.fitDock()->answer()->text().startsWith("<b>No answer at a budget</b>"));
        const QString answer = w.fitDock()->answer()->text();
        QVERIFY2(answer.contains("no compute budget, FLOPs or tokens") && answer.contains("clark law's fit"),
                 qPrintable(answer));
        QVERIFY(!answer.contains("import a sweep"));
        // The views without a budget say the same, not "import a sweep" (the Budgets and Slices tabs are
        // drawn when shown).
        for (int tab : {1, 2}) {
            w.tabs()->setCurrentIndex(tab);
            QCoreApplication::processEvents();
        }
        for (QChartView* v : {w.budgets()->optimaVsSparsity(), w.slices()->lossVsParams()})
            QTRY_VERIFY2(v->chart()->title().contains("no compute budget, FLOPs or tokens"),
                         qPrintable(v->chart()->title()));
        // And the Surface tab, which was left a blank 3D view.
        w.tabs()->setCurrentIndex(0);
        QVERIFY(w.lossCurves()->isVisibleTo(w.tabs()->widget(0)));
        QVERIFY(!w.surface()->isVisibleTo(w.tabs()->widget(0)));
        QVERIFY2(w.lossCurves()->chart()->chart()->title().contains("no compute budget, FLOPs or tokens"),
                 qPrintable(w.lossCurves()->chart()->chart()->title()));
    }

    void excludingARunUnchecksIt() {
        MainWindow w;
        QVERIFY(w.openPath(MOESCOPE_SOURCE_DIR "/datasets/sample_sweep.csv"));
        QSignalSpy spy(w.runModel(), &RunTableModel::exclusionRequested);
        const QModelIndex use = w.runModel()->index(3, 0);
        QVERIFY(w.runModel()->setData(use, Qt::Unchecked, Qt::CheckStateRole));
        QCOMPARE(spy.count(), 1);
        QTRY_VERIFY(w.runModel()->runs().runs[3].excluded); // applied through the undo stack
    }

    void badFileGivesAMessageNotACrash() {
        QTemporaryDir dir;
        const QString path = moescope::test::writeFile(dir, "bad.csv", "params,loss\n1e8,abc\n");
        MainWindow w;
        QString error;
        QVERIFY(!w.openPath(path, &error));
        QVERIFY2(error.contains("bad.csv:2: column 'loss'"), qPrintable(error));
    }

    void fitsTheScreenAndBringsDocksBack() {
        MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        const QRect free = QGuiApplication::primaryScreen()->availableGeometry();
        QVERIFY2(w.frameGeometry().width() <= free.width() && w.frameGeometry().height() <= free.height(),
                 qPrintable(QString("%1x%2 in %3x%4")
                                .arg(w.frameGeometry().width())
                                .arg(w.frameGeometry().height())
                                .arg(free.width())
                                .arg(free.height())));
        // Every dock is listed in the View menu, and its action brings a closed one back.
        QMenu* view = w.findChild<QMenu*>("ViewMenu");
        QVERIFY(view);
        QStringList names;
        for (QAction* a : view->actions())
            names << a->text();
        for (const char* dock : {"Runs", "Fit", "Trainer"})
            QVERIFY2(names.contains(dock), qPrintable(names.join(", ")));
        auto* fit = w.findChild<QDockWidget*>("FitDock");
        fit->close();
        QVERIFY(!fit->isVisible());
        fit->toggleViewAction()->trigger();
        QVERIFY(fit->isVisible());
    }

    // At 1366×768 the Runs dock shows at least five rows (it showed one) and its separator moves; an
    // excluded run's reason has its own column (printed in Use it made that column 750 px wide); the Keep
    // row is restored with the workspace, and reset for the next file.
    void theRunsDockAtASmallScreen() {
        QTemporaryDir dir;
        MainWindow w;
        w.resize(1366, 768 - 70); // less a panel and the title bar
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        const QString ws = moescope::test::sampleWorkspace(dir, "keep.moescope");
        QVERIFY(w.openPath(ws));
        QCoreApplication::processEvents();
        // The window keeps the size asked of it (its tabs' minimums once held it at 823 px).
        QVERIFY2(w.height() <= 768 - 70, qPrintable(QString::number(w.height())));
        QTableView* view = w.runView();
        const int rows = view->viewport()->height() / view->rowHeight(0);
        QVERIFY2(rows >= 5,
                 qPrintable(QString("%1 rows in %2 px").arg(rows).arg(view->viewport()->height())));
        auto* dock = w.findChild<QDockWidget*>("RunsDock");
        const int before = dock->height();
        w.resizeDocks({dock}, {before + 80}, Qt::Vertical);
        QCoreApplication::processEvents();
        QVERIFY2(dock->height() > before, qPrintable(QString("%1 -> %2").arg(before).arg(dock->height())));
        // Keep the lowest loss per model: the reasons land in their own column, Use stays a check box.
        w.keepMode()->setCurrentIndex(w.keepMode()->findData("best"));
        w.keepColumns()->setText("d_model, experts");
        QTest::keyClick(w.keepColumns(), Qt::Key_Return);
        const auto& kept = w.runModel()->runs().runs;
        const auto excluded = std::find_if(kept.begin(), kept.end(), [](const Run& r) { return r.excluded; });
        QVERIFY(excluded != kept.end());
        int why = -1;
        for (int c = 0; c < w.runModel()->columnCount(); ++c)
            if (w.runModel()->headerData(c, Qt::Horizontal, Qt::DisplayRole).toString() == "excluded because")
                why = c;
        QVERIFY(why > 0);
        const int row = int(excluded - kept.begin());
        QVERIFY(!w.runModel()->data(w.runModel()->index(row, 0), Qt::DisplayRole).isValid());
        QCOMPARE(w.runModel()->data(w.runModel()->index(row, why), Qt::DisplayRole).toString(),
                 QString::fromStdString(excluded->excludedWhy.str()));
        QVERIFY(view->columnWidth(0) < 120);
        w.openPath(ws);
        QCOMPARE(w.keepMode()->currentData().toString(), QString("best"));
        QCOMPARE(w.keepColumns()->text(), QString("d_model, experts"));
        QVERIFY(w.openPath(MOESCOPE_SOURCE_DIR "/datasets/sample_sweep.csv"));
        QCOMPARE(w.keepMode()->currentData().toString(), QString("none"));
        QVERIFY(w.keepColumns()->text().isEmpty());
    }

    void theFilterIsResetForTheNextFileAndDeletingSaysHowToUndo() {
        MainWindow w;
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(w.openPath(MOESCOPE_SOURCE_DIR "/datasets/sample_sweep.csv"));
        auto* filter = w.findChild<QLineEdit*>();
        auto* proxy = qobject_cast<QSortFilterProxyModel*>(w.runView()->model());
        QVERIFY(filter && proxy);
        filter->setText("no-such-text-anywhere");
        QCOMPARE(proxy->rowCount(), 0);
        QVERIFY(w.openPath(MOESCOPE_SOURCE_DIR "/datasets/marin_isoflops.csv"));
        QVERIFY(filter->text().isEmpty());
        QCOMPARE(proxy->rowCount(), w.runModel()->rowCount());
        const int before = w.runModel()->rowCount();
        w.runView()->setCurrentIndex(proxy->index(0, 0));
        QAction* del = nullptr;
        for (QAction* a : w.findChildren<QAction*>())
            if (a->text() == "&Delete run") del = a;
        QVERIFY(del);
        del->trigger();
        QCOMPARE(w.runModel()->rowCount(), before - 1);
        QVERIFY2(w.statusBar()->currentMessage().contains("Edit › Undo"),
                 qPrintable(w.statusBar()->currentMessage()));
    }

    // The README's pictures come from the window itself: one per tab at the size asked for, taken once the
    // complete analysis is on screen, each a different view.
    void picturesOfEveryTabAtAChosenSize() {
        QTemporaryDir dir;
        MainWindow window;
        window.resize(1366, 768);
        window.show();
        bool done = false;
        QString error;
        saveTabPicturesWhenReady(window, dir.path(), [&](const QString& e) { done = true, error = e; });
        QVERIFY(window.openPath(MOESCOPE_SOURCE_DIR "/datasets/sample_sweep.csv"));
        QTRY_VERIFY_WITH_TIMEOUT(done, 120000);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        // A folder that cannot be made (a file stands in its way) is said, not skipped.
        QFile blocker(dir.filePath("blocker"));
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        blocker.close();
        const QString impossible = dir.filePath("blocker/pictures");
        done = false;
        saveTabPicturesWhenReady(window, impossible, [&](const QString& e) { done = true, error = e; });
        QVERIFY(window.openPath(MOESCOPE_SOURCE_DIR "/datasets/sample_sweep.csv"));
        QTRY_VERIFY_WITH_TIMEOUT(done, 120000);
        QVERIFY2(error.contains("cannot write") && error.contains(impossible), qPrintable(error));
        QVERIFY(window.runner()->latest() && !window.runner()->latest()->partial);
        QList<QImage> pictures;
        for (const QString tab : {"surface", "slices", "budgets", "law", "allocation", "validate"}) {
            const QImage img(dir.filePath(tab + "-1366x768.png"));
            QVERIFY2(!img.isNull(), qPrintable(tab));
            QCOMPARE(img.size() / img.devicePixelRatio(), QSize(1366, 768));
            pictures << img;
        }
        // Each tab's picture differs from the others where the views are (the left half, below the tabs).
        for (int i = 0; i < pictures.size(); ++i)
            for (int j = i + 1; j < pictures.size(); ++j) {
                int differ = 0, samples = 0;
                for (int y = 120; y < 500; y += 10)
                    for (int x = 20; x < 800; x += 10, ++samples)
                        differ += pictures[i].pixel(x, y) != pictures[j].pixel(x, y);
                QVERIFY2(differ > samples / 10,
                         qPrintable(QString("tabs %1 and %2 look alike").arg(i).arg(j)));
            }
    }

    void filterNarrowsTheTable() {
        MainWindow w;
        QVERIFY(w.openPath(MOESCOPE_SOURCE_DIR "/datasets/sample_sweep.csv"));
        auto* proxy = qobject_cast<QSortFilterProxyModel*>(w.runView()->model());
        QVERIFY(proxy);
        const int all = proxy->rowCount();
        proxy->setFilterFixedString("no-such-text-anywhere");
        QCOMPARE(proxy->rowCount(), 0);
        proxy->setFilterFixedString("");
        QCOMPARE(proxy->rowCount(), all);
    }
};

int main(int argc, char** argv) {
    moescope::VtkWidget::prepareOpenGl();
    QApplication app(argc, argv);
    TestMainWindow t;
    return QTest::qExec(&t, argc, argv);
}
#include "tst_mainwindow.moc"
