// Files a hostile colleague could hand over — expressions, workspaces, plans, exports, corpora — and the
// options that carry them: each case of issue #29 that crashed, hung, lost data, escaped its folder or was
// accepted as nonsense, now a clear refusal (exit 2, or 1 for a damaged file) or a correct result.
#include "core/fit/Analysis.h"
#include "core/fit/ParametricLaw.h"
#include "core/fit/Planner.h"
#include "core/io/Json.h"
#include "core/io/PathNames.h"
#include "core/io/PrintableText.h"
#include "core/jobs/SweepJobs.h"
#include "core/jobs/TrainerJob.h"
#include "core/model/Expression.h"
#include "core/store/Workspace.h"
#include "tests/support/TestSupport.h"

#include <QtTest>

#include <sqlite3.h>

using namespace moescope;
using namespace moescope::test;

namespace {

const QString kSample = MOESCOPE_SOURCE_DIR "/datasets/sample_sweep.csv";

QString repeat(const QString& s, int n) {
    QString out;
    out.reserve(s.size() * n);
    for (int i = 0; i < n; ++i)
        out += s;
    return out;
}

// The expressions that overflowed the stack of the recursive parser, evaluator or destructor.
QStringList deepExpressions() {
    return {repeat("(", 4000) + "1" + repeat(")", 4000), repeat("not ", 20000) + "1",
            repeat("2^", 5000) + "1", repeat("ln(", 5000) + "1" + repeat(")", 5000),
            repeat("-", 20000) + "1"};
}

void sql(const QString& path, const QString& statement) {
    sqlite3* db = nullptr;
    QCOMPARE(sqlite3_open(path.toUtf8().constData(), &db), SQLITE_OK);
    char* msg = nullptr;
    const int rc = sqlite3_exec(db, statement.toUtf8().constData(), nullptr, nullptr, &msg);
    const QString why = msg ? msg : "";
    sqlite3_free(msg);
    sqlite3_close(db);
    QVERIFY2(rc == SQLITE_OK, qPrintable(why));
}

int count(const QString& path, const QString& query) {
    sqlite3* db = nullptr;
    sqlite3_open_v2(path.toUtf8().constData(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* st = nullptr;
    int n = -1;
    if (sqlite3_prepare_v2(db, query.toUtf8().constData(), -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

// A plan of one run as plan-sweep writes it, with `field` set to `value` (raw JSON text).
QByteArray planWith(const QString& field = {}, const QString& value = {}, int runs = 1) {
    QString list;
    for (int i = 0; i < runs; ++i) {
        QString run =
            "{\"name\":\"r%1\",\"budget\":1e9,\"d_model\":16,\"n_layers\":1,\"n_heads\":2,\"experts\":2,"
            "\"active_experts\":1,\"granularity\":1,\"ctx\":16,\"vocab\":256,\"batch\":2,\"steps\":3}";
        run = run.arg(i);
        if (!field.isEmpty()) {
            const QRegularExpression re("\"" + field + "\":(\"[^\"]*\"|[^,}]*)");
            run.replace(re, "\"" + field + "\":" + value);
        }
        list += (i ? "," : "") + run;
    }
    return ("{\"runs\":[" + list + "]}").toUtf8();
}

} // namespace

class TestUntrusted : public QObject {
    Q_OBJECT
private slots:
    // --- 1. Bounded parsing --------------------------------------------------------------------------

    void deepExpressionsAreRefusedNotOverflowed() {
        for (const QString& text : deepExpressions()) {
            Expression e;
            std::string error;
            QVERIFY(!Expression::parse(text.toStdString(), e, error));
            QVERIFY2(error.find("nested too deeply (limit " + std::to_string(kMaxExpressionNesting) + ")") !=
                         std::string::npos,
                     error.c_str());
        }
    }

    void longChainsEvaluateWithoutRecursion() {
        // A chain of one precedence level is flat: 15,000 terms, and the value is right.
        Expression e;
        std::string error;
        QVERIFY2(Expression::parse((repeat("1+", 14999) + "1").toStdString(), e, error), error.c_str());
        ExprValue v;
        QVERIFY(e.evaluate([](const std::string&) { return std::nullopt; }, v, error));
        QCOMPARE(v.number, 15000.0);
        QVERIFY(Expression::parse((repeat("x and ", 9999) + "x").toStdString(), e, error));
        bool truth = false;
        QVERIFY(e.test([](const std::string&) { return ExprValue::of(1.0); }, truth, error));
        QVERIFY(truth);
        // Mixed operators keep their order: 10 - 2 - 3 = 5, 2 * 3 / 4 = 1.5, and precedence across levels.
        QVERIFY(Expression::parse("10 - 2 - 3 + 2 * 3 / 4", e, error));
        QVERIFY(e.evaluate([](const std::string&) { return std::nullopt; }, v, error));
        QCOMPARE(v.number, 6.5);
        QVERIFY(
            Expression::parse(repeat("(", 99).toStdString() + "1" + repeat(")", 99).toStdString(), e, error));
    }

    void everyOptionThatTakesAnExpressionSaysSo_data() {
        QTest::addColumn<QStringList>("args");
        const QString deep = deepExpressions().first();
        QTest::newRow("import --where") << QStringList{"import", kSample, "--where", deep};
        QTest::newRow("import --derive") << QStringList{"import", kSample, "--derive", "x=" + deep};
        QTest::newRow("fit --where") << QStringList{"fit", kSample, "--law", "chinchilla", "--where", deep};
        QTest::newRow("fit --holdout")
            << QStringList{"fit", kSample, "--law", "chinchilla", "--holdout", deep};
        QTest::newRow("fit --train") << QStringList{"fit", kSample, "--law", "chinchilla", "--train", deep};
        QTest::newRow("plus chain") << QStringList{"import", kSample, "--where",
                                                   repeat("ln(1)+", 14999) + "1 > 0"};
    }
    void everyOptionThatTakesAnExpressionSaysSo() {
        QFETCH(QStringList, args);
        const ProcessResult r = runCli(args);
        if (args.last().startsWith("ln(1)+")) { // flat: a fine filter, all 313 rows kept
            QCOMPARE(r.exitCode, 0);
            QVERIFY2(r.err.contains("313 rows read"), qPrintable(r.err));
            return;
        }
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("nested too deeply (limit 100)"), qPrintable(r.err.left(400)));
    }

    void jsonNumbersFollowRfc8259_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("valid");
        QTest::newRow("NaN") << "NaN" << false;
        QTest::newRow("Infinity") << "-Infinity" << false;
        QTest::newRow("hex") << "0x10" << false;
        QTest::newRow("leading +") << "+3.5" << false;
        QTest::newRow("bare fraction") << ".5" << false;
        QTest::newRow("leading zero") << "05" << false;
        QTest::newRow("trailing dot") << "5." << false;
        QTest::newRow("bare exponent") << "1e" << false;
        QTest::newRow("beyond a double") << "1e400" << false;
        QTest::newRow("zero") << "0" << true;
        QTest::newRow("negative fraction") << "-0.25" << true;
        QTest::newRow("exponent") << "6.02E+23" << true;
        QTest::newRow("70 digits") << QString(70, '7') + ".5" << true;
        QTest::newRow("underflow is zero") << "1e-400" << true;
    }
    void jsonNumbersFollowRfc8259() {
        QFETCH(QString, text);
        QFETCH(bool, valid);
        Json j;
        std::string error;
        const bool ok = Json::parse(("{\"x\": " + text + "}").toStdString(), j, error);
        QCOMPARE(ok, valid);
        if (valid) QCOMPARE(j["x"].number(), std::strtod(text.toUtf8().constData(), nullptr));
    }

    void jsonLinesWithNonsenseNumbersAreRowErrors() {
        // "tokens": NaN was replaced by a derived value, "loss": NaN became "no loss": now the line is named.
        QTemporaryDir dir;
        for (const QString field : {"tokens", "loss"}) {
            const QString path =
                writeFile(dir, field + ".jsonl",
                          QString("{\"params\": 1e9, \"tokens\": 2e10, \"loss\": 2.5}\n"
                                  "{\"params\": 2e9, \"tokens\": 4e10, \"loss\": 2.4}\n")
                              .replace(QString("\"%1\": ").arg(field) + (field == "loss" ? "2.4" : "4e10"),
                                       QString("\"%1\": NaN").arg(field))
                              .toUtf8());
            const ProcessResult r = runCli({"import", path});
            QCOMPARE(r.exitCode, 2);
            QVERIFY2(r.err.contains(path + ":2:") && r.err.contains("not valid JSON") &&
                         r.err.contains("column"),
                     qPrintable(r.err));
        }
    }

    void recordedPlansAreHeldToTheCliLimits_data() {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("field");
        QTest::newRow("grid points") << "{\"isoflop\":{\"grid_points\":2e9}}"
                                     << "isoflop.grid_points";
        QTest::newRow("isoflop bootstrap") << "{\"isoflop\":{\"bootstrap\":2e9}}"
                                           << "isoflop.bootstrap";
        QTest::newRow("law bootstrap") << "{\"law_bootstrap\":1e6}"
                                       << "law_bootstrap";
        QTest::newRow("max degree") << "{\"isoflop\":{\"max_degree\":1e9}}"
                                    << "isoflop.max_degree";
        QTest::newRow("starts") << "{\"starts\":\"2e9\"}"
                                << "starts";
        QTest::newRow("degrees") << "{\"isoflop\":{\"degrees\":[1,2,1e9]}}"
                                 << "isoflop.degrees";
        QTest::newRow("deep filter") << QString("{\"where\":\"%1\"}").arg(deepExpressions().first())
                                     << "nested too deeply";
        // A flag that is not true or false was read as false: a table of optima fitted as a sweep.
        QTest::newRow("optima table") << "{\"optima_table\":\"yes\"}"
                                      << "'optima_table' must be true or false";
        QTest::newRow("leave one out") << "{\"isoflop\":{\"leave_one_sparsity_out\":1}}"
                                       << "'isoflop.leave_one_sparsity_out' must be true or false";
    }
    void recordedPlansAreHeldToTheCliLimits() {
        QFETCH(QString, json);
        QFETCH(QString, field);
        Json j;
        std::string error;
        QVERIFY2(Json::parse(json.toStdString(), j, error), error.c_str());
        AnalysisPlan plan;
        QVERIFY(!planFromJson(j, plan, error));
        QVERIFY2(QString::fromStdString(error).contains(field), error.c_str());
        // The default plan itself is inside every limit.
        QVERIFY(validatePlan(AnalysisPlan{}, error));
        // The CLI enforces the same bound.
        const ProcessResult r = runCli({"fit", kSample, "--law", "chinchilla", "--bootstrap", "2e9"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--bootstrap") && r.err.contains("10000"), qPrintable(r.err));
    }

    // --- 2. Workspaces as untrusted input --------------------------------------------------------------

    void aSchemaVersionOutsideTheKnownRangeIsRefused_data() {
        QTest::addColumn<int>("version");
        QTest::newRow("-1") << -1;
        QTest::newRow("int min") << int(-2147483647 - 1);
    }
    void aSchemaVersionOutsideTheKnownRangeIsRefused() {
        QFETCH(int, version);
        QTemporaryDir dir;
        const QString path = sampleWorkspace(dir, "neg.moescope");
        sql(path, QString("PRAGMA user_version=%1").arg(version));
        const QString expected = QString("not a MoEScope workspace (schema %1)").arg(version);
        for (const QStringList& args : {QStringList{"fit", path, "--law", "chinchilla"},
                                        QStringList{"predict", path, "--budget", "3e19"},
                                        QStringList{"import", kSample, "--workspace", path}}) {
            const ProcessResult r = runCli(args);
            QVERIFY2(r.exitCode == 1, qPrintable(args.join(' ') + ": " + r.err));
            QVERIFY2(r.err.contains(expected), qPrintable(r.err));
        }
        QCOMPARE(count(path, "PRAGMA user_version"), version); // refused, not rewritten
    }

    void objectsMoEScopeDidNotCreateAreRefused_data() {
        QTest::addColumn<QString>("statement");
        QTest::addColumn<QString>("named");
        QTest::newRow("trigger") << "CREATE TRIGGER wipe AFTER INSERT ON runs BEGIN DELETE FROM runs; END"
                                 << "trigger 'wipe'";
        QTest::newRow("view") << "CREATE VIEW v AS SELECT * FROM runs"
                              << "view 'v'";
        QTest::newRow("table") << "CREATE TABLE extra(x)"
                               << "table 'extra'";
        QTest::newRow("index") << "CREATE INDEX odd ON runs(loss)"
                               << "index 'odd'";
    }
    void objectsMoEScopeDidNotCreateAreRefused() {
        QFETCH(QString, statement);
        QFETCH(QString, named);
        QTemporaryDir dir;
        const QString path = sampleWorkspace(dir, "hostile.moescope");
        sql(path, statement);
        const ProcessResult r = runCli({"import", kSample, "--workspace", path});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(named) && r.err.contains("did not create"), qPrintable(r.err));
        QCOMPARE(count(path, "SELECT count(*) FROM runs"), 313); // the trigger never ran
        const ProcessResult fit = runCli({"fit", path, "--law", "chinchilla"});
        QCOMPARE(fit.exitCode, 2);
    }

    void valuesOfTheWrongStorageClassAreRefused() {
        QTemporaryDir dir;
        const QString path = sampleWorkspace(dir, "text.moescope");
        sql(path, "UPDATE runs SET loss = 'abc' WHERE id = 5");
        const ProcessResult r = runCli({"fit", path, "--law", "chinchilla"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("run 5") && r.err.contains("'loss'") && r.err.contains("wrong type"),
                 qPrintable(r.err));
        // Numbers no import would accept are refused the same way: a negative loss, a sparsity of 1.5.
        for (const QString& set :
             {QString("loss = -5"), QString("sparsity = 1.5"), QString("params = 9e999")}) {
            const QString bad = sampleWorkspace(dir, "range.moescope");
            sql(bad, "UPDATE runs SET " + set + " WHERE id = 7");
            const ProcessResult out = runCli({"fit", bad, "--law", "chinchilla"});
            QCOMPARE(out.exitCode, 2);
            QVERIFY2(out.err.contains("run 7") && out.err.contains("outside the range"), qPrintable(out.err));
            QFile::remove(bad);
        }
        // A text that SQLite's REAL affinity turns into a number is a number: no false alarm.
        const QString fine = sampleWorkspace(dir, "fine.moescope");
        sql(fine, "UPDATE runs SET loss = '3.5' WHERE id = 5");
        QCOMPARE(runCli({"fit", fine, "--law", "chinchilla"}).exitCode, 0);
    }

    void concurrentImportsIntoANewWorkspaceLoseNothing() {
        QTemporaryDir dir;
        for (int trial = 0; trial < 20; ++trial) {
            const QString path = dir.filePath(QString("new-%1.moescope").arg(trial));
            QProcess a, b;
            a.start(MOESCOPE_CLI, {"import", kSample, "--workspace", path});
            b.start(MOESCOPE_CLI, {"import", kSample, "--workspace", path});
            QVERIFY(a.waitForFinished(120000) && b.waitForFinished(120000));
            const QString why = QString::fromUtf8(a.readAllStandardError() + b.readAllStandardError());
            QVERIFY2(a.exitCode() == 0 && b.exitCode() == 0, qPrintable(why));
            QCOMPARE(count(path, "SELECT count(*) FROM runs"), 626);
            QCOMPARE(count(path, "SELECT count(*) FROM imports"), 2);
            QCOMPARE(count(path, "PRAGMA user_version"), Workspace::kSchemaVersion);
            QVERIFY(QDir(dir.path()).entryList({"*.new-*"}).isEmpty()); // no temporary left behind
        }
    }

    // --- 3. Names that become paths --------------------------------------------------------------------

    void pathNamesAreCheckedByOneFunction_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<bool>("ok");
        QTest::newRow("plain") << "d64-l2-e4k1-c1e+12" << true;
        QTest::newRow("spaces and unicode") << "sweep für C" << true;
        QTest::newRow("escape") << "../../../../tmp/x" << false;
        QTest::newRow("slash") << "a/b" << false;
        QTest::newRow("dotdot") << ".." << false;
        QTest::newRow("hidden") << ".x" << false;
        QTest::newRow("option") << "--resume" << false;
        QTest::newRow("newline") << "a\nb" << false;
        QTest::newRow("escape byte") << "a\x1b[31m" << false;
        QTest::newRow("reserved plan") << "plan.json" << false;
        QTest::newRow("reserved runs") << "runs.csv" << false;
        QTest::newRow("reserved result") << "result.json" << false;
        QTest::newRow("empty") << "" << false;
        QTest::newRow("too long") << QString(200, 'a') << false;
    }
    void pathNamesAreCheckedByOneFunction() {
        QFETCH(QString, name);
        QFETCH(bool, ok);
        std::string error;
        QCOMPARE(checkPathName(name.toStdString(), "run name", error), ok);
        if (!ok)
            QVERIFY2(error.find("run name") == 0 && error.find('\x1b') == std::string::npos, error.c_str());
    }

    void aFolderIsProvenToLieUnderItsRoot() {
        QTemporaryDir dir;
        std::string error;
        const std::string root = dir.filePath("root").toStdString();
        QVERIFY(QDir().mkpath(dir.filePath("root/a")));
        QVERIFY(liesUnder(root + "/a/new", root, error));
        QVERIFY(liesUnder(root, root, error));
        QVERIFY(!liesUnder(root + "/../elsewhere", root, error));
        QVERIFY(!liesUnder(dir.filePath("rootx").toStdString(), root, error)); // a prefix is not a parent
        // A link planted inside the root that points out of it.
        QVERIFY(QFile::link(QDir::tempPath(), dir.filePath("root/out")));
        QVERIFY(!liesUnder(root + "/out/x", root, error));
        QVERIFY2(error.find("lies outside") != std::string::npos, error.c_str());
    }

    void planSweepRefusesAGroupThatLeavesItsFolder() {
        QTemporaryDir dir;
        const QString ws = sampleWorkspace(dir, "queue.moescope");
        const ProcessResult r = runCli({"plan-sweep", "--budgets", "1e12", "--sizes", "2", "--queue", ws,
                                        "--group", "../../../../tmp/x"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--group") && r.err.contains("path separator"), qPrintable(r.err));
        QCOMPARE(count(ws, "SELECT count(*) FROM jobs"), 0);
    }

    void runSweepRefusesHostilePlans_data() {
        QTest::addColumn<QByteArray>("plan");
        QTest::addColumn<QString>("says");
        QTest::newRow("duplicate names") << planWith("name", "\"twin\"", 2) << "taken by an earlier run";
        QTest::newRow("newline in a name") << planWith("name", "\"a\\nb\"") << "control character";
        QTest::newRow("reserved name") << planWith("name", "\"plan.json\"") << "MoEScope writes itself";
        QTest::newRow("escaping name") << planWith("name", "\"../up\"") << "path separator";
        QTest::newRow("heads beyond an int")
            << planWith("n_heads", "1e300") << "'n_heads' must be a whole number";
        QTest::newRow("negative heads") << planWith("n_heads", "-2147483648") << "'n_heads'";
        QTest::newRow("fractional batch") << planWith("batch", "2.5") << "'batch'";
        QTest::newRow("NaN") << planWith("steps", "NaN") << "not valid JSON";
        QTest::newRow("infinite budget") << planWith("budget", "1e999") << "out of range";
    }
    void runSweepRefusesHostilePlans() {
        QFETCH(QByteArray, plan);
        QFETCH(QString, says);
        QTemporaryDir dir;
        const QString path = writeFile(dir, "plan.json", plan);
        const ProcessResult r =
            runCli({"run-sweep", path, "--out", dir.filePath("out"), "--trainer", "/bin/false"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(says), qPrintable(r.err));
        QVERIFY(!QFile::exists(dir.filePath("out"))); // refused before anything was made
    }

    // --- 4. Argument vectors -----------------------------------------------------------------------

    void trainArgsFollowTheShellsQuoting() {
        std::vector<std::string> words;
        std::string error;
        QVERIFY(
            splitArguments("--lr 1e-3 --data 'my corpus.txt' --name \"a \\\"b\\\"\" c\\ d", words, error));
        QCOMPARE(int(words.size()), 7);
        QCOMPARE(QString::fromStdString(words[3]), QString("my corpus.txt"));
        QCOMPARE(QString::fromStdString(words[5]), QString("a \"b\""));
        QCOMPARE(QString::fromStdString(words[6]), QString("c d"));
        QVERIFY(!splitArguments("--data 'open", words, error));
        QVERIFY2(error.find("unterminated single quote") != std::string::npos, error.c_str());
        // Through plan-sweep's Slurm script: one quoted word, and an unterminated quote is exit 2.
        QTemporaryDir dir;
        const QString script = dir.filePath("sweep.sh");
        ProcessResult r = runCli({"plan-sweep", "--budgets", "1e12", "--sizes", "2", "--slurm", script,
                                  "--shared-dir", dir.path(), "--train-args", "--data 'my corpus.txt'"});
        QCOMPARE(r.exitCode, 0);
        QFile f(script);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(f.readAll().contains("'--data' 'my corpus.txt'"));
        r = runCli({"plan-sweep", "--budgets", "1e12", "--slurm", script, "--shared-dir", dir.path(),
                    "--train-args", "--data 'open"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--train-args") && r.err.contains("unterminated"), qPrintable(r.err));
    }

    void tokenizeTakesHostileFileNamesAsNames() {
        QTemporaryDir dir;
        const QString corpus = writeFile(dir, "a.txt --user_defined_symbols=PWNED", projectSourceText());
        const QString out = dir.filePath("out folder, with a space");
        const ProcessResult r = runCli({"tokenize", corpus, "--vocab", "400", "--out", out, "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QFile model(out + "/sp.model");
        QVERIFY(model.open(QIODevice::ReadOnly));
        QVERIFY(!model.readAll().contains("PWNED")); // no token smuggled in through the name
        QVERIFY(QFileInfo(out + "/tokens.bin").size() > 0);
    }

    // --- 5. Results counted once -----------------------------------------------------------------------

    void importResultsCountsEachRunOnce() {
        // A sweep folder as run-sweep leaves it: plan.json and the collected runs.csv on top, each run's
        // folder with its result.json and runs.csv (one of them resumed, so two rows) below.
        QTemporaryDir dir;
        const QByteArray header = "name,params,active_params,tokens,flops,loss\n";
        writeFile(dir, "plan.json", planWith({}, {}, 2));
        writeFile(dir, "runs.csv",
                  header.left(header.size() - 1) + ",group\nr0,1e6,1e6,2e7,1.2e14,3.1,s\n"
                                                   "r1,2e6,2e6,1e7,1.2e14,3.0,s\n");
        for (const QString run : {"r0", "r1"}) {
            QVERIFY(QDir(dir.path()).mkdir(run));
            writeFile(dir, run + "/result.json", "{\"status\":\"done\"}\n");
        }
        writeFile(dir, "r0/runs.csv", header + "r0,1e6,1e6,2e7,1.2e14,3.1\n");
        writeFile(dir, "r1/runs.csv", header + "r1,2e6,2e6,5e6,0.6e14,3.4\nr1,2e6,2e6,1e7,1.2e14,3.0\n");
        ProcessResult r = runCli({"import-results", dir.path(), "--json"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("\"runs\":2"), qPrintable(r.out + r.err));
        // Without the sweep's own file, the run folders give one row each: the last (the resumed run's).
        QFile::remove(dir.filePath("runs.csv"));
        const QString ws = dir.filePath("w.moescope");
        r = runCli({"import-results", dir.path(), "--workspace", ws, "--json"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("\"runs\":2"), qPrintable(r.out + r.err));
        QCOMPARE(count(ws, "SELECT count(*) FROM runs WHERE abs(tokens - 1e7) < 1"), 1);
    }

    void slurmTasksSkipAFinishedRun() {
        std::vector<TrainerJob> jobs = {{"r0", {}, 2, 1e9, {}}};
        jobs[0].arch.d_model = 16;
        const std::string script =
            slurmArrayScript(jobs, "/shared", "moescope-train", kDefaultSbatchOptions, 1);
        const auto skip = script.find("if [ -f \"$out/result.json\" ]; then");
        QVERIFY2(skip != std::string::npos, script.c_str());
        QVERIFY(skip < script.find("exec ")); // before the trainer is started
    }

    // --- 6. Failures are failures --------------------------------------------------------------------

    void lookupNeverOverwritesAMeasuredColumnByAccident() {
        QTemporaryDir dir;
        const QString table = writeFile(dir, "sizes.csv", "d_model,loss\n384,9.9\n");
        ProcessResult r = runCli({"import", kSample, "--lookup", "d_model:" + table});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("'loss'") && r.err.contains("--lookup-overwrite"), qPrintable(r.err));
        r = runCli({"import", kSample, "--lookup-overwrite"});
        QCOMPARE(r.exitCode, 2);
    }

    void deriveThatIsNotFiniteIsTheRowsError() {
        const ProcessResult r = runCli({"import", kSample, "--derive", "loss=0/0"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(kSample + ":2: column 'loss'") && r.err.contains("not a number"),
                 qPrintable(r.err.left(500)));
        // A formula over an empty cell is a missing value, as before: not an error.
        QTemporaryDir dir;
        const QString path = writeFile(dir, "gap.csv", "params,tokens,ppl\n1e9,2e10,12\n2e9,4e10,\n");
        const ProcessResult gap = runCli({"import", path, "--derive", "loss=ln(ppl)"});
        QVERIFY2(gap.exitCode == 0 && gap.err.contains("1 without a loss"), qPrintable(gap.err));
    }

    void thePlannerNamesNoOptionThatWasNotGiven() {
        const auto law = makeLaw("chinchilla");
        QVERIFY(law);
        PlanOptions o;
        o.budget = 1e20;
        const std::vector<double> nan(law->parameterCount(), std::nan(""));
        try {
            planOptimum(*law, nan, o);
            QFAIL("a law that predicts nothing planned something");
        } catch (const std::invalid_argument& e) {
            QVERIFY2(std::string(e.what()).find("--max-params") == std::string::npos, e.what());
        }
        o.maxParams = 1e9;
        try {
            planOptimum(*law, nan, o);
            QFAIL("planned under a cap with no finite loss");
        } catch (const std::invalid_argument& e) {
            QVERIFY2(std::string(e.what()).find("--max-params") != std::string::npos, e.what());
        }
    }

    // --- 7. Exits and messages -----------------------------------------------------------------------

    void aFolderWhereAFileIsExpectedIsNamed() {
        QTemporaryDir dir;
        for (const QStringList& args :
             {QStringList{"import", dir.path()}, QStringList{"fit", dir.path(), "--law", "chinchilla"}}) {
            const ProcessResult r = runCli(args);
            QCOMPARE(r.exitCode, 2);
            QVERIFY2(r.err.contains("is a folder, not a file") && !r.err.contains("internal error"),
                     qPrintable(r.err));
        }
    }

    void renderRefusesSizesNoPictureHas_data() {
        QTest::addColumn<QStringList>("options");
        QTest::addColumn<QString>("named");
        QTest::newRow("0x0") << QStringList{"--size", "0x0"} << "--size";
        QTest::newRow("negative") << QStringList{"--size", "-5x100"} << "--size";
        QTest::newRow("huge") << QStringList{"--size", "100000x100000"} << "--size";
        QTest::newRow("dpi 0") << QStringList{"--dpi", "0"} << "--dpi";
    }
    void renderRefusesSizesNoPictureHas() {
        QFETCH(QStringList, options);
        QFETCH(QString, named);
        QTemporaryDir dir;
        const ProcessResult r =
            runCli(QStringList{"render", kSample, "--view", "law", "--out", dir.filePath("x.png")} + options);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(named), qPrintable(r.err));
        QVERIFY(!QFile::exists(dir.filePath("x.png")));
    }

    void controlBytesFromInputAreEscapedInMessages() {
        QTemporaryDir dir;
        const QString path = writeFile(dir, "esc.csv", "a\x1b[31mb,loss\n1,2\n");
        const ProcessResult r = runCli({"import", path, "--where", "zzz > 1"}); // lists the columns
        QCOMPARE(r.exitCode, 2);
        QVERIFY(!r.err.contains(QChar(0x1b)));
        QVERIFY2(r.err.contains("a\\x1b[31mb"), qPrintable(r.err));
        QCOMPARE(QString::fromStdString(printable("a\rb\x7f\n", true)), QString("a\\x0db\\x7f\n"));
    }
};

QTEST_MAIN(TestUntrusted)
#include "tst_untrusted.moc"
