// Imports of the real sweeps in ../shared/data (skipped when the folder is absent).
#include "core/io/RunImporter.h"
#include "tests/support/TestSupport.h"

#include <map>

using namespace moescope;
using namespace moescope::test;

class TestSharedImport : public QObject {
    Q_OBJECT
private slots:
    void clarkRouting() {
        MOESCOPE_REQUIRE_SHARED("clark2022_routing/curves.csv");
        ImportOptions o;
        o.overrides = clarkMapping();
        // Without --skip-invalid the file is refused: 130 rows are Dense runs with k = 2 or 4 (a widened FFN
        // emulating k > 1), which MoE accounting cannot take as K > E. The 8 rows that lack loss_validation
        // are kept, excluded, as runs without a result.
        ImportResult strict = importRunsFile(sharedData("clark2022_routing/curves.csv").toStdString(), o);
        QCOMPARE(strict.outcome, ImportResult::Outcome::InvalidRows);
        o.skipInvalid = true;
        const ImportResult r = importRunsFile(sharedData("clark2022_routing/curves.csv").toStdString(), o);
        QVERIFY(r.ok());
        QCOMPARE(r.rowsRead, 5799);
        QCOMPARE(r.rowsInvalid, 130);
        QCOMPARE(r.rowsWithoutLoss, 8);
        QCOMPARE(int(r.table.runs.size()), 5799 - 130);
        int kOverE = 0, noLoss = 0;
        for (const auto& e : r.errors)
            kOverE += e.column == "k" && QString::fromStdString(e.message).contains("exceeds E = 1");
        for (const Run& run : r.table.runs)
            noLoss += run.excluded && run.excludedWhy == "no loss" && !run.has(Field::Loss);
        QCOMPARE(kOverE, 130);
        QCOMPARE(noLoss, 8);
        // Final step per run (hyper_id): 218 of SOURCE.txt's 223 runs keep a valid final row.
        const int hyper = r.table.metricIndex("hyper_id"), step = r.table.metricIndex("step");
        QVERIFY(hyper >= 0 && step >= 0);
        std::map<double, const Run*> last;
        for (const Run& run : r.table.runs) {
            if (run.excluded) continue; // a row without a loss is no run's result
            const Run*& slot = last[run.metrics[hyper]];
            if (!slot || run.metrics[step] > slot->metrics[step]) slot = &run;
        }
        QCOMPARE(int(last.size()), 218);
        const Run* first = last.at(0.0); // hyper_id 0: a dense 370M model
        QCOMPARE(first->get(Field::Params), 368123904.0);
        QCOMPARE(first->get(Field::ActiveParams), 368123904.0);
        QCOMPARE(first->get(Field::Sparsity), 0.0);
        QVERIFY(first->isDerived(Field::Sparsity));
        QCOMPARE(first->get(Field::DModel), 1536.0);
        QCOMPARE(first->get(Field::NLayers), 12.0); // num_blocks
        QVERIFY(first->get(Field::Loss) > 2.0 && first->get(Field::Loss) < 3.0);
        const int router = r.table.labelIndex("router_type");
        QVERIFY(router >= 0);
        int routed = 0;
        for (const auto& [id, run] : last)
            if (run->get(Field::Experts) > 1) {
                ++routed;
                QCOMPARE(run->get(Field::Sparsity),
                         1.0 - run->get(Field::ActiveExperts) / run->get(Field::Experts));
                QVERIFY(run->get(Field::ActiveParams) < run->get(Field::Params));
            }
        QCOMPARE(routed, 210);
    }

    void curvesByRunKeyGiveTheShippedFinalPoints() {
        // datasets/clark2022_routing.csv is each curve's last point; --run-key hyper_id must find the same.
        MOESCOPE_REQUIRE_SHARED("clark2022_routing/curves.csv");
        ImportOptions o;
        o.overrides = clarkMapping();
        o.skipInvalid = true;
        o.selection.runKey = {"hyper_id"};
        const ImportResult curves =
            importRunsFile(sharedData("clark2022_routing/curves.csv").toStdString(), o);
        QVERIFY(curves.ok());
        const ImportResult shipped =
            importRunsFile(MOESCOPE_SOURCE_DIR "/datasets/clark2022_routing.csv", {});
        QVERIFY(shipped.ok());
        std::map<double, double> shippedLoss;
        const int shippedId = shipped.table.metricIndex("hyper_id");
        for (const Run& run : shipped.table.runs)
            shippedLoss[run.metrics[shippedId]] = run.get(Field::Loss);
        const int id = curves.table.metricIndex("hyper_id");
        int compared = 0;
        for (const Run& run : curves.table.runs) {
            QVERIFY(!run.curve.empty());
            if (run.excluded) continue;
            QCOMPARE(run.get(Field::Loss), shippedLoss.at(run.metrics[id]));
            ++compared;
        }
        QCOMPARE(compared, 218); // the 5 Dense runs with k > 1 are invalid rows here (K > E)
    }

    void openAthenaIsoflops() {
        MOESCOPE_REQUIRE_SHARED("openathena_isoflops/isoflops.csv");
        const ImportResult r =
            importRunsFile(sharedData("openathena_isoflops/isoflops.csv").toStdString(), {});
        QVERIFY(r.ok());
        QCOMPARE(r.rowsRead, 947);
        QCOMPARE(int(r.table.runs.size()), 947);
        const auto find = [&](const std::string& field) {
            for (const auto& m : r.mapping)
                if (m.first == field) return QString::fromStdString(m.second);
            return QString();
        };
        QCOMPARE(find("params"), QString("params"));
        QCOMPARE(find("tokens"), QString("tokens"));
        QCOMPARE(find("budget"), QString("budget"));
        const Run& first = r.table.runs[0];
        QCOMPARE(first.get(Field::Params), 1730543416.124146);
        QCOMPARE(first.get(Field::Budget), 1e19);
        QCOMPARE(first.get(Field::Loss), 3.395737776160633);
        QCOMPARE(first.get(Field::Sparsity), 0.0); // dense ⇒ S = 0, N_a = N
        QCOMPARE(first.get(Field::ActiveParams), first.get(Field::Params));
        QVERIFY(first.isDerived(Field::Flops));
        const int experiment = r.table.labelIndex("experiment");
        QVERIFY(experiment >= 0);
        int chinchilla = 0;
        for (const Run& run : r.table.runs)
            chinchilla += run.labels[experiment] == "ml_scalefit__massivetext__chinchilla";
        QCOMPARE(chinchilla, 124);
    }
};

QTEST_GUILESS_MAIN(TestSharedImport)
#include "tst_shared_import.moc"
