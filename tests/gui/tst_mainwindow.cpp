// The main window opens the bundled sample sweep and shows its runs.
#include "tests/support/TestSupport.h"
#include "ui/MainWindow.h"
#include "ui/VtkWidget.h"

#include <QGuiApplication>

#include <QSortFilterProxyModel>
#include <QTableView>

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
    moescope::VtkWidget::setDefaultSurfaceFormat();
    QApplication app(argc, argv);
    TestMainWindow t;
    return QTest::qExec(&t, argc, argv);
}
#include "tst_mainwindow.moc"
