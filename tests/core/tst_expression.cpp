// The expression language of filters and formulas (core/model/Expression.h), against values worked out
// by hand, and its use as --where and --holdout through the CLI.
#include "core/io/RunImporter.h"
#include "core/model/Expression.h"
#include "core/model/RunFilter.h"
#include "tests/support/TestSupport.h"

#include <QtTest>

#include <cmath>
#include <map>

using namespace moescope;
using namespace moescope::test;

namespace {

ExprValue evalOn(const QString& text, const std::map<std::string, ExprValue>& row, bool* ok = nullptr,
                 std::string* error = nullptr) {
    Expression e;
    std::string why;
    ExprValue v;
    const bool good = Expression::parse(text.toStdString(), e, why) &&
                      e.evaluate(
                          [&](const std::string& c) -> std::optional<ExprValue> {
                              const auto it = row.find(c);
                              return it == row.end() ? std::nullopt : std::optional<ExprValue>(it->second);
                          },
                          v, why);
    if (ok) *ok = good;
    if (error) *error = why;
    return v;
}

const std::map<std::string, ExprValue> kRow = {{"ppl", ExprValue::of(20.0)},
                                               {"steps", ExprValue::of(1000.0)},
                                               {"batch", ExprValue::of(256.0)},
                                               {"eval/ppl//c4.jsonl", ExprValue::of(12.5)},
                                               {"router_type", ExprValue::of(std::string("S-Base"))},
                                               {"sparsity", ExprValue::of(0.98)},
                                               {"empty", ExprValue::of(std::nan(""))}};

} // namespace

class TestExpression : public QObject {
    Q_OBJECT
private slots:
    void arithmetic_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<double>("value");
        QTest::newRow("loss from perplexity") << "ln(ppl)" << std::log(20.0);
        QTest::newRow("log is natural") << "log(ppl)" << std::log(20.0);
        QTest::newRow("tokens from steps x batch x ctx") << "steps * batch * 2k" << 1000.0 * 256 * 2000;
        QTest::newRow("precedence") << "1 + 2 * 3 ^ 2" << 19.0;
        QTest::newRow("right-associative power") << "2 ^ 3 ^ 2" << 512.0;
        QTest::newRow("unary minus") << "-2 ^ 2" << -4.0;
        QTest::newRow("parentheses") << "(1 + 2) * 3" << 9.0;
        QTest::newRow("suffixes") << "3.2B / 150M" << 3.2e9 / 150e6;
        QTest::newRow("quoted column") << "ln(`eval/ppl//c4.jsonl`)" << std::log(12.5);
        QTest::newRow("min max") << "max(1, min(5, ppl), 3)" << 5.0;
        QTest::newRow("exp log10 sqrt") << "exp(0) + log10(1000) + sqrt(16)" << 8.0;
        QTest::newRow("division") << "1 / 8" << 0.125;
    }
    void arithmetic() {
        QFETCH(QString, text);
        QFETCH(double, value);
        bool ok = false;
        std::string error;
        const ExprValue v = evalOn(text, kRow, &ok, &error);
        QVERIFY2(ok, error.c_str());
        QVERIFY(!v.isString);
        QVERIFY2(std::fabs(v.number - value) <= 1e-12 * std::fabs(value),
                 qPrintable(QString::number(v.number, 'g', 17)));
    }

    void filters_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("result");
        QTest::newRow("string equality") << "router_type == 'S-Base'" << true;
        QTest::newRow("double quotes") << "router_type == \"Dense\"" << false;
        QTest::newRow("or") << "router_type=='S-Base' or router_type=='Dense'" << true;
        QTest::newRow("and") << "router_type=='S-Base' and sparsity < 0.5" << false;
        QTest::newRow("not") << "not sparsity < 0.5" << true;
        QTest::newRow("in strings") << "router_type in ('RL-R', 'S-Base')" << true;
        QTest::newRow("not in numbers") << "sparsity not in (0, 0.5, 0.75)" << true;
        QTest::newRow("tolerant equality") << "sparsity == 1 - 1/50" << true;
        QTest::newRow("<= at equality") << "sparsity <= 0.98" << true;
        QTest::newRow("< at equality") << "sparsity < 0.98" << false;
        QTest::newRow("missing value matches nothing") << "empty == empty or empty != 1" << false;
        QTest::newRow("keyword prefix is a name") << "ppl > 19 and steps >= 1k" << true;
    }
    void filters() {
        QFETCH(QString, text);
        QFETCH(bool, result);
        Expression e;
        std::string error;
        QVERIFY2(Expression::parse(text.toStdString(), e, error), error.c_str());
        bool got = false;
        QVERIFY2(e.test(
                     [](const std::string& c) -> std::optional<ExprValue> {
                         const auto it = kRow.find(c);
                         return it == kRow.end() ? std::nullopt : std::optional<ExprValue>(it->second);
                     },
                     got, error),
                 error.c_str());
        QCOMPARE(got, result);
    }

    void badExpressionsSayWhere_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("message");
        QTest::newRow("single =") << "sparsity = 0.5"
                                  << "at character 10: '=' is not a comparison";
        QTest::newRow("unterminated string") << "router_type == 'S-Base"
                                             << "unterminated string";
        QTest::newRow("unknown function") << "lg(ppl)"
                                          << "unknown function 'lg'";
        QTest::newRow("trailing") << "ppl > 1 )"
                                  << "unexpected ')'";
        QTest::newRow("dangling and") << "ppl > 1 and"
                                      << "ends too early";
        QTest::newRow("bad number") << "12q > 1"
                                    << "neither a number nor a name";
        QTest::newRow("out of range") << "ppl < 1e400"
                                      << "out of range";
        QTest::newRow("arity") << "exp(1, 2)"
                               << "exp takes one argument";
    }
    void badExpressionsSayWhere() {
        QFETCH(QString, text);
        QFETCH(QString, message);
        Expression e;
        std::string error;
        QVERIFY(!Expression::parse(text.toStdString(), e, error));
        QVERIFY2(QString::fromStdString(error).contains(message), error.c_str());
    }

    void evaluationErrorsNameTheProblem() {
        bool ok = true;
        std::string error;
        evalOn("lr > 1e-3", kRow, &ok, &error);
        QVERIFY(!ok);
        QVERIFY2(error.find("unknown column 'lr'") != std::string::npos, error.c_str());
        evalOn("router_type > 3", kRow, &ok, &error);
        QVERIFY(!ok);
        QVERIFY2(error.find("compares a string with a number") != std::string::npos, error.c_str());
        evalOn("ln(router_type)", kRow, &ok, &error);
        QVERIFY(!ok);
        QVERIFY2(error.find("ln needs a number") != std::string::npos, error.c_str());
    }

    void runFiltersSeeFieldsMetricsAndLabels() {
        const std::string csv = "params,loss,lr,router\n1e8,3.1,0.001,S-Base\n2e8,3.0,0.003,Dense\n"
                                "4e8,2.9,0.001,RL-R\n";
        const ImportResult r = importRunsText(csv, "t.csv", {});
        QVERIFY(r.ok());
        RunFilter f;
        std::string error;
        QVERIFY(RunFilter::parse("router in ('S-Base','Dense') and lr < 2e-3 or params >= 400M", f, error));
        std::vector<bool> m;
        QVERIFY2(f.select(r.table, m, error), error.c_str());
        QCOMPARE(m, (std::vector<bool>{true, false, true}));
        QVERIFY(RunFilter::parse("experiment == 'x'", f, error));
        QVERIFY(!f.select(r.table, m, error));
        QVERIFY2(error.find("unknown column 'experiment'") != std::string::npos &&
                     error.find("router") != std::string::npos,
                 error.c_str());
    }

    void whereAndHoldoutThroughTheCli() {
        QTemporaryDir dir;
        const QString sample = MOESCOPE_SOURCE_DIR "/datasets/sample_sweep.csv";
        // --where restricts the runs: the held-out rule then sees only what is left.
        const ProcessResult only =
            runCli({"fit", sample, "--law", "chinchilla", "--where", "experts == 1", "--json"});
        QCOMPARE(only.exitCode, 0);
        QVERIFY2(only.out.contains("\"where\": \"experts == 1\"") ||
                     only.out.contains("\"where\":\"experts == 1\""),
                 qPrintable(only.out));
        const ProcessResult none = runCli({"fit", sample, "--law", "chinchilla", "--where", "experts > 1e6"});
        QCOMPARE(none.exitCode, 2);
        QVERIFY2(none.err.contains("--where") && none.err.contains("no included run matches"),
                 qPrintable(none.err));
        const ProcessResult unknown =
            runCli({"fit", sample, "--law", "isoflop", "--where", "experiment == 'a'"});
        QCOMPARE(unknown.exitCode, 2);
        QVERIFY2(unknown.err.contains("unknown column 'experiment'"), qPrintable(unknown.err));
        const ProcessResult bad = runCli({"fit", sample, "--law", "abnar", "--holdout", "sparsity = 0.98"});
        QCOMPARE(bad.exitCode, 2);
        QVERIFY2(bad.err.contains("option --holdout") && bad.err.contains("'=' is not a comparison"),
                 qPrintable(bad.err));
        const ProcessResult held =
            runCli({"fit", sample, "--law", "abnar", "--holdout", "sparsity > 0.9", "--json"});
        QCOMPARE(held.exitCode, 0);
        QVERIFY2(held.out.contains("sparsity > 0.9"), qPrintable(held.out));
    }
};

QTEST_GUILESS_MAIN(TestExpression)
#include "tst_expression.moc"
