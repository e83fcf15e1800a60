// The window's workspace: edits are undoable, written through to the .moescope file at once, survive
// reopening with the chosen views; an undone import disappears from the file too.
#include "core/io/RunImporter.h"
#include "ui/FileDocument.h"
#include "ui/FitDock.h"
#include "ui/ImportWizard.h"

#include "core/io/Json.h"
#include "core/store/Workspace.h"
#include "tests/support/TestSupport.h"
#include "ui/MainWindow.h"
#include "ui/VtkWidget.h"
#include "ui/WorkspaceController.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QSpinBox>
#include <QTableWidget>
#include <cstdio>

#include <QGuiApplication>
#include <QLineEdit>
#include <QStatusBar>
#include <QTabWidget>
#include <QUndoStack>

#include <sqlite3.h>

using namespace moescope;

namespace {
std::unique_ptr<MainWindow> openWindow(const QString& path) {
    auto w = std::make_unique<MainWindow>();
    w->show();
    QSignalSpy updated(w.get(), &MainWindow::viewsUpdated);
    QString error;
    if (!w->openPath(path, &error)) qFatal("%s", qPrintable(error));
    if (!updated.wait(60000)) qFatal("the views never updated after opening %s", qPrintable(path));
    return w;
}
} // namespace

class TestWorkspaceGui : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

private slots:
    void initTestCase() {
        if (QGuiApplication::platformName() == "offscreen")
            QSKIP("the window hosts a VTK view: run under xvfb-run -a");
    }

    void keepPerGroupAndRunGroupsThroughTheWindow() {
        // Two learning rates per configuration and one run trained at another vocabulary.
        QByteArray csv = "params,lr,vocab,ctx,loss\n";
        for (int i = 0; i < 6; ++i)
            for (double lr : {1e-3, 3e-3})
                csv += QByteArray::number(1e8 * (i + 1)) + "," + QByteArray::number(lr) + ",32000,2048," +
                       QByteArray::number(3.6 - 0.1 * i - (lr > 2e-3 ? 0.02 : 0)) + "\n";
        csv += "5e6,1e-3,256,128,6.0\n";
        const QString sweep = test::writeFile(dir_, "lr_sweep.csv", csv);
        const QString path = dir_.filePath("lr_sweep.moescope");
        {
            Workspace file;
            std::string error;
            QVERIFY(file.open(path.toStdString(), error));
            const ImportResult r = importRunsFile(sweep.toStdString(), {});
            QVERIFY(file.addImport({}, r.table, error) > 0);
        }
        auto w = openWindow(path);
        // The Fit dock offers the two run groups; auto fits the larger.
        QComboBox* group = w->fitDock()->groupCombo();
        QVERIFY(group->isEnabled());
        QVERIFY(group->findData("vocab=256, ctx=128") >= 0);
        QCOMPARE(group->currentData().toString(), QString("auto"));

        // Keep the lowest loss per params: the 3e-3 runs stay in, the 1e-3 ones are excluded with the reason.
        w->keepMode()->setCurrentIndex(w->keepMode()->findData("best"));
        w->keepColumns()->setText("params");
        QSignalSpy updated(w.get(), &MainWindow::viewsUpdated);
        QTest::keyClick(w->keepColumns(), Qt::Key_Return);
        QTRY_VERIFY(w->runModel()->runs().runs[0].excluded);
        const RunTable& shown = w->runModel()->runs();
        QVERIFY(!shown.runs[1].excluded);
        QVERIFY2(shown.runs[0].excludedWhy.str().find("not the best of its group (params=100000000)") == 0,
                 shown.runs[0].excludedWhy.str().c_str());
        QVERIFY(updated.wait(60000)); // the fit reruns on the chosen runs
        {
            Workspace file;
            std::string error;
            QVERIFY(file.open(path.toStdString(), error, Workspace::Mode::Existing));
            RunTable back;
            QVERIFY(file.readRuns(back, error));
            QCOMPARE(back.runs[0].excludedWhy.str(),
                     shown.runs[0].excludedWhy.str()); // written through, reason and all
        }
        // Mean per params instead: six mean runs appear, every lr row is excluded; undo restores best-per.
        w->keepMode()->setCurrentIndex(w->keepMode()->findData("mean"));
        QTest::keyClick(w->keepColumns(), Qt::Key_Return);
        QTRY_COMPARE(w->runModel()->rowCount(), 13 + 6);
        QVERIFY(!w->runModel()->runs().runs[13].meanOf.empty());
        w->workspace()->undoStack()->undo();
        QTRY_COMPARE(w->runModel()->rowCount(), 13);
        QVERIFY(w->runModel()->runs().runs[0].excluded && !w->runModel()->runs().runs[1].excluded);
        // An unknown column changes nothing and says so.
        w->keepColumns()->setText("learning_rate");
        QTest::keyClick(w->keepColumns(), Qt::Key_Return);
        QCOMPARE(w->runModel()->rowCount(), 13);
        QVERIFY(w->statusBar()->currentMessage().contains("unknown column 'learning_rate'"));
    }

    // Each file is its own document (issue #30 point 1): its runs, undo steps, Keep row and fit settings go
    // with it through Save As, and a file that recorded none opens with the defaults, not the last file's
    // (a Keep row was lost by Save As; a workspace without a recorded fit kept the last file's bootstrap).
    void eachFileIsItsOwnDocument() {
        const QString sweep = MOESCOPE_SOURCE_DIR "/datasets/sample_sweep.csv";
        auto w = openWindow(sweep);
        const FileDocument* first = w->document();
        w->keepMode()->setCurrentIndex(w->keepMode()->findData("best"));
        const QString columns =
            "experts, active_experts, granularity, d_model, n_layers, budget"; // one a run
        w->keepColumns()->setText(columns);
        QTest::keyClick(w->keepColumns(), Qt::Key_Return);
        QTRY_VERIFY(w->workspace()->undoStack()->count() == 1);
        w->workspace()->setExcluded(0, true);
        QVERIFY(w->runModel()->runs().runs[0].excluded);
        w->fitDock()->bootstrapBox()->setValue(7);
        QSignalSpy updated(w.get(), &MainWindow::viewsUpdated);
        emit w->fitDock()->refitRequested();
        QTRY_VERIFY(w->document()->snapshot() && !w->document()->snapshot()->partial &&
                    w->document()->snapshot()->plan.lawFit.bootstrap == 7);
        QAction* undo = nullptr;
        for (QAction* a : w->findChildren<QAction*>())
            if (a->shortcut() == QKeySequence(QKeySequence::Undo)) undo = a;
        QVERIFY(undo && undo->isEnabled());
        const QString kept = dir_.filePath("two_lrs.moescope");
        QString error;
        QVERIFY2(w->workspace()->saveAs(kept, &error), qPrintable(error)); // with its fit, bootstrap 7

        // A workspace with runs and nothing else recorded.
        const QString bare = dir_.filePath("bare.moescope");
        {
            Workspace file;
            std::string e;
            QVERIFY(file.open(bare.toStdString(), e));
            QVERIFY(file.addImport({}, importRunsFile(sweep.toStdString(), {}).table, e) > 0);
        }
        QVERIFY2(w->openPath(bare, &error), qPrintable(error));
        QVERIFY(w->document() != first);
        QCOMPARE(w->fitDock()->bootstrapBox()->value(), AnalysisPlan{}.lawFit.bootstrap);
        QCOMPARE(w->keepMode()->currentData().toString(), QString("none"));
        QVERIFY(!w->runModel()->runs().runs[0].excluded);
        QVERIFY(!undo->isEnabled()); // the last file's steps are not this one's
        QVERIFY(updated.wait(60000));

        QVERIFY2(w->openPath(kept, &error), qPrintable(error));
        QCOMPARE(w->keepMode()->currentData().toString(), QString("best"));
        QCOMPARE(w->keepColumns()->text(), columns);
        QCOMPARE(w->fitDock()->bootstrapBox()->value(), 7);
        QVERIFY(w->runModel()->runs().runs[0].excluded);
        QVERIFY(!undo->isEnabled());
        QVERIFY(updated.wait(60000));
    }

    void editsUndoSaveAndReopen() {
        auto w = openWindow(MOESCOPE_SOURCE_DIR "/datasets/sample_sweep.csv");
        WorkspaceController* ws = w->workspace();
        const int n = w->runModel()->rowCount();
        QVERIFY(w->runModel()->setData(w->runModel()->index(2, 0), Qt::Unchecked, Qt::CheckStateRole));
        QTRY_VERIFY(w->runModel()->runs().runs[2].excluded);
        int lossColumn = -1;
        for (int c = 0; c < w->runModel()->columnCount(); ++c)
            if (w->runModel()->headerData(c, Qt::Horizontal, Qt::DisplayRole).toString() == "loss")
                lossColumn = c;
        QVERIFY(w->runModel()->setData(w->runModel()->index(1, lossColumn), "3.5", Qt::EditRole));
        QTRY_COMPARE(w->runModel()->runs().runs[1].get(Field::Loss), 3.5);
        const double deletedLoss = w->runModel()->runs().runs[5].get(Field::Loss);
        ws->deleteRun(5);
        QCOMPARE(w->runModel()->rowCount(), n - 1);
        ws->undoStack()->undo();
        QCOMPARE(w->runModel()->rowCount(), n);
        QCOMPARE(w->runModel()->runs().runs[5].get(Field::Loss), deletedLoss);
        ws->undoStack()->redo();
        QCOMPARE(w->runModel()->rowCount(), n - 1);
        QCOMPARE(ws->undoStack()->count(), 3);

        w->tabs()->setCurrentIndex(1);
        const double firstBudget = 1e18;
        w->setBudget(firstBudget);
        const QString path = dir_.filePath("edits.moescope");
        // Saved once the edits' analysis is complete: the fit on screen goes into the file with the runs.
        QTRY_VERIFY_WITH_TIMEOUT(!w->runner()->busy() && !w->runner()->latest()->partial, 120000);
        QString error;
        QVERIFY2(ws->saveAs(path, &error), qPrintable(error));
        QVERIFY(!QFile::exists(path + ".saving"));

        auto again = openWindow(path);
        QCOMPARE(again->runModel()->rowCount(), n - 1);
        QVERIFY(again->runModel()->runs().runs[2].excluded);
        QCOMPARE(again->runModel()->runs().runs[1].get(Field::Loss), 3.5);
        QVERIFY(!again->runModel()->runs().runs[1].isDerived(Field::Loss));
        QCOMPARE(again->tabs()->currentIndex(), 1);
        QCOMPARE(again->budget(), firstBudget);
        {
            // The fits the workspace was shown with are recorded in it, coefficients and intervals included:
            // the one shown before the save is in the file, so the reopened window shows it (auto resolved).
            Workspace file;
            std::string e;
            QVERIFY(file.open(path.toStdString(), e));
            const auto fits = file.fits();
            QVERIFY(!fits.empty());
            QCOMPARE(QString::fromStdString(fits.back().law), QString("abnar"));
            QVERIFY(QString::fromStdString(fits.back().resultJson).contains("\"ci95\""));
        }
        QCOMPARE(QString::fromStdString(again->fitDock()->law()), QString("abnar"));

        // Edits in the reopened workspace are in the file at once, and so are their undos.
        again->workspace()->setExcluded(0, true);
        QVERIFY(openWindow(path)->runModel()->runs().runs[0].excluded);
        again->workspace()->undoStack()->undo();
        QVERIFY(!openWindow(path)->runModel()->runs().runs[0].excluded);
    }

    // A reopened workspace shows exactly the fit it recorded last: the dock holds that fit's settings, the
    // coefficients on screen are the recorded ones, and nothing is marked stale.
    void aReopenedWorkspaceShowsItsRecordedFit() {
        const QString path = dir_.filePath("recorded.moescope");
        FitRecord recorded;
        {
            auto w = openWindow(MOESCOPE_SOURCE_DIR "/datasets/sample_sweep.csv");
            QString error;
            QVERIFY2(w->workspace()->saveAs(path, &error), qPrintable(error));
            w->fitDock()->setLaw("chinchilla");
            QSpinBox* bootstrap = nullptr;
            for (auto* spin : w->fitDock()->findChildren<QSpinBox*>())
                if (spin->toolTip().startsWith("Refits on resampled runs")) bootstrap = spin;
            QVERIFY(bootstrap);
            bootstrap->setValue(7);
            QSignalSpy idle(w->runner(), &AnalysisRunner::busyChanged);
            emit w->fitDock()->refitRequested();
            QTRY_VERIFY_WITH_TIMEOUT(!w->runner()->busy() && w->runner()->latest() &&
                                         !w->runner()->latest()->partial &&
                                         w->runner()->latest()->plan.law == "chinchilla",
                                     120000);
            Workspace file;
            std::string e;
            QVERIFY(file.open(path.toStdString(), e));
            QVERIFY(!file.fits().empty());
            recorded = file.fits().back();
            QCOMPARE(QString::fromStdString(recorded.law), QString("chinchilla"));
        }
        auto again = std::make_unique<MainWindow>();
        again->show();
        QVERIFY(again->openPath(path));
        QTRY_VERIFY_WITH_TIMEOUT(!again->runner()->busy() && again->runner()->latest() &&
                                     !again->runner()->latest()->partial,
                                 120000);
        QCOMPARE(QString::fromStdString(again->fitDock()->law()), QString("chinchilla"));
        QCOMPARE(again->runner()->latest()->plan.lawFit.bootstrap, 7);
        QVERIFY(again->fitDock()->staleMark()->isHidden());
        Json result;
        std::string e;
        QVERIFY(Json::parse(recorded.resultJson, result, e));
        const Json* params = result.find("params");
        QVERIFY(params);
        QTableWidget* table = again->fitDock()->coefficients();
        QVERIFY(table->rowCount() > 0);
        for (int row = 0; row < table->rowCount(); ++row) {
            const std::string name = table->item(row, 0)->text().toStdString();
            const Json* value = params->find(name);
            QVERIFY2(value, name.c_str());
            QCOMPARE(table->item(row, 1)->text(), QString::number(value->number(), 'g', 5));
        }
    }

    // A recorded plan is untrusted: one asking for 2e9 grid points or a filter nested 4,000 deep is not used
    // (the window took 9.8 GB, or overflowed its stack); the file opens, fitted with the defaults, and says
    // so.
    void aRecordedPlanBeyondTheLimitsIsNotUsed() {
        const QString path = moescope::test::sampleWorkspace(dir_, "hostile-plan.moescope");
        for (const std::string& plan :
             {std::string("{\"isoflop\":{\"grid_points\":2e9,\"bootstrap\":2e9}}"),
              "{\"where\":\"" + std::string(4000, '(') + "1" + std::string(4000, ')') + "\"}"}) {
            {
                Workspace file;
                std::string error;
                QVERIFY2(file.open(path.toStdString(), error), error.c_str());
                FitRecord fit;
                fit.law = "chinchilla";
                fit.settingsJson = "{\"plan\":" + plan + "}";
                fit.resultJson = "{}";
                QVERIFY(file.addFit(fit, error) > 0);
            }
            auto w = openWindow(path);
            QTRY_VERIFY_WITH_TIMEOUT(!w->runner()->busy() && w->runner()->latest(), 120000);
            QCOMPARE(w->runner()->latest()->plan.isoflop.gridPoints, AnalysisPlan{}.isoflop.gridPoints);
            QCOMPARE(w->runner()->latest()->plan.isoflop.bootstrap, AnalysisPlan{}.isoflop.bootstrap);
            QVERIFY(w->runner()->latest()->plan.where.empty());
            const auto* notice = w->findChild<QLabel*>("fileNotice");
            QVERIFY(notice && notice->isVisible());
            QVERIFY2(notice->toolTip().contains("could not be read"), qPrintable(notice->toolTip()));
        }
    }

    // Saving loses no fit: the one on screen goes into a first save, and a save elsewhere keeps every record
    // with its time.
    void savingKeepsTheFits() {
        auto w = openWindow(MOESCOPE_SOURCE_DIR "/datasets/sample_sweep.csv");
        QTRY_VERIFY_WITH_TIMEOUT(!w->runner()->busy() && !w->runner()->latest()->partial, 120000);
        const QString first = dir_.filePath("fits-first.moescope"),
                      second = dir_.filePath("fits-second.moescope");
        QString error;
        QVERIFY2(w->workspace()->saveAs(first, &error), qPrintable(error));
        std::vector<FitRecord> before;
        {
            Workspace file;
            std::string e;
            QVERIFY(file.open(first.toStdString(), e));
            before = file.fits();
        }
        QCOMPARE(int(before.size()), 1);
        QCOMPARE(QString::fromStdString(before.front().law), QString("abnar"));
        QVERIFY2(w->workspace()->saveAs(second, &error), qPrintable(error));
        Workspace file;
        std::string e;
        QVERIFY(file.open(second.toStdString(), e));
        const auto after = file.fits();
        QVERIFY(after.size() >= before.size());
        QCOMPARE(after.front().resultJson, before.front().resultJson);
        QCOMPARE(after.front().settingsJson, before.front().settingsJson);
        QCOMPARE(after.front().createdAt, before.front().createdAt);
    }

    void anUndoneImportLeavesTheFile() {
        auto w = openWindow(MOESCOPE_SOURCE_DIR "/datasets/sample_sweep.csv");
        const QString path = dir_.filePath("imports.moescope");
        QString error;
        QVERIFY(w->workspace()->saveAs(path, &error));
        const int n = w->runModel()->rowCount();
        const ImportResult extra =
            importRunsText("params,loss,budget\n1e8,3.0,1e19\n2e8,2.9,1e19\n", "extra.csv", {});
        ImportRecord record;
        record.path = "extra.csv";
        w->workspace()->importRuns(extra.table, record);
        QCOMPARE(w->runModel()->rowCount(), n + 2);
        QCOMPARE(openWindow(path)->runModel()->rowCount(), n + 2);
        w->workspace()->undoStack()->undo();
        QCOMPARE(w->runModel()->rowCount(), n);
        QCOMPARE(openWindow(path)->runModel()->rowCount(), n);
        w->workspace()->undoStack()->redo();
        QCOMPARE(openWindow(path)->runModel()->rowCount(), n + 2);
    }

    void wizardImportsLandAsWorkspaceRows() {
        auto w = openWindow(MOESCOPE_SOURCE_DIR "/datasets/sample_sweep.csv");
        const QString path = dir_.filePath("wizard.moescope");
        QString error;
        QVERIFY(w->workspace()->saveAs(path, &error));
        const int n = w->runModel()->rowCount();
        // An odd file: BOM, ';', CRLF, a size column in millions mapped by hand, one invalid row skipped.
        ImportWizard wizard(moescope::test::writeFile(
            dir_, "odd.csv",
            "\xEF\xBB\xBFsize_M;val_loss;budget\r\n150;3.25;1e19\r\n300;oops;1e19\r\n600;3.05;1e19\r\n"));
        wizard.fieldCombo(Field::Params)->setCurrentText("size_M");
        wizard.unitCombo(Field::Params)->setCurrentIndex(wizard.unitCombo(Field::Params)->findData(1e6));
        QVERIFY(!wizard.canAccept()); // an invalid row, skipping not chosen
        wizard.skipInvalid()->setChecked(true);
        QVERIFY(w->importFromWizard(wizard));
        auto check = [&](const RunTable& t) {
            QCOMPARE(int(t.runs.size()), n + 2);
            QCOMPARE(t.runs[n].get(Field::Params), 150e6);
            QCOMPARE(t.runs[n].get(Field::Loss), 3.25);
            QCOMPARE(t.runs[n + 1].get(Field::Params), 600e6);
            QVERIFY(t.runs[n + 1].isDerived(Field::Tokens)); // D = C/(6·N_a) from the budget
        };
        check(w->runModel()->runs());
        check(openWindow(path)->runModel()->runs()); // and in the file
    }

    void aCrashDuringEditsNeverCorruptsTheFile() {
        // A child process makes write-through edits as fast as it can (what the window does on every
        // edit) and is killed mid-stream; the file must stay a valid workspace with every run in it.
        auto w = openWindow(MOESCOPE_SOURCE_DIR "/datasets/sample_sweep.csv");
        const QString path = dir_.filePath("crash.moescope");
        QString error;
        QVERIFY(w->workspace()->saveAs(path, &error));
        const int n = w->runModel()->rowCount();
        w.reset();
        QProcess child;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("TST_EDIT_LOOP", path);
        child.setProcessEnvironment(env);
        child.start(QCoreApplication::applicationFilePath(), {});
        QVERIFY(child.waitForStarted());
        QByteArray out;
        QTRY_VERIFY_WITH_TIMEOUT((out += child.readAllStandardOutput()).count('\n') > 200,
                                 30000); // edits under way
        child.kill();
        QVERIFY(child.waitForFinished());
        Workspace ws;
        std::string e;
        QVERIFY2(ws.open(path.toStdString(), e), e.c_str());
        QCOMPARE(ws.runCount(), n);
        QVERIFY(ws.integrityCheck());
    }

    void aRefusedWriteIsUndoneInTheViewAndSaid() {
        const QString path = dir_.filePath("locked.moescope");
        QVERIFY(moescope::test::runCli(
                    {"import", MOESCOPE_SOURCE_DIR "/datasets/sample_sweep.csv", "--workspace", path})
                    .exitCode == 0);
        auto w = openWindow(path);
        WorkspaceController* ws = w->workspace();
        QSignalSpy failed(ws, &WorkspaceController::failed);
        const int undoBefore = ws->undoStack()->count();
        // Another connection holds the file's write lock: the window's write fails after its busy timeout.
        sqlite3* other = nullptr;
        QCOMPARE(sqlite3_open(path.toUtf8().constData(), &other), SQLITE_OK);
        QCOMPARE(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
        ws->setExcluded(0, true);
        QCOMPARE(failed.count(), 1);
        QVERIFY2(failed.first().at(0).toString().contains("not saved"),
                 qPrintable(failed.first().at(0).toString()));
        QVERIFY(!w->runModel()->runs().runs[0].excluded); // the view shows what the file holds
        QCOMPARE(ws->undoStack()->count(), undoBefore);   // nothing to undo that never happened
        ws->deleteRun(3);
        QCOMPARE(failed.count(), 2);
        QCOMPARE(w->runModel()->rowCount(), 313);
        sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
        sqlite3_close(other);
        ws->setExcluded(0, true); // with the lock gone the same edit lands
        QCOMPARE(failed.count(), 2);
        QVERIFY(w->runModel()->runs().runs[0].excluded);
        Workspace file;
        std::string e;
        QVERIFY(file.open(path.toStdString(), e, Workspace::Mode::Existing));
        QVERIFY(file.runs().runs[0].excluded);
    }

    void tableEditsGoThroughTheImportsParser() {
        auto w = openWindow(MOESCOPE_SOURCE_DIR "/datasets/sample_sweep.csv");
        RunTableModel* m = w->runModel();
        QSignalSpy refused(m, &RunTableModel::editRefused);
        int loss = -1, tokens = -1;
        for (int c = 0; c < m->columnCount(); ++c) {
            const QString h = m->headerData(c, Qt::Horizontal, Qt::DisplayRole).toString();
            if (h == "loss") loss = c;
            if (h == "tokens") tokens = c;
        }
        QVERIFY(loss >= 0 && tokens >= 0);
        const double before = m->runs().runs[4].get(Field::Loss);
        for (const char* bad : {"abc", "-2", "1e400", "nan"}) {
            QVERIFY(!m->setData(m->index(4, loss), bad, Qt::EditRole));
            QCOMPARE(m->runs().runs[4].get(Field::Loss), before);
        }
        QCOMPARE(refused.count(), 4);
        QVERIFY2(refused.at(1).at(0).toString().contains("must be positive"),
                 qPrintable(refused.at(1).at(0).toString()));
        QVERIFY2(refused.at(2).at(0).toString().contains("out of range"),
                 qPrintable(refused.at(2).at(0).toString()));
        // Suffixes read as the import reads them.
        QVERIFY(m->setData(m->index(4, tokens), "12B", Qt::EditRole));
        QTRY_COMPARE(m->runs().runs[4].get(Field::Tokens), 12e9);
    }

    void saveAsReplacesTheTargetOnlyWhenTheNewFileIsWhole() {
        auto w = openWindow(MOESCOPE_SOURCE_DIR "/datasets/sample_sweep.csv");
        const QString target = dir_.filePath("target.moescope");
        QVERIFY(moescope::test::runCli(
                    {"import", MOESCOPE_SOURCE_DIR "/datasets/sample_sweep.csv", "--workspace", target})
                    .exitCode == 0);
        QFile original(target);
        QVERIFY(original.open(QIODevice::ReadOnly));
        const QByteArray before = original.readAll();
        original.close();
        // The temporary file cannot be made (a folder stands in its place): the save fails, the target stays.
        QVERIFY(QDir().mkpath(target + ".saving/occupied"));
        QString error;
        QVERIFY(!w->workspace()->saveAs(target, &error));
        QVERIFY(!error.isEmpty());
        QVERIFY(original.open(QIODevice::ReadOnly));
        QCOMPARE(original.readAll(), before);
        original.close();
        QVERIFY(QDir(target + ".saving").removeRecursively());
        // Now it goes through, replacing the old file in one rename.
        w->workspace()->deleteRun(0);
        QVERIFY2(w->workspace()->saveAs(target, &error), qPrintable(error));
        Workspace saved;
        std::string e;
        QVERIFY(saved.open(target.toStdString(), e, Workspace::Mode::Existing));
        QCOMPARE(saved.runCount(), 312);
        QVERIFY(!QFile::exists(target + ".saving"));
    }

    void aForeignFileIsRefusedWithAMessage() {
        const QString bogus = moescope::test::writeFile(dir_, "bogus.moescope", "not a database");
        MainWindow w;
        QString error;
        QVERIFY(!w.openPath(bogus, &error));
        QVERIFY2(error.contains("not a MoEScope workspace"), qPrintable(error));
    }
};

// The child of aCrashDuringEditsNeverCorruptsTheFile: toggles exclusions in the workspace forever, one
// committed edit per line of output, until killed.
static int editLoop(const QString& path) {
    Workspace ws;
    std::string e;
    if (!ws.open(path.toStdString(), e)) return 1;
    const RunTable t = ws.runs();
    for (long long i = 0;; ++i) {
        const Run& r = t.runs[i % t.runs.size()];
        ws.setExcluded(r.id, i % 2 == 0, e);
        ws.setValue(r.id, Field::Loss, r.get(Field::Loss), e);
        std::printf("%lld\n", i);
        std::fflush(stdout);
    }
}

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsSet("TST_EDIT_LOOP")) return editLoop(qEnvironmentVariable("TST_EDIT_LOOP"));
    moescope::VtkWidget::prepareOpenGl();
    QApplication app(argc, argv);
    QApplication::setOrganizationName("MoEScopeTests"); // keep the Recent list of the tests apart
    TestWorkspaceGui t;
    return QTest::qExec(&t, argc, argv);
}
#include "tst_workspace_gui.moc"
