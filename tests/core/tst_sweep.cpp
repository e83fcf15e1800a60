// Calibration sweeps end to end: `plan-sweep` spends each budget with concrete models spread around the
// optimum (checked against core/model's accounting and against `predict` and `optimum`), and `run-sweep`
// trains a plan with moescope-train, stops and resumes without retraining finished runs, and lands the
// results as a group of their own.
#include "core/io/Json.h"
#include "core/io/RunImporter.h"
#include "core/jobs/SweepJobs.h"
#include "core/model/Accounting.h"
#include "core/model/RunFilter.h"
#include "core/model/RunSelection.h"
#include "core/store/Workspace.h"
#include "tests/support/TestSupport.h"

#include <QFileInfo>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

using namespace moescope;
using namespace moescope::test;

#ifndef MOESCOPE_TRAIN
#define MOESCOPE_TRAIN "" // a build without the trainer: the run-sweep cases skip
#endif

#define REQUIRE_TRAINER()                                                                                    \
    if (QString(MOESCOPE_TRAIN).isEmpty()) QSKIP("built without moescope-train")

namespace {
Json parse(const QString& text) {
    Json j;
    std::string error;
    if (!Json::parse(text.toStdString(), j, error)) qFatal("not JSON: %s", error.c_str());
    return j;
}

QString read(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QString::fromUtf8(f.readAll());
}
} // namespace

class TestSweep : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString corpus_;

    // A three-run plan of tiny models that train in seconds.
    QString tinyPlan(const QString& name) {
        const QString plan = dir_.filePath(name + ".json");
        const ProcessResult r =
            runCli({"plan-sweep", "--budgets", "3e9", "--sparsities", "0", "--sizes", "3", "--vocab", "256",
                    "--ctx", "32", "--batch", "4", "--min-steps", "5", "--out", plan});
        if (r.exitCode != 0) qFatal("plan-sweep failed: %s", qPrintable(r.err));
        return plan;
    }

    ProcessResult runSweep(const QString& plan, const QString& out, const QStringList& extra = {},
                           const QString& trainArgs = {}) {
        return runProgram(MOESCOPE_CLI,
                          QStringList{"run-sweep", plan, "--out", out, "--trainer", MOESCOPE_TRAIN, "--data",
                                      corpus_, "--threads", "1", "--train-args",
                                      "--eval-every 100000 --eval-batches 2 " + trainArgs} +
                              extra,
                          600000);
    }

private slots:
    void initTestCase() { corpus_ = writeFile(dir_, "corpus.txt", projectSourceText()); }

    void planSpendsEveryBudget() {
        const ProcessResult r = runCli({"plan-sweep", "--budgets", "1e12,3e12,1e13", "--sparsities", "0,0.75",
                                        "--sizes", "5", "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const Json plan = parse(r.out);
        QCOMPARE(int(plan["runs"].size()), 30);
        std::map<std::pair<double, double>, std::vector<double>> sizes;
        for (const Json& run : plan["runs"].items()) {
            Architecture a;
            a.d_model = run["d_model"].number();
            a.n_layers = run["n_layers"].number();
            a.experts = run["experts"].number();
            a.active_experts = run["active_experts"].number();
            a.granularity = run["granularity"].number();
            a.ctx = run["ctx"].number();
            a.vocab = run["vocab"].number();
            // The accounting of core/model, not the plan's own numbers: 6·N_a·D with D in whole steps.
            const double tokens = run["steps"].number() * run["batch"].number() * a.ctx;
            QCOMPARE(run["tokens"].number(), tokens);
            const double spent = 6 * activeParams(a) * tokens;
            QVERIFY2(
                std::fabs(spent / run["budget"].number() - 1) <= 0.05,
                qPrintable(QString::fromStdString(run["name"].string()) + QString(": spends %1").arg(spent)));
            QCOMPARE(sparsityOf(a.experts, a.active_experts), run["sparsity"].number());
            QVERIFY(int(a.d_model) % int(run["n_heads"].number()) == 0);
            QVERIFY(run["estimated_seconds"].number() > 0);
            QCOMPARE(QString::fromStdString(run["device"].string()), QString("cpu"));
            sizes[{run["budget"].number(), run["sparsity"].number()}].push_back(totalParams(a));
        }
        QCOMPARE(int(sizes.size()), 6);
        for (const auto& [key, ns] : sizes) {
            // Five distinct sizes, ascending, spanning about ±0.7 decades around the centre.
            QCOMPARE(int(ns.size()), 5);
            for (size_t i = 1; i < ns.size(); ++i)
                QVERIFY(ns[i] > ns[i - 1]);
            const double span = std::log10(ns.back() / ns.front());
            QVERIFY2(span > 1.0 && span < 1.8, qPrintable(QString("span %1 decades").arg(span)));
        }
        QVERIFY(plan["total_seconds"].number() > 0);
    }

    void planAroundRunsCentresOnTheirFrontier() {
        const QString sample = MOESCOPE_SOURCE_DIR "/datasets/sample_sweep.csv";
        const ProcessResult plan = runCli({"plan-sweep", "--budgets", "3e20", "--sparsities", "0.5",
                                           "--sizes", "5", "--around", sample, "--law", "isoflop", "--json"});
        QVERIFY2(plan.exitCode == 0, qPrintable(plan.err));
        const ProcessResult predict = runCli(
            {"predict", sample, "--budget", "3e20", "--sparsity", "0.5", "--law", "isoflop", "--json"});
        QVERIFY2(predict.exitCode == 0, qPrintable(predict.err));
        const double nStar = parse(predict.out)["n_star"].number();
        const Json runs = parse(plan.out)["runs"];
        QCOMPARE(int(runs.size()), 5);
        QCOMPARE(runs.at(0)["centre_params"].number(), nStar);
        // The sweep trains the runs' own family (vocab, ctx), and its middle size is the nearest model to N*.
        QCOMPARE(runs.at(2)["vocab"].number(), 32000.0);
        QVERIFY(std::fabs(std::log(runs.at(2)["params"].number() / nStar)) < std::log(1.3));
        QVERIFY(runs.at(0)["params"].number() < nStar && runs.at(4)["params"].number() > nStar);
    }

    void planAroundAPresetCentresOnItsOptimum() {
        const QStringList family = {"--vocab", "32000", "--ctx", "2048", "--aspect", "128"};
        const ProcessResult plan = runCli(QStringList{"plan-sweep", "--budgets", "1e21", "--sizes", "1",
                                                      "--preset", "chinchilla", "--json"} +
                                          family);
        QVERIFY2(plan.exitCode == 0, qPrintable(plan.err));
        const ProcessResult opt =
            runCli(QStringList{"optimum", "--preset", "chinchilla", "--budget", "1e21", "--json"} + family);
        QVERIFY2(opt.exitCode == 0, qPrintable(opt.err));
        const double planned = parse(plan.out)["runs"].at(0)["centre_params"].number();
        const double optimum = parse(opt.out)["continuous"]["params"].number();
        QVERIFY2(std::fabs(std::log(planned / optimum)) < std::log(1.1),
                 qPrintable(QString("centre %1 vs optimum %2").arg(planned).arg(optimum)));
    }

    void badRequestsExitTwoNamingTheOption_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("named");
        QTest::newRow("budget not a number") << QStringList{"--budgets", "1e12,abc"} << "--budgets";
        QTest::newRow("no budget") << QStringList{"--sizes", "3"} << "--budgets";
        QTest::newRow("sparsity of one")
            << QStringList{"--budgets", "1e12", "--sparsities", "1"} << "--sparsities";
        QTest::newRow("no sizes") << QStringList{"--budgets", "1e12", "--sizes", "0"} << "--sizes";
        QTest::newRow("law without tokens")
            << QStringList{"--budgets", "1e12", "--preset", "clark"} << "--preset";
        QTest::newRow("unknown preset") << QStringList{"--budgets", "1e12", "--preset", "nope"} << "--preset";
        QTest::newRow("slurm without folder")
            << QStringList{"--budgets", "1e12", "--slurm", "x.sh"} << "--slurm";
        QTest::newRow("ladder of one")
            << QStringList{"--budgets", "1e12", "--lr-ladder", "1"} << "--lr-ladder";
        QTest::newRow("ladder factor below one")
            << QStringList{"--budgets", "1e12", "--lr-ladder", "3", "--ladder-factor", "0.5"}
            << "--ladder-factor";
        QTest::newRow("decay without wsd")
            << QStringList{"--budgets", "1e12", "--decay-frac", "0.1"} << "--decay-frac";
        QTest::newRow("cooldown of everything")
            << QStringList{"--budgets", "1e12", "--wsd", "--decay-frac", "1"} << "--decay-frac";
        QTest::newRow("slurm cannot order branches")
            << QStringList{"--budgets", "1e12,2e12", "--wsd", "--slurm", "x.sh", "--shared-dir", "/s"}
            << "--slurm";
    }
    void badRequestsExitTwoNamingTheOption() {
        QFETCH(QStringList, args);
        QFETCH(QString, named);
        const ProcessResult r = runCli(QStringList{"plan-sweep"} + args);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(named), qPrintable(r.err));
    }

    void slurmExportRunsDataParallelTasks() {
        const QString script = dir_.filePath("sweep.sh");
        const ProcessResult r =
            runCli({"plan-sweep", "--budgets", "1e15", "--sizes", "2", "--device", "cuda", "--slurm", script,
                    "--shared-dir", "/scratch/sweep", "--gpus-per-task", "4"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const QString text = read(script);
        QVERIFY(text.contains("#SBATCH --gpus-per-task=\"4\""));
        QVERIFY(!text.contains("--gres=gpu:1"));
        QVERIFY(text.contains(" --nproc 4 "));
        QVERIFY(text.contains("#SBATCH --array=0-1"));
    }

    void queueLandsInTheWorkspace() {
        const QString ws = dir_.filePath("queue.moescope");
        {
            Workspace w;
            std::string error;
            QVERIFY(w.open(ws.toStdString(), error));
        }
        const ProcessResult r = runCli({"plan-sweep", "--budgets", "1e12", "--sizes", "3", "--queue", ws});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        Workspace w;
        std::string error;
        QVERIFY(w.open(ws.toStdString(), error, Workspace::Mode::Existing));
        const auto jobs = w.jobs();
        QCOMPARE(int(jobs.size()), 3);
        for (const auto& j : jobs) {
            QCOMPARE(QString::fromStdString(j.status), QString("queued"));
            QVERIFY(parse(QString::fromStdString(j.configJson))["steps"].number() > 0);
            QCOMPARE(QString::fromStdString(parse(QString::fromStdString(j.configJson))["sweep"].string()),
                     QString("sweep"));
        }
    }

    void stoppedSweepResumesWithoutRetraining() {
        REQUIRE_TRAINER();
        const QString plan = tinyPlan("resume"), out = dir_.filePath("resume-out");
        const ProcessResult first = runSweep(plan, out, {"--stop-after", "1", "--json"});
        QVERIFY2(first.exitCode == 0, qPrintable(first.err));
        QCOMPARE(parse(first.out)["done"].number(), 1.0);
        const Json planJson = parse(read(plan));
        const QString firstRun = out + "/" + QString::fromStdString(planJson["runs"].at(0)["name"].string());
        const QString firstResult = read(firstRun + "/result.json");
        QVERIFY(!firstResult.isEmpty());
        const QDateTime firstTime = QFileInfo(firstRun + "/result.json").lastModified();

        // The second run of the plan stops mid-way with a checkpoint, as a killed sweep would.
        const ProcessResult second = runSweep(plan, out, {}, "--stop-at 3");
        QCOMPARE(second.exitCode, 130);
        QVERIFY(second.err.contains("1 of 3 run(s) already done"));
        const QString secondRun = out + "/" + QString::fromStdString(planJson["runs"].at(1)["name"].string());
        QVERIFY(QFile::exists(secondRun + "/checkpoint.pt"));
        QVERIFY(!QFile::exists(secondRun + "/result.json"));

        const ProcessResult third = runSweep(plan, out, {"--json"});
        QVERIFY2(third.exitCode == 0, qPrintable(third.err));
        QVERIFY(third.err.contains("(resuming)"));
        const Json summary = parse(third.out);
        QCOMPARE(summary["done"].number(), 3.0);
        QCOMPARE(int(summary["trained"].size()), 2); // the finished run was not trained again
        QCOMPARE(read(firstRun + "/result.json"), firstResult);
        QCOMPARE(QFileInfo(firstRun + "/result.json").lastModified(), firstTime);

        // The results: one table, one group, that imports as three runs.
        const QString csv = out + "/runs.csv";
        const QStringList lines = read(csv).split('\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 4);
        QVERIFY(lines[0].endsWith(",group"));
        for (int i = 1; i < lines.size(); ++i)
            QVERIFY(lines[i].endsWith(",resume"));
        const ProcessResult imported = runCli({"import", csv, "--json"});
        QVERIFY2(imported.exitCode == 0, qPrintable(imported.err));
        QCOMPARE(parse(imported.out)["rows_included"].number(), 3.0);
    }

    // Whole layers come back from d / (d / L) a rounding error off L; the plan must still read back (it once
    // wrote 6.9999999999999991 layers, which the trainer's reader rightly refuses).
    void everyPlannedRunHasWholeLayersAndReadsBack() {
        const QString plan = dir_.filePath("whole-layers.json");
        const ProcessResult r =
            runCli({"plan-sweep", "--budgets", "1e15,2e15,4e15", "--sparsities", "0,0.5,0.75", "--sizes", "5",
                    "--vocab", "8192", "--ctx", "512", "--device", "cuda", "--out", plan});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const Json doc = parse(read(plan));
        for (const Json& run : doc["runs"].items())
            QVERIFY(run["n_layers"].number() == std::round(run["n_layers"].number()));
        std::vector<SweepJob> jobs;
        std::string error;
        QVERIFY2(readSweepPlan(plan.toStdString(), jobs, error), error.c_str());
        QCOMPARE(jobs.size(), doc["runs"].size());
    }

    // A sweep trained across two leases of a machine that sees neither the sweep's folder nor this one's
    // (scripts/sweep_lease.py): each lease trains what --lease-jobs lists from a fresh folder and packs the
    // results; collected here they make the same sweep run-sweep trains, loss for loss.
    void aSweepTrainsAcrossLeasesAsRunSweepWould() {
        REQUIRE_TRAINER();
        const QString plan = tinyPlan("lease"), here = dir_.filePath("lease-here");
        const QString jobs = dir_.filePath("lease-jobs.json"), pack = dir_.filePath("lease-pack.tar.gz");
        const QString script = MOESCOPE_SOURCE_DIR "/scripts/sweep_lease.py";
        const QString trainArgs = "--eval-every 100000 --eval-batches 2";
        auto listJobs = [&] {
            const ProcessResult r = runCli({"run-sweep", plan, "--out", here, "--lease-jobs", jobs,
                                            "--train-args", trainArgs, "--json"});
            if (r.exitCode != 0) qFatal("run-sweep --lease-jobs failed: %s", qPrintable(r.err));
            return parse(r.out);
        };
        // What went wrong, or empty. The trainer is named relative to here, as gpu_job.sh names its build's:
        // the runs train in the lease's folder, where such a path would name nothing.
        const QString trainer = QDir::current().relativeFilePath(MOESCOPE_TRAIN);
        auto lease = [&](const QString& work, const QStringList& extra) -> QString {
            const ProcessResult t =
                runProgram("python3",
                           QStringList{script, "train", jobs, "--trainer", trainer, "--work", work, "--pack",
                                       pack, "--data", corpus_, "--threads", "1"} +
                               extra,
                           600000);
            if (t.exitCode != 0) return "train: " + t.err + t.out;
            const ProcessResult c = runProgram("python3", {script, "collect", pack, "--into", here});
            return c.exitCode == 0 ? QString() : "collect: " + c.err + c.out;
        };
        Json listed = listJobs();
        QCOMPARE(listed["listed"].number(), 3.0);
        QString failed = lease(dir_.filePath("lease-device-1"), {"--max-runs", "2"});
        QVERIFY2(failed.isEmpty(), qPrintable(failed));
        listed = listJobs();
        QCOMPARE(listed["done"].number(), 2.0);
        QCOMPARE(listed["listed"].number(), 1.0);
        failed = lease(dir_.filePath("lease-device-2"), {});
        QVERIFY2(failed.isEmpty(), qPrintable(failed));
        listed = listJobs();
        QCOMPARE(listed["done"].number(), 3.0);
        QCOMPARE(listed["listed"].number(), 0.0);
        QCOMPARE(read(here + "/runs.csv").split('\n', Qt::SkipEmptyParts).size(), 4);

        const QString local = dir_.filePath("lease-local");
        QCOMPARE(runSweep(plan, local).exitCode, 0);
        const Json planJson = parse(read(plan));
        for (size_t i = 0; i < planJson["runs"].size(); ++i) {
            const QString name = QString::fromStdString(planJson["runs"].at(i)["name"].string());
            const Json leased = parse(read(here + "/" + name + "/result.json"));
            const Json trained = parse(read(local + "/" + name + "/result.json"));
            QVERIFY(leased["loss"].isNumber());
            QCOMPARE(leased["loss"].number(), trained["loss"].number());
            QCOMPARE(leased["flops_eq9"].number(), trained["flops_eq9"].number());
        }
    }

    // What a lease reads is untrusted: a job list naming a path or setting the lease's own options, and a
    // pack with a member outside a run's folder, are refused whole with the job or member named; a plan
    // whose branches need a checkpoint that does not travel back is refused by --lease-jobs.
    void leaseFilesAreCheckedBeforeAnythingRuns() {
        const QString script = MOESCOPE_SOURCE_DIR "/scripts/sweep_lease.py";
        const QString work = dir_.filePath("hostile-work");
        auto train = [&](const QString& jobsText) {
            const QString jobs = writeFile(dir_, "hostile-jobs.json", jobsText.toUtf8());
            return runProgram("python3", {script, "train", jobs, "--trainer", "/bin/false", "--work", work,
                                          "--pack", dir_.filePath("hostile.tar.gz")});
        };
        const QString head = R"({"format": "moescope-lease-jobs", "version": 1, "jobs": [)";
        const ProcessResult escape =
            train(head + R"({"name": "../up", "flops": 1, "args": ["--out", "./../up"]}]})");
        QCOMPARE(escape.exitCode, 2);
        QVERIFY2(escape.err.contains("job 1") && escape.err.contains("'name' is not a folder name"),
                 qPrintable(escape.err));
        const ProcessResult option =
            train(head + R"({"name": "a", "flops": 1, "args": ["--out", "./a", "--data", "/etc/passwd"]}]})");
        QCOMPARE(option.exitCode, 2);
        QVERIFY2(option.err.contains("--data is set by the lease"), qPrintable(option.err));
        const ProcessResult deep = train(QString(100000, '[') + QString(100000, ']'));
        QCOMPARE(deep.exitCode, 2);
        QVERIFY(!QDir(work + "/a").exists());
        const ProcessResult noTrainer =
            runProgram("python3", {script, "train", writeFile(dir_, "fine-jobs.json", (head + "]}").toUtf8()),
                                   "--trainer", "no/such/moescope-train", "--work", work, "--pack",
                                   dir_.filePath("hostile.tar.gz")});
        QCOMPARE(noTrainer.exitCode, 2);
        QVERIFY2(noTrainer.err.contains("option --trainer"), qPrintable(noTrainer.err));
        // A run that fails is said in the exit code, and the pack is still written (with what finished).
        const ProcessResult failing =
            train(head + R"({"name": "a", "flops": 1, "args": ["--out", "./a"]}]})");
        QCOMPARE(failing.exitCode, 1);
        QVERIFY2(failing.out.contains("failed (exit 1)"), qPrintable(failing.out));
        QVERIFY(QFile::exists(dir_.filePath("hostile.tar.gz")));

        // A pack whose member climbs out of its run's folder.
        const QString evil = dir_.filePath("evil.tar.gz");
        const ProcessResult made =
            runProgram("python3", {"-c",
                                   "import io, sys, tarfile\n"
                                   "t = tarfile.open(sys.argv[1], 'w:gz')\n"
                                   "i = tarfile.TarInfo('../outside/result.json'); i.size = 2\n"
                                   "t.addfile(i, io.BytesIO(b'{}'))\n"
                                   "t.close()\n",
                                   evil});
        QCOMPARE(made.exitCode, 0);
        const ProcessResult collected =
            runProgram("python3", {script, "collect", evil, "--into", dir_.filePath("evil-into")});
        QCOMPARE(collected.exitCode, 2);
        QVERIFY2(collected.err.contains("../outside/result.json"), qPrintable(collected.err));
        QVERIFY(!QFile::exists(dir_.filePath("outside/result.json")));

        const QString wsd = dir_.filePath("lease-wsd.json");
        QCOMPARE(
            runCli(QStringList{"plan-sweep"} + tinyWsdPlanOptions() + QStringList{"--out", wsd}).exitCode, 0);
        const ProcessResult refused = runCli({"run-sweep", wsd, "--out", dir_.filePath("lease-wsd"),
                                              "--lease-jobs", dir_.filePath("wsd-jobs.json")});
        QCOMPARE(refused.exitCode, 2);
        QVERIFY2(refused.err.contains("--lease-jobs") && refused.err.contains("without --wsd"),
                 qPrintable(refused.err));
        const ProcessResult data =
            runCli({"run-sweep", wsd, "--out", dir_.filePath("lease-wsd"), "--lease-jobs",
                    dir_.filePath("wsd-jobs.json"), "--data", corpus_});
        QCOMPARE(data.exitCode, 2);
        QVERIFY2(data.err.contains("option --data"), qPrintable(data.err));
        QVERIFY(!QDir(dir_.filePath("lease-wsd")).exists()); // refused before the sweep's folder is made
    }

    void anotherPlanInTheSameFolderIsRefused() {
        REQUIRE_TRAINER();
        const QString out = dir_.filePath("mixed");
        QCOMPARE(runSweep(tinyPlan("first"), out, {"--stop-after", "1"}).exitCode, 0);
        const QString other = dir_.filePath("other.json");
        QVERIFY(runCli({"plan-sweep", "--budgets", "5e9", "--sizes", "2", "--vocab", "256", "--ctx", "32",
                        "--out", other})
                    .exitCode == 0);
        const ProcessResult r = runSweep(other, out);
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains("another plan"));
    }

    void shippedCalibrationSweepFits() {
        // datasets/calibration_cpu.csv: trained by moescope-train on a 2-core CPU (its card has the recipe).
        const QString csv = MOESCOPE_SOURCE_DIR "/datasets/calibration_cpu.csv";
        const ImportResult imported = importRunsFile(csv.toStdString(), {});
        QVERIFY(imported.ok());
        std::set<double> budgets, sparsities;
        for (const Run& r : imported.table.runs) {
            QVERIFY(!r.excluded);
            budgets.insert(r.get(Field::Budget));
            sparsities.insert(r.get(Field::Sparsity));
            QCOMPARE(QString::fromStdString(runGroup(imported.table, r)), QString("calibration"));
            // Each spent its budget (6·N_a·D, D in whole steps).
            QVERIFY(std::fabs(r.get(Field::Flops) / r.get(Field::Budget) - 1) <= 0.05);
        }
        QVERIFY(imported.table.runs.size() >= 20);
        QVERIFY(budgets.size() >= 3);
        QVERIFY(sparsities.size() >= 2);
        const ProcessResult fit = runCli({"fit", csv, "--law", "isoflop", "--json"});
        QVERIFY2(fit.exitCode == 0, qPrintable(fit.err));
        QVERIFY(parse(fit.out)["budgets"].size() >= 3);
    }

    // The isoFLOP optimum N* per sparsity at each budget of a sweep, by `fit --law isoflop --json`.
    std::map<std::pair<double, double>, double> optima(const QString& csv) {
        const ProcessResult fit = runCli({"fit", csv, "--law", "isoflop", "--json"});
        if (fit.exitCode != 0) qFatal("fit failed: %s", qPrintable(fit.err));
        std::map<std::pair<double, double>, double> out;
        // Held by name: a range over a temporary's member would dangle.
        const Json doc = parse(fit.out);
        const Json budgets = doc["budgets"];
        for (const Json& b : budgets.items()) {
            const Json levels = b["n_star"];
            for (const Json& level : levels.items())
                out[{b["budget"].number(), level["sparsity"].number()}] = level["params"].number();
        }
        return out;
    }

    void shippedWsdSweepBranchesForHalfTheComputeAndAgrees() {
        // datasets/calibration_cpu_wsd.csv: stable runs with cooldown branches and learning-rate ladders
        // (its card has the recipe and the comparison).
        const QString csv = MOESCOPE_SOURCE_DIR "/datasets/calibration_cpu_wsd.csv";
        const ImportResult imported = importRunsFile(csv.toStdString(), {});
        QVERIFY(imported.ok());
        const RunTable& t = imported.table;
        std::map<std::string, const Run*> byName;
        std::set<double> budgets;
        double trained = 0, independent = 0;
        int branches = 0, notBest = 0;
        for (const Run& r : t.runs) {
            const auto lookup = runLookup(t, r);
            byName[lookup("name")->text] = &r;
            budgets.insert(r.get(Field::Budget));
            trained += lookup("trained_flops")->number;
            // Independent runs train each point once: a ladder's best stands for its point.
            if (r.excluded) {
                QVERIFY(r.excludedWhy.str().rfind(kNotBestReason, 0) == 0);
                ++notBest;
            } else {
                independent += r.get(Field::Flops);
            }
        }
        QCOMPARE(notBest, 18); // 9 ladders of 3 rates, their best kept
        for (const Run& r : t.runs) {
            const auto lookup = runLookup(t, r);
            if (lookup("parent")->text.empty()) continue;
            ++branches;
            // A branch's parent is a run of the file: the same model, longer, trained at the same rate.
            const Run* parent = byName.at(lookup("parent")->text);
            for (Field f : {Field::DModel, Field::NLayers, Field::Experts})
                QCOMPARE(parent->get(f), r.get(f));
            QVERIFY(parent->get(Field::Tokens) > r.get(Field::Tokens));
            QCOMPARE(runLookup(t, *parent)("lr")->number, lookup("lr")->number);
        }
        QVERIFY(branches >= 50);
        // Planned for branching: budgets at most ×2 apart; and half the compute of independent runs or less.
        for (auto it = std::next(budgets.begin()); it != budgets.end(); ++it)
            QVERIFY2(*it / *std::prev(it) <= 2.0001, qPrintable(QString::number(*it)));
        QVERIFY2(trained <= 0.5 * independent, qPrintable(QString("%1 of %2").arg(trained).arg(independent)));
        // Its isoFLOP optima against independent cosine runs of the same points at the same rates
        // (datasets/calibration_cpu_cosine.csv): within 25 % at every budget and sparsity both fit.
        const auto wsd = optima(csv),
                   cosine = optima(MOESCOPE_SOURCE_DIR "/datasets/calibration_cpu_cosine.csv");
        int compared = 0;
        for (const auto& [key, n] : cosine) {
            QVERIFY(wsd.count(key));
            QVERIFY2(std::fabs(wsd.at(key) / n - 1) <= 0.25,
                     qPrintable(QString("C %1 S %2: N* %3 (WSD) vs %4 (cosine)")
                                    .arg(key.first)
                                    .arg(key.second)
                                    .arg(wsd.at(key))
                                    .arg(n)));
            ++compared;
        }
        QVERIFY(compared >= 4);
    }

    // Every planned run says how to train it: a learning rate and warm-up from the --hparams preset (the
    // source names it), which the trainer's arguments carry; a plan's rate out of range is refused.
    void planSaysHowToTrainEachRun() {
        const ProcessResult r = runCli({"plan-sweep", "--budgets", "1e17", "--sizes", "3", "--vocab", "32000",
                                        "--ctx", "512", "--hparams", "deepseek", "--batch", "law", "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const Json plan = parse(r.out);
        std::vector<SweepJob> jobs;
        std::string error;
        QVERIFY2(sweepJobsFromJson(plan["runs"], "plan", jobs, error), error.c_str());
        for (size_t i = 0; i < jobs.size(); ++i) {
            const Json& run = plan["runs"].at(i);
            // DeepSeek's laws in their C: non-embedding FLOPs per token × D, the output projection left out.
            Architecture a;
            a.d_model = run["d_model"].number(), a.n_layers = run["n_layers"].number();
            a.experts = run["experts"].number(), a.active_experts = run["active_experts"].number();
            a.ctx = 512, a.vocab = 32000;
            const double c = 6 * (activeParams(a) - a.vocab * a.d_model) * run["tokens"].number();
            const double law = std::min(0.3118 * std::pow(c, -0.125), 3e-3); // capped above 3e-3
            QVERIFY2(std::fabs(run["lr"].number() / law - 1) < 0.01,
                     qPrintable(QString("lr %1 vs %2").arg(run["lr"].number()).arg(law)));
            QVERIFY(run["hparams_source"].string().find("2401.02954") != std::string::npos);
            // --batch law: the sequences closest to 0.2920·C^0.3271 tokens, halved where the run would
            // otherwise have fewer than 100 steps.
            const double advised = std::max(1.0, std::round(0.2920 * std::pow(c, 0.3271) / 512));
            const double batch = run["batch"].number();
            QVERIFY2(std::fabs(batch - advised) <= 1 || (batch < advised && run["steps"].number() < 250),
                     qPrintable(QString("batch %1 vs %2").arg(batch).arg(advised)));
            const auto& extra = jobs[i].job.extra;
            const auto lr = std::find(extra.begin(), extra.end(), "--lr");
            QVERIFY(lr != extra.end() && std::fabs(std::stod(*(lr + 1)) - run["lr"].number()) < 1e-12);
            QVERIFY(std::find(extra.begin(), extra.end(), "--warmup") != extra.end());
        }
        Json bad = plan["runs"];
        Json first = bad.at(0);
        first.set("lr", 50.0);
        Json list = Json::array();
        list.push(first);
        QVERIFY(!sweepJobsFromJson(list, "plan", jobs, error));
        QVERIFY2(error.find("field 'lr'") != std::string::npos, error.c_str());
        QCOMPARE(runCli({"plan-sweep", "--budgets", "1e12", "--hparams", "kaplan"}).exitCode, 2);
    }

    // A tiny stable-and-cooldown plan with learning-rate ladders: budgets 1.5× apart, sizes a grid they
    // share.
    Json wsdPlan(const QString& path) {
        const ProcessResult r =
            runCli(QStringList{"plan-sweep"} + tinyWsdPlanOptions() + QStringList{"--out", path, "--json"});
        if (r.exitCode != 0) qFatal("plan-sweep --wsd failed: %s", qPrintable(r.err));
        return parse(r.out);
    }

    void wsdPlanBranchesEachSizeFromOneStableRun() {
        const Json plan = wsdPlan(dir_.filePath("wsd-plan.json"));
        std::map<std::string, Json> byName;
        for (const Json& r : plan["runs"].items())
            byName[r["name"].string()] = r;
        int branches = 0, ladders = 0;
        double trained = 0, independent = 0;
        bool seenBranch = false;
        for (const Json& r : plan["runs"].items()) {
            const double steps = r["steps"].number(), perStep = r["flops"].number() / steps;
            QCOMPARE(r["schedule"].string(), std::string("wsd"));
            if (r.find("ladder")) {
                ++ladders;
                QVERIFY2(!seenBranch, "a ladder run after a branch: the transfers could not wait for it");
                QCOMPARE(r["budget"].number(), 2e9);
                independent += r["flops"].number() / 3;
            } else {
                independent += r["flops"].number();
                QCOMPARE(r["lr_from"].string(), std::string("ladder"));
            }
            if (!r.find("branch_from")) {
                trained += r["flops"].number();
                continue;
            }
            seenBranch = true;
            ++branches;
            // The parent: a run of the plan with the same model, longer, keeping this branch's step; the
            // branch starts where its own 20 % cooldown starts and shares the parent's rate and warm-up.
            const Json& parent = byName.at(r["branch_from"].string());
            for (const char* key :
                 {"d_model", "n_layers", "experts", "sparsity", "batch", "lr", "warmup_steps"})
                QCOMPARE(parent[key].number(), r[key].number());
            QVERIFY(parent["steps"].number() > steps);
            QVERIFY(!parent.find("branch_from"));
            const double at = r["branch_at"].number();
            QCOMPARE(at, steps - std::round(0.2 * steps));
            bool kept = false;
            for (const Json& k : parent["keep_at"].items())
                kept = kept || k.number() == at;
            QVERIFY(kept);
            QCOMPARE(r["trained_flops"].number(), perStep * (steps - at));
            trained += perStep * (steps - at);
        }
        QVERIFY2(branches >= 2 && ladders == 6,
                 qPrintable(QString("%1 branches, %2 ladder runs").arg(branches).arg(ladders)));
        // The compute the plan reports is what its runs add up to, counted here and by the run-sweep side.
        QVERIFY(std::fabs(plan["compute"]["trained_flops"].number() / trained - 1) < 1e-9);
        QVERIFY(std::fabs(plan["compute"]["independent_flops"].number() / independent - 1) < 1e-9);
        // Branches train only their cooldowns: less than the same points from scratch.
        double stableTrained = 0, stableFull = 0;
        for (const Json& r : plan["runs"].items())
            if (!r.find("ladder"))
                stableTrained += r["trained_flops"].number(), stableFull += r["flops"].number();
        QVERIFY(stableTrained < 0.8 * stableFull);
        std::vector<SweepJob> jobs;
        std::string error;
        QVERIFY2(sweepJobsFromJson(plan["runs"], "plan", jobs, error), error.c_str());
        double jobsTrained = 0, jobsIndependent = 0;
        sweepCompute(jobs, jobsTrained, jobsIndependent);
        QVERIFY(std::fabs(jobsTrained / trained - 1) < 1e-9);
        QVERIFY(std::fabs(jobsIndependent / independent - 1) < 1e-9);
        // The ladder: three rates a factor of 2 apart around the point's law rate.
        const Json& low = byName.begin()->second;
        const std::string point = low["ladder"].string();
        QCOMPARE(byName.at(point + "-lr2")["lr"].number() / byName.at(point + "-lr1")["lr"].number(), 2.0);
        QCOMPARE(byName.at(point + "-lr3")["lr"].number() / byName.at(point + "-lr2")["lr"].number(), 2.0);
    }

    void malformedBranchesAreRefused_data() {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("named");
        QTest::newRow("parent not in the plan") << "branch_from"
                                                << "\"nobody\""
                                                << "no stable run";
        QTest::newRow("parent outside the folder") << "branch_from"
                                                   << "\"../x\""
                                                   << "branch_from";
        QTest::newRow("step not kept") << "branch_at"
                                       << "1"
                                       << "no stable run";
        QTest::newRow("keep_at not a list") << "keep_at"
                                            << "5"
                                            << "keep_at";
        QTest::newRow("unknown schedule") << "schedule"
                                          << "\"linear\""
                                          << "schedule";
        QTest::newRow("lr from elsewhere") << "lr_from"
                                           << "\"law\""
                                           << "lr_from";
    }
    void malformedBranchesAreRefused() {
        QFETCH(QString, field);
        QFETCH(QString, value);
        QFETCH(QString, named);
        const Json plan = wsdPlan(dir_.filePath("wsd-bad.json"));
        Json runs = Json::array();
        for (Json r : plan["runs"].items()) {
            if (r.find("branch_from") || (field == "keep_at" && r.find("keep_at"))) {
                Json v;
                std::string error;
                QVERIFY(Json::parse(value.toStdString(), v, error));
                r.set(field.toStdString(), v);
            }
            runs.push(r);
        }
        std::vector<SweepJob> jobs;
        std::string error;
        QVERIFY(!sweepJobsFromJson(runs, "plan", jobs, error));
        QVERIFY2(error.find(named.toStdString()) != std::string::npos, error.c_str());
    }

    void wsdSweepTrainsLaddersParentsThenBranches() {
        REQUIRE_TRAINER();
        const QString planPath = dir_.filePath("wsd-run.json"), out = dir_.filePath("wsd-out");
        const Json plan = wsdPlan(planPath);
        const ProcessResult r = runSweep(planPath, out, {"--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const Json summary = parse(r.out);
        QCOMPARE(summary["done"].number(), double(plan["runs"].size()));
        QVERIFY(r.err.contains("of the") && r.err.contains("independent runs"));
        // The ladders' finished runs, and the correction they imply, computed here: one quadratic in ln lr
        // through each ladder's three losses (the best rate when the vertex would leave the ladder).
        std::map<std::string, std::vector<std::pair<double, double>>> ladders;
        std::map<std::string, double> active;
        for (const Json& run : plan["runs"].items()) {
            const Json result =
                parse(read(out + "/" + QString::fromStdString(run["name"].string()) + "/result.json"));
            if (run.find("ladder")) {
                ladders[run["ladder"].string()].push_back({run["lr"].number(), result["loss"].number()});
                active[run["ladder"].string()] = result["active_params"].number();
            }
            if (run.find("branch_from")) {
                QCOMPARE(result["parent"].string(), run["branch_from"].string());
                QCOMPARE(result["branch_at"].number(), run["branch_at"].number());
            }
        }
        std::vector<double> x, y;
        for (auto& [point, trials] : ladders) {
            std::sort(trials.begin(), trials.end());
            QCOMPARE(int(trials.size()), 3);
            const double h = std::log(trials[1].first / trials[0].first);
            const double l0 = trials[0].second, l1 = trials[1].second, l2 = trials[2].second;
            const double centre = trials[1].first;
            double optimum = l0 < l1 && l0 < l2 ? trials[0].first : l2 < l1 ? trials[2].first : centre;
            if (l1 <= l0 && l1 <= l2 && l0 + l2 - 2 * l1 > 0)
                optimum = centre * std::exp(h * (l0 - l2) / (2 * (l0 + l2 - 2 * l1)));
            x.push_back(std::log(active[point]));
            y.push_back(std::log(optimum / centre));
        }
        QCOMPARE(int(x.size()), 2);
        const double slope = (y[1] - y[0]) / (x[1] - x[0]);
        for (const Json& run : plan["runs"].items()) {
            if (run.find("ladder")) continue;
            const Json result =
                parse(read(out + "/" + QString::fromStdString(run["name"].string()) + "/result.json"));
            const double logN = std::clamp(std::log(result["active_params"].number()), std::min(x[0], x[1]),
                                           std::max(x[0], x[1]));
            const double expected = run["lr"].number() * std::exp(y[0] + slope * (logN - x[0]));
            QVERIFY2(std::fabs(result["lr"].number() / expected - 1) < 1e-6,
                     qPrintable(QString("%1: lr %2, expected %3")
                                    .arg(QString::fromStdString(run["name"].string()))
                                    .arg(result["lr"].number())
                                    .arg(expected)));
        }
        // The sweep's table names each row's point; its import fits each ladder's best, the others kept and
        // excluded with the reason.
        const ProcessResult imported = runCli({"import", out + "/runs.csv", "--json"});
        QVERIFY2(imported.exitCode == 0, qPrintable(imported.err));
        const Json report = parse(imported.out);
        QCOMPARE(report["rows_included"].number(), double(plan["runs"].size()) - 4);
        const RunTable table = importRunsFile((out + "/runs.csv").toStdString(), ImportOptions{}).table;
        int notBest = 0;
        for (const Run& run : table.runs)
            notBest += run.excluded && run.excludedWhy.str().rfind(kNotBestReason, 0) == 0;
        QCOMPARE(notBest, 4);
    }

    void malformedPlanNamesTheRunAndField() {
        REQUIRE_TRAINER();
        const QString bad = writeFile(dir_, "bad.json", R"({"runs":[{"budget":1e9,"d_model":"wide"}]})");
        const ProcessResult r = runSweep(bad, dir_.filePath("bad-out"));
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("run 1") && r.err.contains("d_model"), qPrintable(r.err));
    }
};

QTEST_GUILESS_MAIN(TestSweep)
#include "tst_sweep.moc"
