// Parameter and FLOP accounting against hand-computed values (ARCHITECTURE.md §3) and the paper's Figure 7
// claim.
#include "core/model/Accounting.h"
#include "core/model/Run.h"

#include <QtTest>

using namespace moescope;

class TestAccounting : public QObject {
    Q_OBJECT
private slots:
    void counts_data() {
        QTest::addColumn<double>("d");
        QTest::addColumn<double>("layers");
        QTest::addColumn<double>("experts");
        QTest::addColumn<double>("active");
        QTest::addColumn<double>("granularity");
        QTest::addColumn<double>("params");
        QTest::addColumn<double>("activeParams");
        // Worked by hand: attention 4d² = 1,048,576; router d·E; SwiGLU expert 12d²/G; V·d = 25,821,184.
        QTest::newRow("dense") << 512.0 << 8.0 << 1.0 << 1.0 << 1.0 << 59379712.0 << 59379712.0;
        QTest::newRow("moe E8 K2") << 512.0 << 8.0 << 8.0 << 2.0 << 1.0 << 235569152.0 << 84574208.0;
        QTest::newRow("granular E32 K8 G4")
            << 512.0 << 8.0 << 32.0 << 8.0 << 4.0 << 235667456.0 << 84672512.0;
    }
    void counts() {
        QFETCH(double, d);
        QFETCH(double, layers);
        QFETCH(double, experts);
        QFETCH(double, active);
        QFETCH(double, granularity);
        QFETCH(double, params);
        QFETCH(double, activeParams);
        Architecture a{d, layers, experts, active, granularity, 2048, 50432};
        QCOMPARE(totalParams(a), params);
        QCOMPARE(moescope::activeParams(a), activeParams);
        QCOMPARE(embeddingParams(a), 50432.0 * d);
        QCOMPARE(flopsPerToken6Na(a), 6.0 * activeParams);
    }

    void eq9FlopsDense() {
        Architecture a{512, 8, 1, 1, 1, 2048, 50432};
        // 8·(24d² + 12·ctx·d + 72d² + 14d) + 6·V·d
        QCOMPARE(flopsPerToken(a), 456974336.0);
        QCOMPARE(expertAttentionRatio(a), 1.0); // 12d² / (4d² + 2·2048·512)
    }

    void eq9CountsOnlyActiveExpertsButEveryRouterColumn() {
        Architecture a{512, 8, 64, 2, 1, 2048, 50432};
        Architecture b = a;
        b.experts = 128;
        // Doubling E adds only router work: 14·d·ΔE per layer.
        QCOMPARE(flopsPerToken(b) - flopsPerToken(a), 8 * 14.0 * 512 * 64);
        QCOMPARE(sparsityOf(64, 2), 62.0 / 64.0);
        QVERIFY(qFuzzyCompare(expertAttentionRatio(a), 2.0));
    }

    void figure7RatioTendsToOne() {
        // Abnar et al. Fig. 7: Eq. 9 over 6·N_a approaches 1 as models grow (aspect d/L = 128).
        double previous = 1e9;
        for (double d = 256; d <= 16384; d *= 2) {
            Architecture a{d, d / 128, 64, 8, 1, 2048, 50432};
            const double ratio = flopsPerToken(a) / flopsPerToken6Na(a);
            QVERIFY2(ratio < previous,
                     qPrintable(QString("ratio %1 at d=%2 did not shrink").arg(ratio).arg(d)));
            QVERIFY(ratio > 1.0);
            previous = ratio;
        }
        QVERIFY2(previous < 1.02, qPrintable(QString("ratio at d=16384 is %1").arg(previous)));
    }

    void derivedFields() {
        Run r;
        r.set(Field::DModel, 512);
        r.set(Field::NLayers, 8);
        r.set(Field::Vocab, 50432);
        r.set(Field::Experts, 8);
        r.set(Field::ActiveExperts, 2);
        r.set(Field::Tokens, 1e9);
        deriveMissingFields(r);
        QCOMPARE(r.get(Field::Sparsity), 0.75);
        QVERIFY(r.isDerived(Field::Sparsity));
        QCOMPARE(r.get(Field::Params), 235569152.0);
        QCOMPARE(r.get(Field::ActiveParams), 84574208.0);
        QCOMPARE(r.get(Field::Flops), 6.0 * 84574208.0 * 1e9);
        QVERIFY(r.isDerived(Field::Flops));
        QVERIFY(!r.isDerived(Field::Tokens));
    }

    void denseRunFromParamsAndFlops() {
        Run r;
        r.set(Field::Params, 1e8);
        r.set(Field::Flops, 6e18);
        deriveMissingFields(r);
        QCOMPARE(r.get(Field::Sparsity), 0.0);
        QCOMPARE(r.get(Field::ActiveParams), 1e8);
        QCOMPARE(r.get(Field::Tokens), 1e10);
        QVERIFY(r.isDerived(Field::Tokens));
        QVERIFY(r.isDerived(Field::ActiveParams));
    }

    // C = 6·N_a·D backwards (issue #30, point 3): a MoE run with N, FLOPs and tokens but no active count
    // gets N_a = C/(6·D) — it showed "N_a* nan" and "D* nan tokens" — and a dense run its N as well. A count
    // above N is no active count: none is derived.
    void activeCountFromFlopsAndTokens() {
        Run moe;
        moe.set(Field::Params, 1e9);
        moe.set(Field::Sparsity, 0.875);
        moe.set(Field::Flops, 6e19);
        moe.set(Field::Tokens, 5e10);
        deriveMissingFields(moe);
        QCOMPARE(moe.get(Field::ActiveParams), 2e8);
        QVERIFY(moe.isDerived(Field::ActiveParams));
        Run dense;
        dense.set(Field::Flops, 6e18);
        dense.set(Field::Tokens, 1e10);
        deriveMissingFields(dense);
        QCOMPARE(dense.get(Field::ActiveParams), 1e8);
        QCOMPARE(dense.get(Field::Params), 1e8);
        QVERIFY(dense.isDerived(Field::Params));
        Run impossible = moe;
        impossible.values[int(Field::ActiveParams)] = NAN;
        impossible.set(Field::Tokens, 1e9); // N_a would be 1e10 > N
        deriveMissingFields(impossible);
        QVERIFY(!impossible.has(Field::ActiveParams));
    }

    void statedValuesAreNeverOverwritten() {
        Run r;
        r.set(Field::Params, 123);
        r.set(Field::DModel, 512);
        r.set(Field::NLayers, 8);
        r.set(Field::Vocab, 50432);
        deriveMissingFields(r);
        QCOMPARE(r.get(Field::Params), 123.0);
        QVERIFY(!r.isDerived(Field::Params));
    }
};

QTEST_GUILESS_MAIN(TestAccounting)
#include "tst_accounting.moc"
