// The import wizard driven through its widgets over odd files: detection, pre-filled combos, a manual
// mapping, unit multipliers, derived preview, invalid rows listed and skipping only on request, and the
// mapping remembered for the next file with the same header.
#include "tests/support/TestSupport.h"
#include "ui/ImportWizard.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScreen>
#include <QTableWidget>

#include <cmath>

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
        w.perGroup()->setCurrentIndex(w.perGroup()->findData("best"));
        w.groupColumns()->setText("Size (M)");
        w.accept();
        QCOMPARE(w.result().mapping.size(), size_t(3));
        // Another file with the same header comes up with that mapping, its multiplier and its Keep (a
        // mapping without its ×1e6 read millions as ones).
        ImportWizard again(writeFile(dir_, "manual2.csv", "Size (M),Final eval,C\n600,2.9,1e20\n"));
        QCOMPARE(again.fieldCombo(Field::Params)->currentText(), QString("Size (M)"));
        QCOMPARE(again.fieldCombo(Field::Loss)->currentText(), QString("Final eval"));
        QCOMPARE(again.unitCombo(Field::Params)->currentData().toDouble(), 1e6);
        QCOMPARE(again.perGroup()->currentData().toString(), QString("best"));
        QCOMPARE(again.groupColumns()->text(), QString("Size (M)"));
        QVERIFY(again.canAccept());
        QCOMPARE(again.result().table.runs[0].get(Field::Params), 600e6);
    }

    // Tokens in billions beside FLOPs read as valid numbers; the summary says the budget and the sizes
    // disagree (C/(6·D) would be 1.2e16 active parameters beside N 1e8) before any fit refuses the sweep.
    void unitsThatContradictTheBudgetAreNamed() {
        const QByteArray csv = "params,tokens,flops,loss\n1e8,13.889,1e18,3.1\n2e8,6.944,1e18,3.0\n"
                               "4e8,3.472,1e18,3.05\n";
        ImportWizard w(writeFile(dir_, "billions.csv", csv));
        QVERIFY(w.canAccept());
        QVERIFY2(w.summary()->text().contains("Check the units") &&
                     w.summary()->text().contains("3 of 3 runs") && w.summary()->text().contains("C/(6·D)"),
                 qPrintable(w.summary()->text()));
        w.unitCombo(Field::Tokens)->setCurrentIndex(w.unitCombo(Field::Tokens)->findData(1e9));
        QVERIFY2(!w.summary()->text().contains("Check the units"), qPrintable(w.summary()->text()));
    }

    // At 1366×768 (what the screen leaves of it) every control of the dialog is on screen: the mapping
    // scrolls, OK and Cancel stay inside the dialog.
    void theDialogFitsASmallScreen() {
        ImportWizard w(writeFile(dir_, "small.csv", "params,loss\n1e8,3.0\n2e8,2.9\n"));
        QVERIFY(w.size().width() <= w.screen()->availableGeometry().width());
        QVERIFY(w.size().height() <= w.screen()->availableGeometry().height());
        const QRect small(0, 0, 1366, 768 - 40); // a 1366×768 screen less its panel
        const QSize size = ImportWizard::sizeFor(small);
        QVERIFY2(size.width() <= small.width() && size.height() + 30 <= small.height(), // and a title bar
                 qPrintable(QString("%1x%2").arg(size.width()).arg(size.height())));
        w.resize(size);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY2(w.minimumSizeHint().height() <= size.height(),
                 qPrintable(QString::number(w.minimumSizeHint().height())));
        for (auto* button : w.findChildren<QPushButton*>()) {
            if (!button->isVisible()) continue;
            const QRect r(button->mapTo(&w, QPoint(0, 0)), button->size());
            QVERIFY2(w.rect().contains(r), qPrintable(button->text()));
        }
    }

    void invalidRowsAreListedAndSkippedOnlyOnRequest() {
        ImportWizard w(writeFile(dir_, "bad.csv", "params,loss\n1e8,3.0\n2e8,abc\n3e8,-1\n4e8,2.8\n"));
        // The file once, then one line per kind of problem.
        QCOMPARE(w.invalidRows()->count(), 3);
        QVERIFY(w.invalidRows()->item(0)->text().endsWith("bad.csv:"));
        QVERIFY2(w.invalidRows()->item(1)->text().startsWith("column 'loss': 1 row(s) (line 3)"),
                 qPrintable(w.invalidRows()->item(1)->text()));
        QVERIFY(w.invalidRows()->item(2)->text().contains("(line 4)"));
        // The bad cells are marked in the preview (rows 2 and 3 there, column loss), the good ones not.
        QVERIFY(w.preview()->item(1, 1)->background().style() != Qt::NoBrush);
        QVERIFY(w.preview()->item(1, 1)->toolTip().contains("not a number"));
        QCOMPARE(w.preview()->item(0, 1)->background().style(), Qt::NoBrush);
        QVERIFY(!w.skipInvalid()->isChecked());
        QVERIFY(!w.canAccept());
        QVERIFY(w.summary()->text().contains("choose to skip"));
        w.skipInvalid()->setChecked(true);
        QVERIFY(w.canAccept());
        QCOMPARE(int(w.result().table.runs.size()), 2);
    }

    void repeatedErrorsAreGroupedAndMissingFieldsNamedAtOnce() {
        QByteArray csv = "model,size,val\n";
        for (int i = 0; i < 137; ++i)
            csv += "m" + QByteArray::number(i) + "," + QByteArray::number(10 + i) + "m-ish,3.0\n";
        ImportWizard w(writeFile(dir_, "labels.csv", csv));
        // Neither loss nor params maps: both named in one message, both combos marked.
        QVERIFY2(w.summary()->text().contains("loss and params"), qPrintable(w.summary()->text()));
        QVERIFY(!w.fieldCombo(Field::Loss)->styleSheet().isEmpty());
        QVERIFY(!w.fieldCombo(Field::Params)->styleSheet().isEmpty());
        w.fieldCombo(Field::Loss)->setCurrentIndex(w.fieldCombo(Field::Loss)->findText("val"));
        w.fieldCombo(Field::Params)->setCurrentIndex(w.fieldCombo(Field::Params)->findText("size"));
        QVERIFY(w.fieldCombo(Field::Loss)->styleSheet().isEmpty());
        // 137 rows fail alike: one line says so, with the way out.
        QCOMPARE(w.invalidRows()->count(), 2);
        const QString grouped = w.invalidRows()->item(1)->text();
        QVERIFY2(grouped.startsWith("column 'size': 137 row(s) (line 2, 3, 4, 5, 6, …)"),
                 qPrintable(grouped));
        QVERIFY2(grouped.contains("lookup table or a formula"), qPrintable(grouped));
    }

    void wandbExportThroughTheWidgets() {
        // The CLI's --lookup, --set, --derive and --best-per as the wizard's own fields.
        writeFile(dir_, "sizes.csv", "model.size,d_model,n_layers\n12m,256,4\n50m,512,8\n");
        const QString path = writeFile(
            dir_, "wandb.jsonl",
            "{\"model\": {\"size\": \"12m\", \"experts\": 1}, \"lr\": 0.001, \"eval\": {\"ppl\": 40}}\n"
            "{\"model\": {\"size\": \"12m\", \"experts\": 1}, \"lr\": 0.003, \"eval\": {\"ppl\": 38}}\n"
            "{\"model\": {\"size\": \"50m\", \"experts\": 8}, \"lr\": 0.001, \"eval\": {\"ppl\": 30}}\n"
            "{\"model\": {\"size\": \"50m\", \"experts\": 8}, \"lr\": 0.003, \"eval\": {\"ppl\": 31}}\n");
        ImportWizard w(path);
        QVERIFY(w.isValid());
        QVERIFY(!w.canAccept()); // no loss yet
        w.fieldCombo(Field::Params)
            ->setCurrentIndex(0); // "(not in the file)": computed from the architecture
        w.fieldCombo(Field::Experts)
            ->setCurrentIndex(w.fieldCombo(Field::Experts)->findText("model.experts"));
        w.lookups()->setPlainText("model.size:sizes.csv"); // next to the sweep
        w.constants()->setPlainText("vocab=32000");
        w.formulas()->setPlainText("loss=ln(eval.ppl)");
        w.perGroup()->setCurrentIndex(w.perGroup()->findData("best"));
        w.groupColumns()->setText("model.size, model.experts");
        QVERIFY2(w.canAccept(), qPrintable(w.summary()->text()));
        const RunTable& t = w.result().table;
        QCOMPARE(t.runs.size(), size_t(4));
        QCOMPARE(t.runs[1].get(Field::Loss), std::log(38.0));
        QCOMPARE(t.runs[2].get(Field::DModel), 512.0);
        QVERIFY(t.runs[0].excluded && !t.runs[1].excluded && !t.runs[2].excluded && t.runs[3].excluded);
        QVERIFY(t.runs[0].excludedWhy.str().find("not the best of its group") == 0);
        QVERIFY2(w.summary()->text().contains("2 runs used by fits, 2 kept but excluded"),
                 qPrintable(w.summary()->text()));
        // A formula over a column that does not exist says so and blocks the import.
        w.formulas()->setPlainText("loss=ln(perplexity)");
        QVERIFY(!w.canAccept());
        QVERIFY2(w.invalidRows()->count() > 0 && w.invalidRows()
                                                     ->item(w.invalidRows()->count() - 1)
                                                     ->text()
                                                     .contains("unknown column 'perplexity'"),
                 qPrintable(w.summary()->text()));
    }

    void unreadableFilesSayWhy() {
        ImportWizard w(writeFile(dir_, "binary.csv", QByteArray("PK\x03\x04\x00\x00", 6)));
        QVERIFY(!w.isValid());
        QVERIFY(w.error().contains("not a text file"));
    }
};

QTEST_MAIN(TestImportWizard)
#include "tst_importwizard.moc"
