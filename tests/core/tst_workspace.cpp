// The .moescope workspace: round trips, schema, and crash safety of an import.
#include "core/io/RunImporter.h"
#include "core/store/Workspace.h"
#include "tests/support/TestSupport.h"

#include <sqlite3.h>

using namespace moescope;
using namespace moescope::test;

class TestWorkspace : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

    RunTable sample(int n) {
        std::string csv = "params,experts,active_experts,tokens,loss,lr,source\n";
        for (int i = 0; i < n; ++i)
            csv += std::to_string((i + 1) * 1e8) + ",8,2," + std::to_string(2e9) + "," +
                   std::to_string(3.0 - i * 0.01) + ",1e-3,run" + std::to_string(i) + "\n";
        ImportResult r = importRunsText(csv, "sample.csv", {});
        if (!r.ok()) qFatal("sample did not import");
        return r.table;
    }

private slots:
    void roundTrip() {
        const std::string path = dir_.filePath("round.moescope").toStdString();
        std::string error;
        {
            Workspace ws;
            QVERIFY2(ws.open(path, error), error.c_str());
            QCOMPARE(ws.schemaVersion(), Workspace::kSchemaVersion);
            ImportRecord rec;
            rec.path = "sample.csv";
            rec.sha256 = "abc";
            rec.mapping = {{"params", "params"}, {"loss", "loss"}};
            QVERIFY(ws.addImport(rec, sample(5), error) > 0);
            QVERIFY(ws.addFit({0, "isoflop", 1e20, "{}", "{\"degrees\":[2,2,2]}", ""}, error) > 0);
            QVERIFY(ws.addJob({0, "calib", "{\"d_model\":256}", "queued", "/tmp/x", ""}, error) > 0);
            QVERIFY(ws.setSetting("view", "surface", error));
        }
        Workspace ws;
        QVERIFY(ws.open(path, error));
        const RunTable t = ws.runs();
        QCOMPARE(int(t.runs.size()), 5);
        QCOMPARE(t.runs[2].get(Field::Params), 3e8);
        QCOMPARE(t.runs[2].get(Field::Sparsity), 0.75);
        QVERIFY(t.runs[2].isDerived(Field::Sparsity));
        QVERIFY(!t.runs[2].has(Field::Flops)); // N_a is unknown without an architecture, so C is too
        QVERIFY(!t.runs[2].isDerived(Field::Tokens));
        QCOMPARE(t.metricNames, std::vector<std::string>{"lr"});
        QCOMPARE(t.runs[2].metrics[0], 1e-3);
        QCOMPARE(QString::fromStdString(t.runs[2].labels[0]), QString("run2"));
        const auto imports = ws.imports();
        QCOMPARE(int(imports.size()), 1);
        QCOMPARE(imports[0].mapping.size(), size_t(2));
        QCOMPARE(QString::fromStdString(imports[0].mapping[1].second), QString("loss"));
        QCOMPARE(int(ws.fits().size()), 1);
        QCOMPARE(QString::fromStdString(ws.jobs()[0].status), QString("queued"));
        QCOMPARE(QString::fromStdString(ws.setting("view")), QString("surface"));

        QVERIFY(ws.setExcluded(t.runs[0].id, true, error));
        QVERIFY(ws.setValue(t.runs[2].id, Field::Sparsity, 0.5, error));
        QVERIFY(ws.deleteRun(t.runs[4].id, error));
        const RunTable u = ws.runs();
        QCOMPARE(int(u.runs.size()), 4);
        QVERIFY(u.runs[0].excluded);
        QCOMPARE(u.runs[2].get(Field::Sparsity), 0.5);
        QVERIFY(!u.runs[2].isDerived(Field::Sparsity));
    }

    void migratesAVersionOneFile() {
        // A workspace as version 1 wrote it (no `deleted` column) opens, upgrades and keeps its run.
        const QString path = dir_.filePath("v1.moescope");
        sqlite3* db = nullptr;
        QCOMPARE(sqlite3_open(path.toUtf8().constData(), &db), SQLITE_OK);
        // One SQL statement a line reads as the schema it is.
        // clang-format off
        const char* v1 =
            "CREATE TABLE imports(id INTEGER PRIMARY KEY, path TEXT NOT NULL, sha256 TEXT NOT NULL, mapping TEXT NOT NULL,"
            " imported_at TEXT NOT NULL, rows INTEGER NOT NULL);"
            "CREATE TABLE runs(id INTEGER PRIMARY KEY, import_id INTEGER, source_line INTEGER, params REAL, active_params REAL,"
            " sparsity REAL, experts REAL, active_experts REAL, granularity REAL, d_model REAL, n_layers REAL, n_heads REAL,"
            " ctx REAL, vocab REAL, tokens REAL, flops REAL, loss REAL, budget REAL, derived_mask INTEGER NOT NULL DEFAULT 0,"
            " excluded INTEGER NOT NULL DEFAULT 0, metrics TEXT NOT NULL DEFAULT '{}', labels TEXT NOT NULL DEFAULT '{}');"
            "CREATE TABLE fits(id INTEGER PRIMARY KEY, law TEXT NOT NULL, budget REAL, settings TEXT NOT NULL, result TEXT NOT NULL,"
            " created_at TEXT NOT NULL);"
            "CREATE TABLE jobs(id INTEGER PRIMARY KEY, name TEXT NOT NULL, config TEXT NOT NULL, status TEXT NOT NULL,"
            " out_dir TEXT NOT NULL DEFAULT '', result TEXT NOT NULL DEFAULT '{}', created_at TEXT NOT NULL, updated_at TEXT NOT NULL);"
            "CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
            "INSERT INTO imports VALUES(1, 'old.csv', '', '{}', '2026-01-01T00:00:00Z', 1);"
            "INSERT INTO runs(import_id, params, loss) VALUES(1, 1e8, 3.25);"
            "PRAGMA user_version=1;";
        // clang-format on
        QCOMPARE(sqlite3_exec(db, v1, nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(db);
        Workspace ws;
        std::string error;
        QVERIFY2(ws.open(path.toStdString(), error), error.c_str());
        QCOMPARE(ws.schemaVersion(), Workspace::kSchemaVersion); // v1 migrated all the way
        QCOMPARE(ws.runCount(), 1);
        const RunTable t = ws.runs();
        QCOMPARE(t.runs[0].get(Field::Loss), 3.25);
        QVERIFY(ws.deleteRun(t.runs[0].id, error));
        QCOMPARE(ws.runCount(), 0);
        QVERIFY(ws.setDeleted(t.runs[0].id, false, error)); // deletions are reversible
        QCOMPARE(ws.runCount(), 1);
    }

    void refusesForeignFiles() {
        const QString text = writeFile(dir_, "notes.moescope", "hello, this is not SQLite at all\n");
        Workspace ws;
        std::string error;
        QVERIFY(!ws.open(text.toStdString(), error));
        QVERIFY2(QString::fromStdString(error).contains("not a MoEScope workspace"), error.c_str());
    }

    void crashMidImportLeavesPreviousContent() {
        // First a committed import, then a second one killed inside its transaction.
        const QString ws = dir_.filePath("crash.moescope");
        const QString first =
            writeFile(dir_, "first.csv", "params,loss,budget\n1e8,3.0,1e19\n2e8,2.9,1e19\n");
        QCOMPARE(runCli({"import", first, "--workspace", ws}).exitCode, 0);

        QByteArray big = "params,loss,budget\n";
        for (int i = 0; i < 5000; ++i)
            big += QByteArray::number(1e8 + i) + ",3.0,1e19\n";
        const QString second = writeFile(dir_, "second.csv", big);
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("MOESCOPE_FAULT_STALL_IMPORT_AFTER", "2500");
        p.setProcessEnvironment(env);
        p.start(MOESCOPE_CLI, {"import", second, "--workspace", ws});
        QVERIFY(p.waitForStarted());
        // The hook announces on stderr that it stalls after 2,500 rows inside the open transaction.
        QByteArray err;
        QTRY_VERIFY_WITH_TIMEOUT((err += p.readAllStandardError()).contains("MOESCOPE_FAULT: stalled"),
                                 30000);
        p.kill();
        QVERIFY(p.waitForFinished());
        QCOMPARE(p.exitStatus(), QProcess::CrashExit);

        Workspace w;
        std::string error;
        QVERIFY2(w.open(ws.toStdString(), error), error.c_str());
        QCOMPARE(w.runCount(), 2);
        QCOMPARE(int(w.imports().size()), 1);
        // And the workspace still takes the import afterwards.
        w.close();
        QCOMPARE(runCli({"import", second, "--workspace", ws}).exitCode, 0);
        QVERIFY(w.open(ws.toStdString(), error));
        QCOMPARE(w.runCount(), 5002);
    }
};

QTEST_GUILESS_MAIN(TestWorkspace)
#include "tst_workspace.moc"
