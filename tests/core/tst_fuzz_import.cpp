// A fuzz-style test of the importer: ≥ 1,000 deterministic mutations of real sweep files (CSV and JSON
// Lines) go through importRunsText and the workspace's CSV writer. Whatever the bytes, the importer must
// return (no crash, no sanitizer report under `make sanitize`), and its result must be consistent: an ok
// result has runs and no unreported invalid rows; a failed one says why with a line number.
#include "core/io/CsvWriter.h"
#include "core/io/Json.h"
#include "core/io/RunImporter.h"

#include "tests/support/TestSupport.h"

#include <QtTest>

#include <random>
#include <string>
#include <vector>

using namespace moescope;
using namespace moescope::test;

namespace {

// The first `lines` lines of a file: seeds stay small so a thousand mutants run in seconds.
std::string head(const std::string& text, int lines) {
    size_t at = 0;
    for (int i = 0; i < lines && at != std::string::npos; ++i)
        at = text.find('\n', at + 1);
    return at == std::string::npos ? text : text.substr(0, at + 1);
}

// The trainer's own event stream shape: one JSON object per line.
std::string jsonLinesSeed() {
    std::string out;
    for (int i = 1; i <= 12; ++i) {
        Json j = Json::object();
        j.set("event", "step");
        j.set("step", i);
        j.set("loss", 5.5 - 0.1 * i);
        j.set("params", 1.2e7 * i);
        j.set("tokens", 4096.0 * i);
        out += j.dump() + "\n";
    }
    return out;
}

const char* const kTokens[] = {
    ",",   "\"",     "\n",   "\r\n",     "1e400", "-0", "nan",   "inf", "1e-400", "3.2B",
    "12k", "1e300T", "\xff", "\xe2\x82", "\t",    ";",  "0x1p3", "",    "\"\"",   "9999999999999999999999",
    " ",   "{",      "}",    "[1,2]"};

std::string mutate(std::string s, std::mt19937_64& rng) {
    std::uniform_int_distribution<int> kind(0, 6);
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
        if (s.empty()) s = "params,loss\n";
        std::uniform_int_distribution<size_t> pos(0, s.size() - 1);
        switch (kind(rng)) {
        case 0: // flip a byte
            s[pos(rng)] = static_cast<char>(rng() & 0xff);
            break;
        case 1: // insert a token that parsers trip on
            s.insert(pos(rng), kTokens[rng() % (sizeof kTokens / sizeof *kTokens)]);
            break;
        case 2: { // delete a range
            const size_t at = pos(rng);
            s.erase(at, std::min<size_t>(s.size() - at, rng() % 40));
            break;
        }
        case 3: { // duplicate a range (repeated columns, repeated rows)
            const size_t at = pos(rng);
            s.insert(at, s.substr(at, rng() % 80));
            break;
        }
        case 4: // truncate
            s.resize(pos(rng));
            break;
        case 5: // a very long field
            s.insert(pos(rng), std::string(1 + rng() % 5000, static_cast<char>('0' + rng() % 10)));
            break;
        default: // a NUL byte
            s.insert(pos(rng), 1, '\0');
        }
    }
    return s;
}

} // namespace

class TestFuzzImport : public QObject {
    Q_OBJECT
private slots:
    void mutatedFilesNeverCrashTheImporter() {
        const std::vector<std::string> seeds = {
            head(fileBytes(MOESCOPE_SOURCE_DIR "/datasets/sample_sweep.csv"), 30),
            "model size,Final eval,experts,k\n12m,3.5,8,1\n\"1,2\",2.9,64,8\n",
            jsonLinesSeed(),
        };
        std::mt19937_64 rng(20261126);
        int total = 0, ok = 0, refused = 0;
        for (int i = 0; i < 1200; ++i) {
            const std::string& seed = seeds[i % seeds.size()];
            const std::string text = mutate(seed, rng);
            for (const bool skip : {false, true}) {
                ImportOptions options;
                options.skipInvalid = skip;
                const ImportResult r = importRunsText(text, "fuzz.csv", options);
                ++total;
                if (r.ok()) {
                    ++ok;
                    QVERIFY2(r.rowsInvalid == 0 || skip, qPrintable(QString("mutant %1").arg(i)));
                    QCOMPARE(int(r.table.runs.size()) + r.rowsInvalid, r.rowsRead);
                    // What was imported writes back out and reads in again whole.
                    const ImportResult again = importRunsText(runTableToCsv(r.table), "again.csv", {});
                    QVERIFY2(again.ok() || r.table.runs.empty(),
                             qPrintable(QString("mutant %1 does not round-trip").arg(i)));
                } else {
                    ++refused;
                    QVERIFY2(!r.errors.empty(),
                             qPrintable(QString("mutant %1 refused without a reason").arg(i)));
                    QVERIFY(r.exitCode() == 1 || r.exitCode() == 2);
                    for (const auto& e : r.errors)
                        QVERIFY2(!e.message.empty(), qPrintable(QString("mutant %1").arg(i)));
                }
                // The JSON a user would see stays valid UTF-8, whatever the bytes.
                for (const auto& e : r.errors) {
                    const QByteArray escaped = QByteArray::fromStdString(jsonEscape(e.toString()));
                    QVERIFY(QString::fromUtf8(escaped).toUtf8() == escaped);
                }
            }
        }
        qInfo("%d imports of %d mutants: %d accepted, %d refused", total, total / 2, ok, refused);
        QVERIFY(total >= 2000);
        QVERIFY(ok > 0 && refused > 0); // the mutations reach both outcomes
    }
};

QTEST_GUILESS_MAIN(TestFuzzImport)
#include "tst_fuzz_import.moc"
