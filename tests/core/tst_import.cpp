// One data-driven case per malformed-input class (ARCHITECTURE.md §2), checked through the CLI for the exit
// code and the FILE:LINE: column 'X' message, plus the odd-but-valid dialects.
#include "core/io/PageAdvice.h"
#include "core/io/RunImporter.h"
#include "core/store/Workspace.h"
#include "tests/support/TestSupport.h"

#include <algorithm>

#include <sys/mman.h>
#include <unistd.h>

using namespace moescope;
using namespace moescope::test;

class TestImport : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

private slots:
    void malformed_data() {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<int>("line");
        QTest::addColumn<QString>("column");
        QTest::addColumn<QString>("reason");
        const QByteArray head = "params,tokens,loss,experts,active_experts,sparsity\n";
        QTest::newRow("non-numeric") << head + "1e8,2e9,3.1,8,2,\n1e8,abc,3.0,8,2,\n"
                                     << 3 << "tokens"
                                     << "not a number";
        QTest::newRow("nan") << head + "1e8,2e9,nan,8,2,\n"
                             << 2 << "loss"
                             << "not a finite number";
        QTest::newRow("inf") << head + "1e8,2e9,3.0,8,2,\n1e8,inf,3.0,8,2,\n"
                             << 3 << "tokens"
                             << "not a finite number";
        QTest::newRow("negative") << head + "-1e8,2e9,3.0,8,2,\n"
                                  << 2 << "params"
                                  << "must be positive";
        QTest::newRow("zero") << head + "1e8,0,3.0,8,2,\n"
                              << 2 << "tokens"
                              << "must be positive";
        QTest::newRow("sparsity >= 1") << head + "1e8,2e9,3.0,,,1.0\n"
                                       << 2 << "sparsity"
                                       << "outside [0, 1)";
        QTest::newRow("sparsity < 0") << head + "1e8,2e9,3.0,,,-0.1\n"
                                      << 2 << "sparsity"
                                      << "outside [0, 1)";
        QTest::newRow("K > E") << head + "1e8,2e9,3.0,4,8,\n"
                               << 2 << "active_experts"
                               << "exceeds E";
        QTest::newRow("short row") << head + "1e8,2e9,3.0,8,2,\n1e8,2e9\n"
                                   << 3 << "loss"
                                   << "short row";
        QTest::newRow("long row") << head + "1e8,2e9,3.0,8,2,,7\n"
                                  << 2 << "sparsity"
                                  << "long row";
        QTest::newRow("unterminated quote") << head + "1e8,2e9,\"3.0,8,2,\n"
                                            << 2 << "loss"
                                            << "unterminated";
        QTest::newRow("missing required column") << QByteArray("params,tokens\n1e8,2e9\n") << 1 << "loss"
                                                 << "missing required column";
        QTest::newRow("no data rows") << head << 2 << ""
                                      << "no data rows";
        QTest::newRow("not text") << QByteArray("PK\x03\x04\x00\x00\x01", 7) << 0 << ""
                                  << "not a text file";
        // An empty loss is a crashed run, kept and excluded (aRunWithoutALossIsKeptAndExcluded); an empty
        // params with nothing to derive it from is still invalid.
        QTest::newRow("missing params value") << head + ",2e9,3.1,8,2,\n"
                                              << 2 << "params"
                                              << "missing value (and not derivable";
    }
    // The run table's pages are faulted in on another core as the import fills it: once finished, every
    // page of a fresh 32 MiB block is resident (mincore) and reads as zero; a prefaulter destroyed at once
    // returns.
    void aPrefaulterBringsABlocksPagesIn() {
        const size_t bytes = size_t(32) << 20, page = size_t(sysconf(_SC_PAGESIZE));
        void* block = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        QVERIFY(block != MAP_FAILED);
        auto resident = [&] {
            std::vector<unsigned char> in(bytes / page);
            if (mincore(block, bytes, in.data()) != 0) return size_t(0);
            return size_t(std::count_if(in.begin(), in.end(), [](unsigned char c) { return c & 1; }));
        };
        QCOMPARE(resident(), size_t(0));
        { PagePrefaulter early(block, bytes); }
        PagePrefaulter prefault(block, bytes);
        if (!prefault.started()) {
            munmap(block, bytes);
            QSKIP("one core, or a kernel without MADV_POPULATE_WRITE: nothing is faulted ahead");
        }
        prefault.finish();
        QCOMPARE(resident(), bytes / page);
        const auto* bytesIn = static_cast<const unsigned char*>(block);
        QVERIFY(std::all_of(bytesIn, bytesIn + bytes, [](unsigned char c) { return c == 0; }));
        munmap(block, bytes);
    }

    void malformed() {
        QFETCH(QByteArray, content);
        QFETCH(int, line);
        QFETCH(QString, column);
        QFETCH(QString, reason);
        const QString path =
            writeFile(dir_, QString("bad_%1.csv").arg(QTest::currentDataTag()).replace(' ', '_'), content);
        const QString ws =
            dir_.filePath(QString("ws_%1.moescope").arg(qHash(QString(QTest::currentDataTag()))));
        const ProcessResult r = runCli({"import", path, "--workspace", ws});
        QCOMPARE(r.exitCode, 2);
        QString expected = path + (line > 0 ? QString(":%1").arg(line) : QString()) + ": ";
        if (!column.isEmpty()) expected += QString("column '%1': ").arg(column);
        QVERIFY2(r.err.contains(expected), qPrintable("expected '" + expected + "' in:\n" + r.err));
        QVERIFY2(r.err.contains(reason), qPrintable("expected reason '" + reason + "' in:\n" + r.err));
        QVERIFY2(!QFile::exists(ws), "an invalid import must not create or touch the workspace");
    }

    void skipInvalidKeepsValidRowsAndListsTheOthers() {
        const QString path = writeFile(
            dir_, "mixed.csv", "params,tokens,loss\n1e8,2e9,3.1\n2e8,bad,3.0\n3e8,4e9,2.9\n4e8,4e9,-1\n");
        const QString ws = dir_.filePath("mixed.moescope");
        ProcessResult r = runCli({"import", path, "--workspace", ws});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains("nothing imported"));
        r = runCli({"import", path, "--workspace", ws, "--skip-invalid", "--json"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.err.contains(path + ":3: column 'tokens'"), qPrintable(r.err));
        QVERIFY2(r.err.contains(path + ":5: column 'loss'"), qPrintable(r.err));
        QVERIFY(r.out.contains("\"rows_read\":4"));
        QVERIFY(r.out.contains("\"rows_valid\":2"));
        QVERIFY(r.out.contains("\"rows_invalid\":2"));
        Workspace w;
        std::string error;
        QVERIFY(w.open(ws.toStdString(), error));
        QCOMPARE(w.runCount(), 2);
        QCOMPARE(w.runs().runs[1].sourceLine, 4);
    }

    void oddButValid_data() {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QStringList>("maps");
        QTest::addColumn<int>("rows");
        QTest::addColumn<double>("firstParams");
        QTest::addColumn<double>("firstLoss");
        QTest::newRow("BOM ; CRLF")
            << QByteArray("\xEF\xBB\xBFn_params;val_loss;compute\r\n150M;3.25;1e19\r\n3.2B;2.5;1e21\r\n")
            << QStringList{} << 2 << 150e6 << 3.25;
        QTest::newRow("tabs and suffixes")
            << QByteArray("total_params\ttokens\tloss\n7T\t12k\t1.5\n") << QStringList{} << 1 << 7e12 << 1.5;
        QTest::newRow("quoted with embedded delimiter")
            << QByteArray("\"Model Size\",\"note, free text\",loss\n\"1e9\",\"a, \"\"b\"\"\",2.0\n")
            << QStringList{} << 1 << 1e9 << 2.0;
        QTest::newRow("explicit map")
            << QByteArray("Size (params),Final eval\n2e8,3.3\n")
            << QStringList{"params=Size (params)", "loss=Final eval"} << 1 << 2e8 << 3.3;
        QTest::newRow("no final newline, blank lines")
            << QByteArray("params,loss\n\n1e8,3\n\n2e8,2.9") << QStringList{} << 2 << 1e8 << 3.0;
    }
    void oddButValid() {
        QFETCH(QByteArray, content);
        QFETCH(QStringList, maps);
        QFETCH(int, rows);
        QFETCH(double, firstParams);
        QFETCH(double, firstLoss);
        ImportOptions options;
        for (const QString& m : maps) {
            MappingOverride o;
            std::string error;
            QVERIFY(parseMappingOverride(m.toStdString(), o, error));
            options.overrides.push_back(o);
        }
        const ImportResult r = importRunsText(content.toStdString(), "odd.csv", options);
        for (const auto& e : r.errors)
            qWarning() << QString::fromStdString(e.toString());
        QVERIFY(r.ok());
        QCOMPARE(int(r.table.runs.size()), rows);
        QCOMPARE(r.table.runs[0].get(Field::Params), firstParams);
        QCOMPARE(r.table.runs[0].get(Field::Loss), firstLoss);
    }

    void textColumnsBecomeLabelsNumericOnesMetrics() {
        const ImportResult r =
            importRunsText("params,loss,source,lr\n1e8,3,\"a, b\",1e-3\n2e8,2.9,c,\n", "x.csv", {});
        QVERIFY(r.ok());
        QCOMPARE(r.table.labelNames, std::vector<std::string>{"source"});
        QCOMPARE(r.table.metricNames, std::vector<std::string>{"lr"});
        QCOMPARE(QString::fromStdString(r.table.runs[0].labels[0]), QString("a, b"));
        QCOMPARE(r.table.runs[0].metrics[0], 1e-3);
        QVERIFY(std::isnan(r.table.runs[1].metrics[0]));
    }

    void appendingUnitesMetricAndLabelColumnsByName() {
        RunTable a = importRunsText("params,loss,lr,source\n1e8,3,1e-3,x\n", "a.csv", {}).table;
        const RunTable b = importRunsText("params,loss,seed,lr\n2e8,2.9,7,2e-3\n", "b.csv", {}).table;
        appendRuns(a, b);
        QCOMPARE(int(a.runs.size()), 2);
        QCOMPARE(a.metricNames, (std::vector<std::string>{"lr", "seed"}));
        QCOMPARE(a.runs[1].metrics[0], 2e-3);
        QCOMPARE(a.runs[1].metrics[1], 7.0);
        QVERIFY(std::isnan(a.runs[0].metrics[1])); // the older run has no seed
        QCOMPARE(QString::fromStdString(a.runs[1].labels[0]), QString());
    }

    void commonExportHeadersMapThemselves_data() {
        QTest::addColumn<QString>("header");
        QTest::addColumn<QString>("field");
        QTest::newRow("budget_flops") << "budget_flops"
                                      << "budget";
        QTest::newRow("tokens_seen") << "tokens_seen"
                                     << "tokens";
        QTest::newRow("final_loss") << "final_loss"
                                    << "loss";
        QTest::newRow("c4 eval loss") << "c4_eval_loss"
                                      << "loss";
        QTest::newRow("paloma loss") << "paloma_c4_en_loss"
                                     << "loss";
        QTest::newRow("params active") << "params_active_b"
                                       << "active_params";
        QTest::newRow("mixed case and spaces") << "Budget FLOPs"
                                               << "budget";
    }
    void commonExportHeadersMapThemselves() {
        QFETCH(QString, header);
        QFETCH(QString, field);
        const std::string csv =
            "params," + header.toStdString() + (field == "loss" ? ",x" : ",loss") + "\n1e8,2.5,3.1\n";
        const ImportResult r = importRunsText(csv, "h.csv", {});
        bool found = false;
        for (const auto& [f, column] : r.mapping)
            found = found || (f == field.toStdString() && column == header.toStdString());
        QVERIFY2(found, qPrintable(header));
    }

    void severalEvalLossesLeaveTheChoiceToTheUser() {
        const ImportResult r =
            importRunsText("params,c4_eval_loss,pile_eval_loss\n1e8,3.1,3.3\n", "two.csv", {});
        for (const auto& [f, column] : r.mapping)
            QVERIFY2(f != "loss", column.c_str());
        bool noted = false;
        for (const auto& n : r.notes)
            noted = noted || n.find("'c4_eval_loss', 'pile_eval_loss'") != std::string::npos;
        QVERIFY(noted);
    }

    void aRunWithoutALossIsKeptAndExcluded() {
        // A crashed run (empty loss) is part of a real sweep: imported, excluded, said; exit 0.
        const QString path = writeFile(dir_, "crashed.csv", "params,loss\n1e8,3.1\n2e8,\n4e8,2.9\n");
        const ImportResult r = importRunsFile(path.toStdString(), {});
        QVERIFY(r.ok());
        QCOMPARE(r.rowsWithoutLoss, 1);
        QCOMPARE(int(r.table.runs.size()), 3);
        QVERIFY(r.table.runs[1].excluded);
        QCOMPARE(QString::fromStdString(r.table.runs[1].excludedWhy), QString("no loss"));
        QVERIFY(!r.table.runs[0].excluded && !r.table.runs[2].excluded);
        const QString ws = dir_.filePath("crashed.moescope");
        const ProcessResult p = runCli({"import", path, "--workspace", ws, "--json"});
        QCOMPARE(p.exitCode, 0);
        QVERIFY2(p.out.contains("\"rows_without_loss\": 1") || p.out.contains("\"rows_without_loss\":1"),
                 qPrintable(p.out));
        // The reason survives the workspace.
        Workspace w;
        std::string error;
        QVERIFY(w.open(ws.toStdString(), error, Workspace::Mode::Existing));
        QCOMPARE(QString::fromStdString(w.runs().runs[1].excludedWhy), QString("no loss"));
        // Not a number, NaN and infinities stay invalid.
        for (const char* bad : {"nan", "inf", "n/a"}) {
            const ImportResult b = importRunsText(std::string("params,loss\n1e8,") + bad + "\n", "b.csv", {});
            QVERIFY2(!b.ok(), bad);
        }
    }

    void ambiguousHeadersNeedAMap() {
        ImportResult r = importRunsText("params,val_loss,eval_loss\n1e8,3,3.1\n", "x.csv", {});
        QCOMPARE(r.outcome, ImportResult::Outcome::InvalidFile);
        QVERIFY(!r.notes.empty());
        QVERIFY(QString::fromStdString(r.notes[0]).contains("--map loss=COLUMN"));
        ImportOptions mapped;
        mapped.overrides = {{"loss", "eval_loss"}};
        r = importRunsText("params,val_loss,eval_loss\n1e8,3,3.1\n", "x.csv", mapped);
        QVERIFY(r.ok());
        QCOMPARE(r.table.runs[0].get(Field::Loss), 3.1);
    }

    void badMapOptionsNameTheOption() {
        const QString path = writeFile(dir_, "ok.csv", "params,loss\n1e8,3\n");
        ProcessResult r = runCli({"import", path, "--map", "parms=params"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--map 'parms=params': unknown field 'parms'"), qPrintable(r.err));
        r = runCli({"import", path, "--map", "loss=Loss"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("no column 'Loss'"), qPrintable(r.err));
        r = runCli({"import", dir_.filePath("missing.csv")});
        QCOMPARE(r.exitCode, 1);
    }
};

QTEST_GUILESS_MAIN(TestImport)
#include "tst_import.moc"
