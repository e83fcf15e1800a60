// The moescope-cli contract of ARCHITECTURE.md §5: JSON shapes, exit codes, option messages.
#include "core/fit/SyntheticSweep.h"
#include "core/io/CsvWriter.h"
#include "core/io/Json.h"
#include "core/store/Workspace.h"
#include "tests/support/TestSupport.h"

using namespace moescope;
using namespace moescope::test;

namespace {
Json parseJson(const QString& text) {
    Json j;
    std::string error;
    if (!Json::parse(text.trimmed().toStdString(), j, error))
        qFatal("bad JSON (%s): %s", error.c_str(), qPrintable(text));
    return j;
}
} // namespace

class TestCli : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

private slots:
    void flopsJson() {
        const ProcessResult r = runCli({"flops", "--d-model", "512", "--layers", "8", "--experts", "8",
                                        "--active", "2", "--vocab", "50432", "--json"});
        QCOMPARE(r.exitCode, 0);
        const Json j = parseJson(r.out);
        for (const char* key : {"params", "active_params", "embedding_params", "sparsity", "flops_per_token",
                                "flops_per_token_6na", "r"})
            QVERIFY2(j.find(key), key);
        QCOMPARE(j["params"].number(), 235569152.0);
        QCOMPARE(j["active_params"].number(), 84574208.0);
        QCOMPARE(j["sparsity"].number(), 0.75);
        QCOMPARE(j["flops_per_token_6na"].number(), 6 * 84574208.0);
    }

    void flopsOptionErrors_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("K > E") << QStringList{"--d-model", "512", "--layers", "8",
                                              "--experts", "4",   "--active", "8"}
                               << "option --active";
        QTest::newRow("missing d-model") << QStringList{"--layers", "8"} << "option --d-model is required";
        QTest::newRow("not a number")
            << QStringList{"--d-model", "big", "--layers", "8"} << "option --d-model";
        QTest::newRow("unknown") << QStringList{"--d-model", "512", "--layers", "8", "--colour", "red"}
                                 << "unknown option --colour";
    }
    void flopsOptionErrors() {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        const ProcessResult r = runCli(QStringList{"flops"} + args);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
        QVERIFY(r.out.isEmpty());
    }

    void everySubcommandHasHelp_data() {
        QTest::addColumn<QString>("command");
        QTest::addColumn<QString>("option"); // one option its usage must name
        QTest::newRow("import") << "import"
                                << "--map";
        QTest::newRow("flops") << "flops"
                               << "--d-model";
        QTest::newRow("fit") << "fit"
                             << "--huber-delta";
        QTest::newRow("optimum") << "optimum"
                                 << "--max-params";
        QTest::newRow("suggest") << "suggest"
                                 << "--count";
        QTest::newRow("import-results") << "import-results"
                                        << "--workspace";
        QTest::newRow("render") << "render"
                                << "--view";
        QTest::newRow("tokenize") << "tokenize"
                                  << "--vocab";
    }
    void everySubcommandHasHelp() {
        QFETCH(QString, command);
        QFETCH(QString, option);
        for (const char* flag : {"--help", "-h"}) {
            const ProcessResult r = runCli({command, flag});
            QCOMPARE(r.exitCode, 0);
            QVERIFY2(r.out.contains("  " + command + " ") && r.out.contains(option), qPrintable(r.out));
            QVERIFY2(r.out.contains("exit codes"), qPrintable(r.out));
        }
        // Another command's lines are not part of it.
        const ProcessResult fit = runCli({"fit", "--help"});
        QVERIFY(!fit.out.contains("  tokenize "));
    }

    void wandbExportInOneCommand() {
        // A verbatim-style W&B export: dotted keys, a size label, perplexities, three learning rates per
        // configuration and a crashed run; sizes come from a lookup table.
        const QString csv = writeFile(dir_, "wandb.csv",
                                      "\"Name\",\"State\",\"model.size\",\"model.number_of_experts\",\"optim."
                                      "lr\",\"eval/ppl//c4.jsonl\"\n"
                                      "\"a1\",\"finished\",\"12m\",\"1\",\"0.001\",\"40\"\n\"a2\","
                                      "\"finished\",\"12m\",\"1\",\"0.003\",\"38\"\n"
                                      "\"a3\",\"finished\",\"12m\",\"1\",\"0.006\",\"39\"\n\"b1\","
                                      "\"finished\",\"50m\",\"8\",\"0.001\",\"30\"\n"
                                      "\"b2\",\"crashed\",\"50m\",\"8\",\"0.003\",\"\"\n\"b3\",\"finished\","
                                      "\"50m\",\"8\",\"0.006\",\"31\"\n");
        const QString sizes =
            writeFile(dir_, "sizes.csv", "model.size,d_model,n_layers\n12m,256,4\n50m,512,8\n");
        const QStringList common = {"--map",    "params=",
                                    "--map",    "experts=model.number_of_experts",
                                    "--lookup", "model.size:" + sizes,
                                    "--set",    "vocab=32000",
                                    "--derive", "loss=ln(`eval/ppl//c4.jsonl`)"};
        const QString ws = dir_.filePath("wandb.moescope");
        ProcessResult r =
            runCli(QStringList{"import", csv, "--best-per", "model.size,model.number_of_experts",
                               "--workspace", ws, "--json"} +
                   common);
        QCOMPARE(r.exitCode, 0);
        const Json j = parseJson(r.out);
        QCOMPARE(j["rows_read"].number(), 6.0);
        QCOMPARE(j["rows_filtered"].number(), 0.0);
        QCOMPARE(j["rows_without_loss"].number(), 1.0);
        QCOMPARE(j["rows_excluded"].number(), 4.0); // a1, a3, b3 not their group's best; b2 crashed
        QCOMPARE(j["rows_included"].number(), 2.0);
        QCOMPARE(j["format"].string(), std::string("csv"));
        // The workspace keeps every row with its reason.
        Workspace w;
        std::string error;
        QVERIFY(w.open(ws.toStdString(), error, Workspace::Mode::Existing));
        RunTable table;
        QVERIFY(w.readRuns(table, error));
        QCOMPARE(table.runs.size(), size_t(6));
        QVERIFY(table.runs[0].excludedWhy.str().find("not the best of its group") == 0);

        r = runCli(QStringList{"import", csv, "--where", "`optim.lr` > 0.01", "--json"} + common);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--where `optim.lr` > 0.01 matches none of the 6 rows"), qPrintable(r.err));
        r = runCli({"import", csv, "--derive", "loss=ln(ppl)"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--derive loss=ln(ppl): unknown column 'ppl'"), qPrintable(r.err));
        r = runCli({"import", csv, "--derive", "loss=ln("});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--derive loss"), qPrintable(r.err));
        r = runCli({"import", csv, "--best-per", "size", "--mean-per", "size"});
        QCOMPARE(r.exitCode, 2);
        r = runCli({"fit", ws, "--law", "chinchilla", "--derive", "x=1"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("is a workspace"), qPrintable(r.err));
        r = runCli({"fit", ws, "--law", "chinchilla", "--group", "vocab=7"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("option --group 'vocab=7'"), qPrintable(r.err));
        r = runCli({"fit", ws, "--law", "chinchilla", "--train", "sparsity==0", "--holdout", "none"});
        QCOMPARE(r.exitCode, 2);
    }

    void jsonLinesImportWithMapsOnly() {
        const QString path =
            writeFile(dir_, "events.jsonl",
                      "{\"model\": {\"n\": 1e8, \"e\": 8, \"k\": 2}, \"eval\": {\"loss\": 3.1}}\n"
                      "{\"model\": {\"n\": 2e8, \"e\": 8, \"k\": 2}, \"eval\": {\"loss\": 3.0}}\n");
        const ProcessResult r =
            runCli({"import", path, "--map", "params=model.n", "--map", "experts=model.e", "--map",
                    "active_experts=model.k", "--map", "loss=eval.loss", "--json"});
        QCOMPARE(r.exitCode, 0);
        const Json j = parseJson(r.out);
        QCOMPARE(j["format"].string(), std::string("jsonl"));
        QCOMPARE(j["rows_included"].number(), 2.0);
    }

    void importJsonShape() {
        const QString path =
            writeFile(dir_, "s.csv", "num_experts,top_k,n_params,val_loss,compute\n8,2,1e8,3.0,1e19\n");
        const ProcessResult r = runCli({"import", path, "--json"});
        QCOMPARE(r.exitCode, 0);
        const Json j = parseJson(r.out);
        QCOMPARE(j["rows_read"].number(), 1.0);
        QCOMPARE(j["rows_valid"].number(), 1.0);
        QCOMPARE(j["rows_invalid"].number(), 0.0);
        QVERIFY(j["errors"].isArray());
        QCOMPARE(QString::fromStdString(j["mapping"]["experts"].string()), QString("num_experts"));
        QCOMPARE(QString::fromStdString(j["mapping"]["active_experts"].string()), QString("top_k"));
        QCOMPARE(QString::fromStdString(j["mapping"]["params"].string()), QString("n_params"));
        QCOMPARE(QString::fromStdString(j["mapping"]["loss"].string()), QString("val_loss"));
        QCOMPARE(QString::fromStdString(j["mapping"]["flops"].string()), QString("compute"));
        QVERIFY2(r.err.contains("mapping:"), "the mapping is always reported");
    }

    void isoflopFitJsonShape() {
        SyntheticSweepSpec spec;
        spec.budgets = {1e19, 1e20};
        const QString path =
            writeFile(dir_, "sweep.csv", QByteArray::fromStdString(runTableToCsv(makeSyntheticSweep(spec))));
        ProcessResult r =
            runCli({"fit", path, "--law", "isoflop", "--budget", "1e20", "--bootstrap", "20", "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const Json j = parseJson(r.out);
        QCOMPARE(QString::fromStdString(j["law"].string()), QString("isoflop"));
        QCOMPARE(j["budget"].number(), 1e20);
        QCOMPARE(int(j["degrees"].size()), 3);
        for (const char* k : {"n", "mse", "pearson", "heldout"})
            QVERIFY2(j["metrics"].find(k), k);
        for (const char* k : {"params", "sparsity", "active_params", "loss"})
            QVERIFY2(j["optimum"].find(k), k);
        QVERIFY(j["s_star"].size() > 0);
        QCOMPARE(int(j["n_star"].size()), 7);
        const Json& first = j["n_star"].at(0);
        for (const char* k : {"sparsity", "params", "active_params", "loss"})
            QVERIFY2(first.find(k), k);

        r = runCli({"fit", path, "--law", "isoflop", "--budget", "5e22"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--budget 5e22: no such budget"), qPrintable(r.err));
        r = runCli({"fit", path, "--law", "isoflop", "--budget", "1e20", "--degrees", "9,1,1"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("option --degrees"), qPrintable(r.err));
    }

    void parametricFitJsonShape() {
        SyntheticSweepSpec spec;
        spec.budgets = {1e18, 1e19, 1e20};
        const QString path =
            writeFile(dir_, "law.csv", QByteArray::fromStdString(runTableToCsv(makeSyntheticSweep(spec))));
        ProcessResult r = runCli({"fit", path, "--law", "abnar", "--starts", "fast", "--bootstrap", "8",
                                  "--holdout", "sparsity>0.98", "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const Json j = parseJson(r.out);
        QCOMPARE(QString::fromStdString(j["law"].string()), QString("abnar"));
        for (const char* k : {"a", "b", "c", "d", "e", "alpha", "beta", "lambda", "delta", "gamma"}) {
            QVERIFY2(j["params"].find(k), k);
            QCOMPARE(int(j["ci95"][k].size()), 2);
        }
        for (const char* k : {"n", "mse", "rmse", "r2", "heldout"})
            QVERIFY2(j["metrics"].find(k), k);
        QVERIFY(j["metrics"]["heldout"]["n"].number() > 0);
        QCOMPARE(j["starts"].number(), 65.0);
        QVERIFY(j["objective"].number() > 0 && j["seconds"].number() > 0);

        r = runCli({"fit", path, "--law", "chinchilla", "--starts", "20", "--json"});
        QCOMPARE(r.exitCode, 0);
        const Json c = parseJson(r.out);
        for (const char* k : {"E", "A", "B", "alpha", "beta"})
            QVERIFY2(c["params"].find(k), k);

        r = runCli({"fit", path, "--law", "kaplan"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("unknown law 'kaplan'"), qPrintable(r.err));
        r = runCli({"fit", path, "--law", "abnar", "--holdout", "sparsty==1"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("option --holdout"), qPrintable(r.err));
    }

    void suggestJsonShape() {
        SyntheticSweepSpec spec;
        spec.budgets = {1e20};
        const QString path = writeFile(dir_, "suggest.csv",
                                       QByteArray::fromStdString(runTableToCsv(makeSyntheticSweep(spec))));
        ProcessResult r = runCli({"suggest", path, "--budget", "1e20", "--count", "3", "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const Json j = parseJson(r.out);
        QCOMPARE(int(j["suggestions"].size()), 3);
        for (const Json& s : j["suggestions"].items()) {
            for (const char* k :
                 {"d_model", "n_layers", "n_heads", "experts", "active_experts", "granularity", "params",
                  "active_params", "sparsity", "tokens", "flops", "predicted_loss", "gpu_hours", "lr",
                  "batch_tokens", "warmup_steps", "hparams_source"})
                QVERIFY2(s.find(k), k);
            QVERIFY(std::fabs(s["flops"].number() / 1e20 - 1) < 0.01);
            // The synthetic runs carry no learning rate: Step Law, the default preset, says it.
            QVERIFY(s["lr"].number() > 0 && s["lr"].number() <= 3e-3);
            QVERIFY(s["hparams_source"].string().find("Step Law") != std::string::npos);
        }
        // A Slurm array of the suggestions trains each at the rate, batch and warm-up the JSON gives it.
        const QString script = dir_.filePath("suggest.sh");
        r = runCli({"suggest", path, "--budget", "1e20", "--count", "3", "--slurm", script, "--shared-dir",
                    "/scratch/s"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QFile f(script);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(f.readAll());
        for (const Json& s : j["suggestions"].items())
            QVERIFY2(
                text.contains(
                    QString("'--lr' '%1'").arg(QString::fromStdString(formatNumber(s["lr"].number())))) &&
                    text.contains(QString("'--warmup' '%1'").arg(s["warmup_steps"].number())),
                qPrintable(text));
        r = runCli({"suggest", path, "--budget", "3e21"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("option --budget"), qPrintable(r.err));
    }

    void optimumJsonShape() {
        ProcessResult r =
            runCli({"optimum", "--preset", "abnar", "--budget", "1e20", "--max-params", "5e9", "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const Json j = parseJson(r.out);
        for (const char* k : {"d_model", "n_layers", "n_heads", "experts", "active_experts", "granularity",
                              "params", "active_params", "sparsity", "tokens", "flops", "predicted_loss"})
            QVERIFY2(j.find(k), k);
        QVERIFY(j["params"].number() <= 5e9);
        QVERIFY(std::fabs(j["flops"].number() / 1e20 - 1) < 0.01);
        r = runCli({"optimum", "--preset", "abnar", "--budget", "1e20", "--max-params", "1e3"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--max-params"), qPrintable(r.err));
        r = runCli({"optimum", "--budget", "1e20"});
        QCOMPARE(r.exitCode, 2);
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
