// Fuzz tests of the files a user can be handed (issue #29), run under AddressSanitizer and
// UndefinedBehaviorSanitizer by `make sanitize`: the expression language (grammar-aware generation and
// mutation, deep nesting), workspace files (mutated pages, hostile schema versions, triggers, values and
// recorded plans), sweep plans for run-sweep, and checkpoints (checkTorchArchive on a real LibTorch file).
// Seeds are fixed; whatever the bytes, each reader must return, and what it accepts must keep its promises.
#include "core/fit/Analysis.h"
#include "core/io/Json.h"
#include "core/io/PathNames.h"
#include "core/io/RunImporter.h"
#include "core/io/TorchArchiveCheck.h"
#include "core/jobs/SweepJobs.h"
#include "core/model/Expression.h"
#include "core/store/FitRecording.h"
#include "core/store/Workspace.h"

#include "tests/support/TestSupport.h"

#include <QtTest>

#include <sqlite3.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

using namespace moescope;
using namespace moescope::test;

namespace {

void overwrite(const QString& path, const std::string& bytes) {
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) qFatal("cannot write %s", qPrintable(path));
    f.write(bytes.data(), static_cast<qint64>(bytes.size()));
}

// Byte-level edits shared by the file fuzzers: flips, inserted tokens, deletions, duplications, truncation.
std::string mutateBytes(std::string s, std::mt19937_64& rng, const std::vector<std::string>& tokens) {
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !s.empty(); ++e) {
        const size_t at = rng() % s.size();
        switch (rng() % 5) {
        case 0:
            s[at] = static_cast<char>(rng() & 0xff);
            break;
        case 1:
            s.insert(at, tokens[rng() % tokens.size()]);
            break;
        case 2:
            s.erase(at, std::min<size_t>(s.size() - at, rng() % 64));
            break;
        case 3:
            s.insert(at, s.substr(at, rng() % 64));
            break;
        default:
            s.resize(at);
        }
    }
    return s;
}

// --- expressions: a generator that follows the grammar of Expression.h --------------------------------

class ExpressionGenerator {
public:
    explicit ExpressionGenerator(std::mt19937_64& rng) : rng_(rng) {}

    std::string expression(int depth) {
        if (depth <= 0 || pick(4) == 0) return atom();
        switch (pick(9)) {
        case 0:
            return expression(depth - 1) + pickOf({" + ", " - ", " * ", " / ", " ^ "}) +
                   expression(depth - 1);
        case 1:
            return expression(depth - 1) + pickOf({" == ", " != ", " < ", " <= ", " > ", " >= "}) +
                   expression(depth - 1);
        case 2:
            return expression(depth - 1) + pickOf({" and ", " or "}) + expression(depth - 1);
        case 3:
            return "not " + expression(depth - 1);
        case 4:
            return "-" + expression(depth - 1);
        case 5:
            return "(" + expression(depth - 1) + ")";
        case 6:
            return pickOf({"ln", "log", "log10", "exp", "sqrt"}) + "(" + expression(depth - 1) + ")";
        case 7:
            return pickOf({"min", "max"}) + "(" + expression(depth - 1) + ", " + expression(depth - 1) + ")";
        default:
            return expression(depth - 1) + pickOf({" in ", " not in "}) + "(" + atom() + ", " + atom() + ")";
        }
    }
    // A long run of one construct: what overflowed the recursive parser.
    std::string deep() {
        const int n = 50 + static_cast<int>(pick(20000));
        const std::string inner = atom();
        switch (pick(6)) {
        case 0:
            return std::string(static_cast<size_t>(n), '(') + inner +
                   std::string(static_cast<size_t>(n), ')');
        case 1:
            return repeat("not ", n) + inner;
        case 2:
            return repeat("2^", n) + inner;
        case 3:
            return repeat("ln(", n) + inner + std::string(static_cast<size_t>(n), ')');
        case 4:
            return repeat(inner + " + ", n) + inner;
        default:
            return repeat("-", n) + inner;
        }
    }
    std::string mutate(std::string s) {
        static const std::vector<std::string> tokens = {"(",   ")",    "'",     "\"",   "`",     ",",
                                                        "==",  "=",    " not ", " in ", "1e400", "3.2B",
                                                        "nan", "\xff", "^",     "--"};
        return mutateBytes(std::move(s), rng_, tokens);
    }

private:
    size_t pick(size_t n) { return rng_() % n; }
    std::string pickOf(std::initializer_list<const char*> options) {
        return *(options.begin() + static_cast<long>(pick(options.size())));
    }
    static std::string repeat(const std::string& s, int n) {
        std::string out;
        for (int i = 0; i < n; ++i)
            out += s;
        return out;
    }
    std::string atom() {
        switch (pick(6)) {
        case 0:
            return pickOf({"0", "1", "2.5", "1e20", "150M", "3.2B", "12k", "0.98", "1e-300"});
        case 1:
            return pickOf({"loss", "params", "experts", "router_type", "missing_column", "`odd/name`"});
        case 2:
            return pickOf({"'S-Base'", "\"Dense\"", "''"});
        default:
            return pickOf({"loss", "experts", "1", "2"});
        }
    }
    std::mt19937_64& rng_;
};

std::optional<ExprValue> fuzzLookup(const std::string& name) {
    if (name == "loss") return ExprValue::of(2.5);
    if (name == "params") return ExprValue::of(1e9);
    if (name == "experts") return ExprValue::of(std::string("8"));
    if (name == "router_type") return ExprValue::of(std::string("S-Base"));
    if (name == "odd/name") return ExprValue::of(std::string());
    return std::nullopt;
}

// --- workspaces --------------------------------------------------------------------------------------

bool exec(const QString& path, const std::string& statement) {
    sqlite3* db = nullptr;
    if (sqlite3_open(path.toUtf8().constData(), &db) != SQLITE_OK) {
        sqlite3_close(db);
        return false;
    }
    sqlite3_busy_timeout(db, 1000);
    const bool ok = sqlite3_exec(db, statement.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
    sqlite3_close(db);
    return ok;
}

// Everything the CLI and the window do with an opened workspace; nothing may crash, and a failure says why.
void readEverything(const QString& path) {
    Workspace ws;
    std::string error;
    if (!ws.open(path.toStdString(), error, Workspace::Mode::Existing)) {
        QVERIFY2(!error.empty(), "a refused workspace says why");
        return;
    }
    RunTable runs;
    if (ws.readRuns(runs, error))
        for (const Run& r : runs.runs)
            QVERIFY(r.metrics.size() == runs.metricNames.size() && r.labels.size() == runs.labelNames.size());
    for (const FitRecord& fit : ws.fits()) {
        AnalysisPlan plan;
        std::string why;
        if (planOfRecord(fit, plan, why)) QVERIFY2(validatePlan(plan, why), why.c_str());
    }
    for (const JobRecord& job : ws.jobs()) {
        Json config, list = Json::array();
        std::string why;
        if (!Json::parse(job.configJson, config, why)) continue;
        list.push(config);
        std::vector<SweepJob> jobs;
        sweepJobsFromJson(list, "queue", jobs, why);
    }
    ws.imports();
    ws.setting("view");
}

std::string hostileStatement(std::mt19937_64& rng) {
    static const std::vector<std::string> plans = {
        "{\"isoflop\":{\"grid_points\":2e9}}",
        "{\"law_bootstrap\":-5}",
        "{\"starts\":\"1e12\"}",
        "{\"isoflop\":{\"degrees\":[9,9,9],\"max_degree\":1e300}}",
        "{\"where\":\"" + std::string(3000, '(') + "1" + std::string(3000, ')') + "\"}",
        "{\"holdout\":\"" + std::string(200, '-') + "1\",\"seed\":1e30}",
        "{\"isoflop\":{\"subsample_fraction\":0,\"folds\":0}}",
        "[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]",
    };
    switch (rng() % 8) {
    case 0:
        return "PRAGMA user_version=" + std::to_string(static_cast<int32_t>(rng()));
    case 1:
        return "CREATE TRIGGER t" + std::to_string(rng() % 100) +
               " AFTER INSERT ON runs BEGIN DELETE FROM runs; END";
    case 2:
        return "CREATE VIEW v" + std::to_string(rng() % 100) + " AS SELECT 1";
    case 3:
        return "UPDATE runs SET " + std::string(rng() % 2 ? "loss" : "params") +
               " = x'00ff' WHERE id = " + std::to_string(1 + rng() % 300);
    case 4:
        return "UPDATE runs SET metrics = '" + std::string(rng() % 2 ? "{\"a\":" : "[") + "' WHERE id = 3";
    case 5:
        return "INSERT INTO fits(law, budget, settings, result, created_at) VALUES('chinchilla', 0, "
               "'{\"plan\":" +
               plans[rng() % plans.size()] + "}', '{}', 'now')";
    case 6:
        return "INSERT INTO jobs(name, config, status, created_at, updated_at) VALUES('j', "
               "'{\"name\":\"../x\","
               "\"d_model\":1e300,\"n_heads\":-1}', 'queued', 'now', 'now')";
    default:
        return "DROP TABLE " + std::string(rng() % 2 ? "imports" : "settings");
    }
}

// --- sweep plans -------------------------------------------------------------------------------------

std::string planSeed() {
    Json runs = Json::array();
    for (int i = 0; i < 3; ++i) {
        Json r = Json::object();
        r.set("name", "run-" + std::to_string(i));
        for (const auto& [key, value] : std::vector<std::pair<const char*, double>>{{"budget", 1e12},
                                                                                    {"d_model", 64},
                                                                                    {"n_layers", 2},
                                                                                    {"n_heads", 1},
                                                                                    {"experts", 4},
                                                                                    {"active_experts", 1},
                                                                                    {"granularity", 1},
                                                                                    {"ctx", 128},
                                                                                    {"vocab", 256},
                                                                                    {"batch", 16},
                                                                                    {"steps", 100}})
            r.set(key, value);
        runs.push(r);
    }
    Json doc = Json::object();
    doc.set("runs", runs);
    return doc.dump();
}

} // namespace

class TestFuzzUntrusted : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

private slots:
    void expressionsNeverCrashTheParserOrEvaluator() {
        std::mt19937_64 rng(2026120101);
        ExpressionGenerator gen(rng);
        int parsed = 0, refused = 0, deepRefused = 0;
        for (int i = 0; i < 4000; ++i) {
            std::string text = i % 10 == 9 ? gen.deep() : gen.expression(1 + static_cast<int>(rng() % 12));
            if (i % 3 == 1) text = gen.mutate(text);
            Expression e;
            std::string error;
            if (!Expression::parse(text, e, error)) {
                ++refused;
                QVERIFY2(error.rfind("at character ", 0) == 0, error.c_str());
                deepRefused += error.find("nested too deeply") != std::string::npos;
                continue;
            }
            ++parsed;
            ExprValue v;
            bool truth = false;
            e.evaluate(fuzzLookup, v, error);
            e.test(fuzzLookup, truth, error);
            e.columns();
        }
        qInfo("%d expressions parsed, %d refused (%d nested too deeply)", parsed, refused, deepRefused);
        QVERIFY(parsed > 1000 && refused > 100 && deepRefused > 50);
    }

    void mutatedWorkspacesNeverCrashTheirReaders() {
        const QString seed = dir_.filePath("seed.moescope");
        {
            Workspace ws;
            std::string error;
            QVERIFY2(ws.open(seed.toStdString(), error), error.c_str());
            const ImportResult r = importRunsFile(MOESCOPE_SOURCE_DIR "/datasets/sample_sweep.csv", {});
            QVERIFY(r.ok());
            QVERIFY2(ws.addImport({}, r.table, error) > 0, error.c_str());
            QVERIFY(ws.checkpoint(error));
        }
        const std::string bytes = fileBytes(seed);
        std::mt19937_64 rng(2026120102);
        int opened = 0, refused = 0;
        const QString path = dir_.filePath("mutant.moescope");
        for (int i = 0; i < 600; ++i) {
            Workspace::removeFiles(path.toStdString());
            if (i % 2 == 0) {
                // A page of the file scribbled over, or the file cut short.
                std::string mutant = bytes;
                const size_t page = 4096 * (rng() % (mutant.size() / 4096));
                if (rng() % 4 == 0)
                    mutant.resize(page + rng() % 4096);
                else
                    for (int k = 0; k < 1 + static_cast<int>(rng() % 64); ++k)
                        mutant[page + rng() % 4096] = static_cast<char>(rng() & 0xff);
                overwrite(path, mutant);
            } else {
                overwrite(path, bytes);
                for (int k = 0; k < 1 + static_cast<int>(rng() % 3); ++k)
                    exec(path, hostileStatement(rng));
            }
            Workspace probe;
            std::string error;
            (probe.open(path.toStdString(), error, Workspace::Mode::Existing) ? opened : refused)++;
            probe.close();
            readEverything(path);
        }
        qInfo("%d mutated workspaces opened, %d refused", opened, refused);
        QVERIFY(opened > 0 && refused > 0);
    }

    void mutatedSweepPlansNeverReachTheTrainerUnchecked() {
        const std::string seed = planSeed();
        std::mt19937_64 rng(2026120103);
        const std::vector<std::string> tokens = {"1e300",
                                                 "-2147483648",
                                                 "NaN",
                                                 "1e999",
                                                 "\"../x\"",
                                                 "\"a\\nb\"",
                                                 "\"plan.json\"",
                                                 "0.5",
                                                 "[",
                                                 "{",
                                                 "\"name\":\"run-0\",",
                                                 "\\u0000"};
        int accepted = 0;
        for (int i = 0; i < 3000; ++i) {
            const std::string text = mutateBytes(seed, rng, tokens);
            Json doc;
            std::string error;
            if (!Json::parse(text, doc, error) || !doc.isObject() || !doc.find("runs")) continue;
            std::vector<SweepJob> jobs;
            if (!sweepJobsFromJson(doc["runs"], "plan.json", jobs, error)) {
                QVERIFY2(error.rfind("plan.json: ", 0) == 0, error.c_str());
                continue;
            }
            ++accepted;
            // What passes is what the trainer can take: folder names, whole numbers in an int, no NaN.
            for (size_t a = 0; a < jobs.size(); ++a) {
                QVERIFY2(checkPathName(jobs[a].job.name, "run name", error), error.c_str());
                for (size_t b = a + 1; b < jobs.size(); ++b)
                    QVERIFY(jobs[a].job.name != jobs[b].job.name);
                for (const std::string& arg : trainerArguments(jobs[a].job, "/out"))
                    QVERIFY2(arg.find("nan") == std::string::npos && arg.find("inf") == std::string::npos &&
                                 arg.find('\n') == std::string::npos,
                             arg.c_str());
                QVERIFY(jobs[a].job.heads >= 1 && jobs[a].batch >= 1 && jobs[a].steps >= 1);
                QVERIFY(std::isfinite(jobs[a].job.budget) && jobs[a].job.budget > 0);
            }
        }
        qInfo("%d mutated plans accepted", accepted);
        QVERIFY(accepted > 0);
    }

    void mutatedCheckpointsNeverCrashTheChecker() {
        const std::string bytes = fileBytes(MOESCOPE_SOURCE_DIR "/tests/core/fixtures/checkpoint_tiny.pt");
        std::string error;
        QVERIFY2(checkTorchArchiveBytes(bytes, "tiny.pt", error), error.c_str());
        // Cut anywhere, the file is refused.
        for (size_t cut : {size_t(0), size_t(21), bytes.size() / 3, bytes.size() / 2, bytes.size() - 1})
            QVERIFY(!checkTorchArchiveBytes(bytes.substr(0, cut), "cut.pt", error));
        std::mt19937_64 rng(2026120104);
        const std::vector<std::string> tokens = {std::string("PK\x01\x02", 4),
                                                 std::string("PK\x05\x06", 4),
                                                 std::string("\xff\xff\xff\xff", 4),
                                                 "storage",
                                                 "torch\nFloat",
                                                 std::string(8, '\0'),
                                                 "(X\x07\x00\x00\x00storage"};
        int refused = 0;
        for (int i = 0; i < 1500; ++i) {
            std::string mutant = bytes;
            // Aim half the edits at the pickle and the directory, where the structure is.
            if (i % 2 == 0) {
                const size_t pkl = bytes.find("data.pkl");
                const size_t at =
                    (i % 4 == 0 && pkl != std::string::npos) ? pkl : bytes.size() - 1 - rng() % 4096;
                for (int k = 0; k < 1 + static_cast<int>(rng() % 8); ++k)
                    mutant[std::min(mutant.size() - 1, at + rng() % 2048)] = static_cast<char>(rng() & 0xff);
            } else {
                mutant = mutateBytes(mutant, rng, tokens);
            }
            refused += !checkTorchArchiveBytes(mutant, "mutant.pt", error);
        }
        qInfo("%d of 1500 mutated checkpoints refused", refused);
        QVERIFY(refused > 100);
    }
};

QTEST_GUILESS_MAIN(TestFuzzUntrusted)
#include "tst_fuzz_untrusted.moc"
