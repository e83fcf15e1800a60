#pragma once
// Helpers shared by the suites: running the CLI, temporary files, the shared data folder.
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QProcess>
#include <QString>
#include <QTemporaryDir>
#include <QtTest>

#include "core/io/ColumnMapping.h"

namespace moescope::test {

struct ProcessResult {
    int exitCode = -1;
    QString out;
    QString err;
};

inline ProcessResult runProgram(const QString& program, const QStringList& args, int timeoutMs = 120000) {
    QProcess p;
    p.start(program, args);
    ProcessResult r;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        r.err = "timed out";
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

#ifdef MOESCOPE_CLI
inline ProcessResult runCli(const QStringList& args) {
    return runProgram(MOESCOPE_CLI, args);
}

// The bundled sample sweep imported by the CLI into a new workspace DIR/NAME.
inline QString sampleWorkspace(const QTemporaryDir& dir, const QString& name) {
    const QString path = dir.filePath(name);
    const ProcessResult r =
        runCli({"import", MOESCOPE_SOURCE_DIR "/datasets/sample_sweep.csv", "--workspace", path});
    if (r.exitCode != 0) qFatal("import failed: %s", qPrintable(r.err));
    return path;
}
#endif

// A whole file's bytes; the test stops when it cannot be read.
inline std::string fileBytes(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) qFatal("cannot read %s", qPrintable(path));
    return f.readAll().toStdString();
}

inline QString writeFile(const QTemporaryDir& dir, const QString& name, const QByteArray& content) {
    const QString path = dir.filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(path));
    f.write(content);
    return path;
}

// A text of our own for training tests, so they need no download: the project's core sources, in name order.
inline QByteArray projectSourceText() {
    QByteArray text;
    QDirIterator it(MOESCOPE_SOURCE_DIR "/core", {"*.cpp", "*.h"}, QDir::Files, QDirIterator::Subdirectories);
    QStringList files;
    while (it.hasNext())
        files << it.next();
    files.sort();
    for (const QString& f : files) {
        QFile file(f);
        if (file.open(QIODevice::ReadOnly)) text += file.readAll();
    }
    return text;
}

// SOURCE.txt's mapping of the Clark et al. routing curves onto MoEScope's fields.
inline std::vector<moescope::MappingOverride> clarkMapping() {
    return {{"params", "total_parameter_count"},
            {"active_params", "dense_parameter_count"},
            {"experts", "num_experts"},
            {"active_experts", "k"},
            {"loss", "loss_validation"}};
}

// The developer fixtures of ../shared/data; tests labelled `data` QSKIP when they are absent.
inline QString sharedData(const QString& relative) {
    return QDir(MOESCOPE_SHARED_DATA).filePath(relative);
}

#define MOESCOPE_REQUIRE_SHARED(rel)                                                                         \
    do {                                                                                                     \
        if (!QFile::exists(moescope::test::sharedData(rel)))                                                 \
            QSKIP(qPrintable(QString("shared data %1 not present (../shared/data is absent)").arg(rel)));    \
    } while (0)

// plan-sweep's options for a tiny stable-and-cooldown sweep with learning-rate ladders (tst_sweep,
// tst_trainerpanel): budgets 1.5× apart, two sizes they share, byte-level models that train in seconds.
inline QStringList tinyWsdPlanOptions() {
    return QStringList{"--budgets", "2e9,3e9,4.5e9", "--sparsities", "0", "--sizes", "2", "--spread", "0.2"} +
           QStringList{"--vocab", "256", "--ctx", "32", "--aspect", "16", "--batch", "4"} +
           QStringList{"--wsd", "--lr-ladder", "3"};
}

} // namespace moescope::test
