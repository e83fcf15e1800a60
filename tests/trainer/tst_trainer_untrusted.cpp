// moescope-train given what a hostile or careless colleague hands over (issue #29): a checkpoint whose
// tensor record is cut short, a device as its corpus, an output folder another trainer is writing, a run
// that diverges, a finished run resumed, thread counts and names that would escape their bounds. Each ends
// in a named refusal or a recorded failure, never a crash or a row an import cannot read.
#include "core/io/Json.h"
#include "core/io/RunImporter.h"
#include "core/io/TorchArchiveCheck.h"
#include "tests/support/TestSupport.h"
#include "tests/trainer/TrainerEvents.h"

#include <QtTest>

#include <thread>

using namespace moescope;
using namespace moescope::test;

namespace {
ProcessResult train(const QStringList& args) {
    return runProgram(MOESCOPE_TRAIN, args, 600000);
}

Json resultOf(const QString& out) {
    QFile f(out + "/result.json");
    if (!f.open(QIODevice::ReadOnly)) return {};
    Json j;
    std::string error;
    Json::parse(f.readAll().toStdString(), j, error);
    return j;
}
} // namespace

class TestTrainerUntrusted : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString corpus_;
    QStringList tiny_;

private slots:
    void initTestCase() {
        corpus_ = writeFile(dir_, "corpus.txt", projectSourceText());
        tiny_ = {"--data",    corpus_, "--d-model", "16", "--layers", "1", "--heads",   "2",
                 "--experts", "2",     "--ctx",     "16", "--batch",  "4", "--threads", "1"};
    }

    void aTruncatedTensorRecordIsRefusedBeforeLibTorchReadsIt() {
        const QString out = dir_.filePath("truncated");
        QCOMPARE(train(tiny_ + QStringList{"--steps", "6", "--stop-at", "3", "--out", out}).exitCode, 130);
        const QString ck = out + "/checkpoint.pt";
        std::string error;
        QVERIFY2(checkTorchArchive(ck.toStdString(), error), error.c_str()); // our own file is whole
        // A valid zip whose largest tensor record keeps a third of its bytes (what the attack did).
        const ProcessResult cut = runProgram(
            "python3", {"-c",
                        "import sys, zipfile\n"
                        "src = zipfile.ZipFile(sys.argv[1]); infos = src.infolist()\n"
                        "big = max((i for i in infos if '/data/' in i.filename), key=lambda i: i.file_size)\n"
                        "out = zipfile.ZipFile(sys.argv[1] + '.cut', 'w', zipfile.ZIP_STORED)\n"
                        "for i in infos:\n"
                        "    d = src.read(i.filename)\n"
                        "    out.writestr(i.filename, d[:len(d) // 3] if i is big else d)\n"
                        "out.close()\n",
                        ck});
        QVERIFY2(cut.exitCode == 0, qPrintable(cut.err));
        QVERIFY(QFile::remove(ck) && QFile::rename(ck + ".cut", ck));
        const ProcessResult r = train(tiny_ + QStringList{"--steps", "6", "--out", out, "--resume"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(ck) && r.err.contains("truncated") && r.err.contains("cannot be read"),
                 qPrintable(r.err + r.out.right(300)));
    }

    void aDeviceIsNoCorpus() {
        const ProcessResult r = train(tiny_.mid(2) + QStringList{"--data", "/dev/zero", "--steps", "2",
                                                                 "--out", dir_.filePath("zero")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--data") && r.err.contains("/dev/zero"), qPrintable(r.err));
    }

    void aSecondTrainerIntoOneOutIsRefusedNamingTheLock() {
        const QString out = dir_.filePath("locked");
        QProcess first;
        first.start(MOESCOPE_TRAIN, tiny_ + QStringList{"--steps", "100000000", "--out", out});
        QVERIFY(first.waitForStarted());
        // The lock is taken before the first event: once "start" is out, the folder is held.
        QByteArray seen;
        QTRY_VERIFY_WITH_TIMEOUT((seen += first.readAllStandardOutput()).contains("\"event\":\"start\"") ||
                                     first.state() != QProcess::Running,
                                 300000);
        QVERIFY2(first.state() == QProcess::Running, seen.constData());
        const ProcessResult second = train(tiny_ + QStringList{"--steps", "2", "--out", out});
        first.kill();
        first.waitForFinished();
        QCOMPARE(second.exitCode, 2);
        QVERIFY2(second.err.contains("--out") && second.err.contains("trainer.lock"), qPrintable(second.err));
        QVERIFY(!QFile::exists(out + "/result.json"));
    }

    void aDivergedRunFailsAndLeavesNothingAnImportCannotRead() {
        const QString out = dir_.filePath("diverged");
        const ProcessResult r = train(tiny_ + QStringList{"--steps", "20", "--lr", "1e30", "--out", out});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.out.contains("loss became non-finite at step"), qPrintable(r.out.right(500)));
        QCOMPARE(QString::fromStdString(resultOf(out)["status"].string()), QString("diverged"));
        QVERIFY(!QFile::exists(out + "/runs.csv")); // no -nan row
        const ProcessResult back = runProgram(MOESCOPE_CLI, {"import-results", dir_.filePath("."), "--json"});
        QVERIFY2(back.exitCode == 0 && !back.err.contains("nan"), qPrintable(back.err));
    }

    void resumingAFinishedRunDoesNothing() {
        const QString out = dir_.filePath("finished");
        QCOMPARE(train(tiny_ + QStringList{"--steps", "3", "--out", out}).exitCode, 0);
        const ProcessResult again = train(tiny_ + QStringList{"--steps", "3", "--out", out, "--resume"});
        QCOMPARE(again.exitCode, 0);
        QVERIFY2(again.err.contains("finished") && again.err.contains("nothing to resume"),
                 qPrintable(again.err));
        const ImportResult rows = importRunsFile((out + "/runs.csv").toStdString(), {});
        QCOMPARE(int(rows.table.runs.size()), 1);
        QCOMPARE(QString::fromStdString(resultOf(out)["status"].string()), QString("done"));
    }

    void threadsAndNamesAreBounded() {
        ProcessResult r =
            train(tiny_.mid(0, tiny_.size() - 2) + QStringList{"--threads", "100000", "--steps", "2"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--threads") &&
                     r.err.contains(QString::number(std::max(1u, std::thread::hardware_concurrency()))),
                 qPrintable(r.err));
        r = train(tiny_ +
                  QStringList{"--steps", "2", "--name", "../../escape", "--out", dir_.filePath("named")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--name"), qPrintable(r.err));
    }
};

QTEST_GUILESS_MAIN(TestTrainerUntrusted)
#include "tst_trainer_untrusted.moc"
