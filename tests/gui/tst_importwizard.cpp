// The import wizard driven through its widgets over odd files: detection, pre-filled combos, a manual
// mapping, unit multipliers, derived preview, invalid rows listed and skipping only on request, and the
// mapping remembered for the next file with the same header.
#include "tests/support/TestSupport.h"
#include "ui/ImportWizard.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QListWidget>
#include <QTableWidget>

using namespace moescope;
using namespace moescope::test;

class TestImportWizard : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

private slots:
    void initTestCase() {
        QCoreApplication::setOrganizationName("MoEScopeTests");
        QCoreApplication::setApplicationName("tst_importwizard");
        QSettings().clear();
    }

    void oddFiles_data() {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("format");
        QTest::addColumn<int>("rows");
        QTest::addColumn<double>("firstParams");
        QTest::newRow("BOM ; CRLF")
            << QByteArray("\xEF\xBB\xBFn_params;val_loss;compute\r\n150M;3.25;1e19\r\n3.2B;2.5;1e21\r\n")
            << "';'" << 2 << 150e6;
        QTest::newRow("tabs, suffixes")
            << QByteArray("total_params\ttokens\tloss\n7T\t12k\t1.5\n") << "tab" << 1 << 7e12;
        QTest::newRow("quotes") << QByteArray(
                                       "\"Model Size\",\"note, text\",loss\n\"1e9\",\"a, \"\"b\"\"\",2.0\n")
                                << "','" << 1 << 1e9;
    }
    void oddFiles() {
        QFETCH(QByteArray, content);
        QFETCH(QString, format);
        QFETCH(int, rows);
        QFETCH(double, firstParams);
        ImportWizard w(
            writeFile(dir_, QString("odd_%1.csv").arg(QTest::currentDataTag()).replace(' ', '_'), content));
        QVERIFY(w.isValid());
        QVERIFY2(w.findChildren<QLabel*>().front()->text().contains(format),
                 qPrintable(w.findChildren<QLabel*>().front()->text()));
        QCOMPARE(w.preview()->rowCount(), rows);
        QVERIFY(w.fieldCombo(Field::Params)->currentData().toInt() >= 0); // pre-filled
        QVERIFY(w.fieldCombo(Field::Loss)->currentData().toInt() >= 0);
        QVERIFY(w.canAccept());
        QCOMPARE(int(w.result().table.runs.size()), rows);
        QCOMPARE(w.result().table.runs[0].get(Field::Params), firstParams);
        // The derived preview marks what was computed: a dense run gets sparsity 0, in italics.
        int sparsityColumn = -1;
        for (int c = 0; c < w.derivedPreview()->columnCount(); ++c)
            if (w.derivedPreview()->horizontalHeaderItem(c)->text() == "sparsity") sparsityColumn = c;
        QVERIFY(sparsityColumn >= 0);
        QVERIFY(w.derivedPreview()->item(0, sparsityColumn)->font().italic());
    }

    void manualMappingUnitsAndRemembering() {
        const QByteArray csv = "Size (M),Final eval,C\n150,3.3,1e19\n300,3.1,1e19\n";
        ImportWizard w(writeFile(dir_, "manual.csv", csv));
        QVERIFY(w.isValid());
        QCOMPARE(w.fieldCombo(Field::Params)->currentData().toInt(), -1); // nothing automatic here
        QVERIFY(!w.canAccept());
        w.fieldCombo(Field::Params)->setCurrentText("Size (M)");
        w.unitCombo(Field::Params)->setCurrentIndex(w.unitCombo(Field::Params)->findData(1e6));
        w.fieldCombo(Field::Loss)->setCurrentText("Final eval");
        w.fieldCombo(Field::Flops)->setCurrentText("C");
        QVERIFY(w.canAccept());
        QCOMPARE(w.result().table.runs[1].get(Field::Params), 300e6);
        QVERIFY(w.result().table.runs[1].isDerived(Field::Tokens)); // D = C/(6·N_a)
        w.accept();
        QCOMPARE(w.result().mapping.size(), size_t(3));
        // Another file with the same header comes up with that mapping.
        ImportWizard again(writeFile(dir_, "manual2.csv", "Size (M),Final eval,C\n600,2.9,1e20\n"));
        QCOMPARE(again.fieldCombo(Field::Params)->currentText(), QString("Size (M)"));
        QCOMPARE(again.fieldCombo(Field::Loss)->currentText(), QString("Final eval"));
        QVERIFY(again.canAccept());
    }

    void invalidRowsAreListedAndSkippedOnlyOnRequest() {
        ImportWizard w(writeFile(dir_, "bad.csv", "params,loss\n1e8,3.0\n2e8,abc\n3e8,-1\n4e8,2.8\n"));
        QCOMPARE(w.invalidRows()->count(), 2);
        QVERIFY(w.invalidRows()->item(0)->text().contains("bad.csv:3: column 'loss'"));
        QVERIFY(w.invalidRows()->item(1)->text().contains(":4: column 'loss'"));
        QVERIFY(!w.skipInvalid()->isChecked());
        QVERIFY(!w.canAccept());
        QVERIFY(w.summary()->text().contains("choose to skip"));
        w.skipInvalid()->setChecked(true);
        QVERIFY(w.canAccept());
        QCOMPARE(int(w.result().table.runs.size()), 2);
    }

    void unreadableFilesSayWhy() {
        ImportWizard w(writeFile(dir_, "binary.csv", QByteArray("PK\x03\x04\x00\x00", 6)));
        QVERIFY(!w.isValid());
        QVERIFY(w.error().contains("not a text file"));
    }
};

QTEST_MAIN(TestImportWizard)
#include "tst_importwizard.moc"
