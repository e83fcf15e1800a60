// Input that attacks the program: damaged, missing, read-only and unwritable workspaces; numbers beyond a
// double or an int; bytes that are not UTF-8 in --json output; hostile text in Slurm scripts.
#include "core/io/Json.h"
#include "core/io/RunImporter.h"
#include "core/jobs/TrainerJob.h"
#include "core/model/NumberParser.h"
#include "core/store/Workspace.h"
#include "tests/support/TestSupport.h"

#include <QtTest>

#include <unistd.h>

using namespace moescope;
using namespace moescope::test;

namespace {

const QString kSample = MOESCOPE_SOURCE_DIR "/datasets/sample_sweep.csv";

// RFC 3629 well-formedness, written out independently of the escaper.
bool validUtf8(const QByteArray& b) {
    for (int i = 0; i < b.size();) {
        const auto c = static_cast<unsigned char>(b[i]);
        int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (n == 0 || (n == 2 && c < 0xC2) || i + n > b.size()) return false;
        unsigned cp = n == 1 ? c : c & (0x7F >> n);
        for (int k = 1; k < n; ++k) {
            const auto d = static_cast<unsigned char>(b[i + k]);
            if ((d & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (d & 0x3F);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n;
    }
    return true;
}

} // namespace

class TestHardening : public QObject {
    Q_OBJECT
private slots:
    void damagedWorkspaceIsRefusedWhole() {
        QTemporaryDir dir;
        const QString path = sampleWorkspace(dir, "w.moescope");
        {
            // Scribble over a page in the middle of the runs table.
            QFile f(path);
            QVERIFY(f.open(QIODevice::ReadWrite));
            QVERIFY(f.size() > 8 * 4096);
            f.seek(5 * 4096);
            f.write(QByteArray(4096, char(0xA7)));
        }
        Workspace ws;
        std::string error;
        QVERIFY(!ws.open(path.toStdString(), error, Workspace::Mode::Existing));
        QCOMPARE(int(ws.lastFailure()), int(Workspace::Failure::Damaged));
        QVERIFY2(error.find(path.toStdString()) != std::string::npos &&
                     error.find("damaged") != std::string::npos,
                 error.c_str());
        const ProcessResult fit = runCli({"fit", path, "--law", "chinchilla"});
        QCOMPARE(fit.exitCode, 1);
        QVERIFY2(fit.err.contains(path) && fit.err.contains("damaged"), qPrintable(fit.err));
        const ProcessResult import = runCli({"import", kSample, "--workspace", path});
        QCOMPARE(import.exitCode, 1);
        QVERIFY2(import.err.contains("damaged"), qPrintable(import.err));
    }

    void readersNeverCreateAWorkspace() {
        QTemporaryDir dir;
        const QString path = dir.filePath("absent.moescope");
        const ProcessResult r = runCli({"fit", path, "--law", "chinchilla"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(path) && r.err.contains("no such workspace"), qPrintable(r.err));
        QVERIFY(!QFile::exists(path));
        Workspace ws;
        std::string error;
        QVERIFY(!ws.open(path.toStdString(), error, Workspace::Mode::Existing));
        QCOMPARE(int(ws.lastFailure()), int(Workspace::Failure::Missing));
        QVERIFY(!QFile::exists(path));
    }

    void readOnlyWorkspaceStillFits() {
        QTemporaryDir dir;
        const QString path = sampleWorkspace(dir, "ro.moescope");
        QVERIFY(QFile::setPermissions(path, QFile::ReadOwner | QFile::ReadGroup | QFile::ReadOther));
        QFile::setPermissions(dir.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner |
                                              QFile::ReadOther | QFile::ExeOther | QFile::ReadGroup |
                                              QFile::ExeGroup);
        // Root writes to anything: as root, run the CLI as nobody, for whom neither the file nor its folder
        // is writable (so SQLite cannot even make its shared-memory file).
        QStringList command{MOESCOPE_CLI, "fit", path, "--law", "chinchilla", "--json"};
        if (::geteuid() == 0)
            command = QStringList{"--reuid=65534", "--regid=65534", "--clear-groups"} + command;
        const ProcessResult r = runProgram(::geteuid() == 0 ? "setpriv" : command.takeFirst(), command);
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains("\"law\": \"chinchilla\"") || r.out.contains("\"law\":\"chinchilla\""),
                 qPrintable(r.out + r.err));
        QVERIFY2(!r.err.contains("readonly"), qPrintable(r.err));
    }

    void aFailedImportLeavesNoWorkspaceBehind() {
        // A write that fails part-way (a file-size limit, as a full disk would) leaves no file behind.
        QTemporaryDir dir;
        const QString path = dir.filePath("full.moescope");
        const ProcessResult r = runProgram("bash", {"-c", "trap '' XFSZ; ulimit -f 8; exec \"$0\" \"$@\"",
                                                    MOESCOPE_CLI, "import", kSample, "--workspace", path});
        QVERIFY2(r.exitCode == 1 || r.exitCode == 2, qPrintable(QString::number(r.exitCode) + r.err));
        QVERIFY2(!QFile::exists(path), qPrintable(r.err));
        QVERIFY(!QFile::exists(path + "-wal"));
    }

    void numbersOutOfRange_data() {
        QTest::addColumn<QString>("text");
        QTest::newRow("suffix overflow") << "1e300T";
        QTest::newRow("beyond a double") << "1e400";
        QTest::newRow("negative beyond") << "-2e308";
    }
    void numbersOutOfRange() {
        QFETCH(QString, text);
        double v = 0;
        std::string reason;
        QVERIFY(!parseNumber(text.toStdString(), v, &reason));
        QVERIFY2(reason.find("out of range") != std::string::npos, reason.c_str());
        // And an option carrying it is exit 2, saying so.
        const ProcessResult r = runCli({"optimum", "--preset", "abnar", "--budget", text});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--budget") && r.err.contains("out of range"), qPrintable(r.err));
    }

    void integerOptionsRefuseWhatAnIntCannotHold() {
        const ProcessResult r = runCli({"suggest", kSample, "--budget", "1e20", "--count", "1e20"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--count") && r.err.contains("out of range"), qPrintable(r.err));
    }

    void jsonOutputIsAlwaysUtf8() {
        // A Latin-1 header byte and a truncated sequence in a CSV reach --json as U+FFFD, never raw.
        QTemporaryDir dir;
        QByteArray csv = "params,loss\n1e8,3.1\n2e8\xe9,3.0\n3e8,\xe2\x82\n";
        const QString path = writeFile(dir, "latin1.csv", csv);
        QProcess p;
        p.start(MOESCOPE_CLI, {"import", path, "--json"});
        QVERIFY(p.waitForFinished(60000));
        const QByteArray out = p.readAllStandardOutput();
        QVERIFY2(!out.isEmpty(), p.readAllStandardError().constData());
        QVERIFY2(validUtf8(out), out.toHex().constData());
        QVERIFY2(out.contains("2e8\xef\xbf\xbd"), out.constData()); // the bad value, quoted in its error
        // The escaper itself: valid multi-byte text passes through, each bad byte becomes one U+FFFD.
        QCOMPARE(QByteArray::fromStdString(jsonEscape("\xc3\xa9\xff\xed\xa0\x80z")),
                 QByteArray("\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdz"));
    }

    void slurmRefusesControlCharacters_data() {
        QTest::addColumn<QString>("shared");
        QTest::addColumn<QString>("trainer");
        QTest::newRow("newline in shared dir") << "/tmp/x\ntouch /tmp/pwned"
                                               << "moescope-train";
        QTest::newRow("carriage return") << "/tmp/x\r#"
                                         << "moescope-train";
        QTest::newRow("newline in trainer") << "/tmp/ok"
                                            << "moescope-train\nrm -rf ~";
        QTest::newRow("quote on an #SBATCH line") << "/tmp/a\"b"
                                                  << "moescope-train";
    }
    void slurmRefusesControlCharacters() {
        QFETCH(QString, shared);
        QFETCH(QString, trainer);
        TrainerJob job;
        job.arch.d_model = 64, job.arch.n_layers = 2, job.budget = 1e12;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                                 slurmArrayScript({job}, shared.toStdString(), trainer.toStdString()));
        // The CLI says so and writes nothing.
        QTemporaryDir dir;
        const QString script = dir.filePath("s.sbatch");
        const ProcessResult r =
            runCli({"suggest", kSample, "--budget", "1e20", "--count", "1", "--bootstrap", "10", "--slurm",
                    script, "--shared-dir", shared, "--trainer", trainer});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("--slurm"), qPrintable(r.err));
        QVERIFY(!QFile::exists(script));
    }

    void slurmQuotesHostileButPrintableText() {
        // $(…), single quotes and spaces reach the trainer as literal text, and nothing runs.
        QTemporaryDir dir;
        const QString shared = dir.filePath("sweep $(touch PWNED) it's `id`");
        const QString record = dir.filePath("args.txt");
        const QString fake =
            writeFile(dir, "fake train", "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$ARGS_OUT\"\n");
        QFile::setPermissions(fake, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        TrainerJob job;
        job.arch.d_model = 64, job.arch.n_layers = 2, job.arch.experts = 1, job.arch.active_experts = 1;
        job.arch.granularity = 1, job.arch.ctx = 128, job.arch.vocab = 256, job.budget = 1e12;
        job.extra = {"--data", "a b'c$(d)"};
        const std::string text = slurmArrayScript({job}, shared.toStdString(), fake.toStdString(),
                                                  "--gres=gpu:1 --comment=$(whoami)");
        // #SBATCH values are double-quoted for sbatch's own reader.
        QVERIFY2(QString::fromStdString(text).contains("#SBATCH --output=\"" + shared + "/slurm-%A_%a.log\""),
                 text.c_str());
        QVERIFY2(QString::fromStdString(text).contains("#SBATCH --comment=\"$(whoami)\""), text.c_str());
        const QString script = writeFile(dir, "s.sbatch", QByteArray::fromStdString(text));
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("SLURM_ARRAY_TASK_ID", "0");
        env.insert("ARGS_OUT", record);
        p.setProcessEnvironment(env);
        p.setWorkingDirectory(dir.path());
        p.start("bash", {script});
        QVERIFY(p.waitForFinished(30000));
        QCOMPARE(p.exitCode(), 0);
        QVERIFY(!QFile::exists(dir.filePath("PWNED")));
        QFile args(record);
        QVERIFY(args.open(QIODevice::ReadOnly));
        const QStringList got = QString::fromUtf8(args.readAll()).split('\n');
        QVERIFY2(got.contains("a b'c$(d)"), qPrintable(got.join('|')));
        QVERIFY2(got.contains(shared + "/" + QString::fromStdString(defaultJobName(job))),
                 qPrintable(got.join('|')));
    }
};

QTEST_GUILESS_MAIN(TestHardening)
#include "tst_hardening.moc"
