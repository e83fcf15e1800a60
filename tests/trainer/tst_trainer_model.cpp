// The trainer on CPU: parameter counts by torch's numel() against core/model's accounting, dropless
// routing against a naive per-token reference, the balance term at perfect balance, and real runs of
// moescope-train (learning, resume equivalence, budget, bad options).
// LibTorch before Qt: Qt's `slots` macro breaks LibTorch's headers.
#include "trainer/Checkpoint.h"
#include "trainer/ChunkedCrossEntropy.h"
#include "trainer/CudaDevice.h"
#include "trainer/MoeTransformer.h"
#include "trainer/ParallelExperts.h"
#include "trainer/Schedule.h"
#include "trainer/TorchVersion.h"

#include "core/io/Json.h"
#include "core/io/RunImporter.h"
#include "core/jobs/TrainerJob.h"
#include "core/model/Accounting.h"
#include "tests/support/TestSupport.h"
#include "tests/trainer/TrainerEvents.h"

#include <QDirIterator>

#include <cmath>
#include <csignal>
#include <sys/resource.h>

using namespace moescope;
using namespace moescope::trainer;
using namespace moescope::test;

namespace {
ProcessResult train(const QStringList& args, int timeoutMs = 600000) {
    return runProgram(MOESCOPE_TRAIN, args, timeoutMs);
}

// The MoE layer token by token, as its definition reads: each token's top-K experts' SwiGLU outputs weighted
// by their router probabilities. [t, d], differentiable.
torch::Tensor naiveMoe(MoeFeedForwardImpl& ffn, const torch::Tensor& x, const torch::Tensor& probs) {
    std::vector<torch::Tensor> outs;
    for (int64_t i = 0; i < x.size(0); ++i) {
        auto [w, idx] = torch::topk(probs[i], ffn.active);
        auto y = torch::zeros({x.size(1)});
        for (int64_t j = 0; j < ffn.active; ++j) {
            const int64_t ex = idx[j].item<int64_t>();
            const auto row = x[i].unsqueeze(0);
            const auto hidden = torch::silu(row.matmul(ffn.wGate[ex])) * row.matmul(ffn.wUp[ex]);
            y = y + w[j] * hidden.matmul(ffn.wDown[ex]).squeeze(0);
        }
        outs.push_back(y);
    }
    return torch::stack(outs);
}
} // namespace

class TestTrainer : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString corpus_;
    double unigramEntropy_ = 0;

private slots:
    void initTestCase() {
        torch::set_num_threads(1);
        // A small text of our own: the project's C++ sources, so the test needs no download.
        const QByteArray text = projectSourceText();
        QVERIFY(text.size() > 50000);
        corpus_ = writeFile(dir_, "corpus.txt", text);
        double counts[256] = {};
        for (unsigned char c : text)
            counts[c] += 1;
        for (double c : counts)
            if (c > 0) unigramEntropy_ -= c / text.size() * std::log(c / text.size());
    }

    void numelMatchesAccounting_data() {
        QTest::addColumn<int>("d");
        QTest::addColumn<int>("layers");
        QTest::addColumn<int>("experts");
        QTest::addColumn<int>("active");
        QTest::addColumn<double>("granularity");
        QTest::addColumn<int>("vocab");
        QTest::newRow("dense") << 64 << 2 << 1 << 1 << 1.0 << 256;
        QTest::newRow("moe E8 K2") << 64 << 3 << 8 << 2 << 1.0 << 256;
        QTest::newRow("granular E16 K4 G4") << 128 << 2 << 16 << 4 << 4.0 << 512;
    }
    void numelMatchesAccounting() {
        QFETCH(int, d);
        QFETCH(int, layers);
        QFETCH(int, experts);
        QFETCH(int, active);
        QFETCH(double, granularity);
        QFETCH(int, vocab);
        Architecture a{double(d), double(layers), double(experts), double(active), granularity,
                       64,        double(vocab)};
        MoeTransformer model(a, d / 32);
        const CountedParams c = countParameters(*model);
        QCOMPARE(c.total, totalParams(a));
        QCOMPARE(c.active, activeParams(a));
        QCOMPARE(c.embedding, embeddingParams(a));
        // Every weight is accounted for: numel of all parameters = N + embedding + norm gains.
        double all = 0;
        for (const auto& p : model->parameters())
            all += p.numel();
        QCOMPARE(all, totalParams(a) + embeddingParams(a) + c.norms);
        QCOMPARE(c.norms, double(layers * (2 * d + 2 * (d / (d / 32))) + d));
    }

    void droplessRoutingMatchesNaiveReference() {
        torch::manual_seed(3);
        const int64_t d = 16, e = 8, k = 2, h = 24, t = 64;
        MoeFeedForward ffn(d, e, k, h, 1);
        torch::NoGradGuard noGrad;
        const auto x = torch::randn({t, d});
        RoutingStats stats;
        const auto y = ffn->forward(x, &stats);

        const auto probs = torch::softmax(ffn->router->forward(x), -1);
        const DispatchPlan plan = planDispatch(probs, k, e);
        // Each token is processed by exactly K distinct experts.
        QVERIFY(torch::equal(torch::bincount(plan.tokenOf, {}, t), torch::full({t}, k, torch::kInt64)));
        QCOMPARE(plan.counts.sum().item<int64_t>(), t * k);
        QVERIFY(torch::equal(std::get<0>(torch::sort(plan.chosen, 1)).diff(1, 1).gt(0).all(),
                             torch::tensor(true)));
        QVERIFY(torch::equal(stats.counts, plan.counts));

        const auto ref = naiveMoe(*ffn, x, probs);
        for (int64_t i = 0; i < t; ++i) {
            const double diff = (y[i] - ref[i]).abs().max().item<double>();
            QVERIFY2(diff < 1e-5, qPrintable(QString("token %1 differs by %2").arg(i).arg(diff)));
        }
    }

    void dispatchGradientsMatchTheNaiveReference() {
        // The layer's own backward (gathers by the inverse permutation, a batched matmul for the weights)
        // against autograd through a token-by-token loop: gradients for the input, the router and every
        // expert weight.
        torch::manual_seed(11);
        const int64_t d = 8, e = 4, k = 2, h = 12, t = 24;
        MoeFeedForward ffn(d, e, k, h, 1);
        const auto x = torch::randn({t, d}, torch::requires_grad());
        const auto upstream = torch::randn({t, d});
        const std::vector<torch::Tensor> wrt{x, ffn->router->weight, ffn->wGate, ffn->wUp, ffn->wDown};
        const auto fast = torch::autograd::grad({(ffn->forward(x) * upstream).sum()}, wrt);

        const auto probs = torch::softmax(ffn->router->forward(x), -1);
        const auto slow = torch::autograd::grad({(naiveMoe(*ffn, x, probs) * upstream).sum()}, wrt);
        const char* names[] = {"input", "router", "w_gate", "w_up", "w_down"};
        for (size_t i = 0; i < wrt.size(); ++i) {
            const double scale = slow[i].abs().max().item<double>();
            const double diff = (fast[i] - slow[i]).abs().max().item<double>();
            QVERIFY2(scale > 0 && diff < 1e-5 * scale,
                     qPrintable(
                         QString("%1 gradient differs by %2 (scale %3)").arg(names[i]).arg(diff).arg(scale)));
        }
    }

    void denseBf16PeaksTellTheVariantsApart() {
        // The product names CUDA drivers report: a PCIe H100 is not held to the SXM part's peak, an L40 is
        // not taken for an L4, and an unknown device gets no peak (so no MFU is claimed).
        QCOMPARE(denseBf16PeakTflops("NVIDIA H100 80GB HBM3"), 989.0);
        QCOMPARE(denseBf16PeakTflops("NVIDIA H100 PCIe"), 756.0);
        QCOMPARE(denseBf16PeakTflops("NVIDIA H100 NVL"), 835.0);
        QCOMPARE(denseBf16PeakTflops("NVIDIA H200"), 989.0);
        QCOMPARE(denseBf16PeakTflops("NVIDIA A100-SXM4-80GB"), 312.0);
        QCOMPARE(denseBf16PeakTflops("NVIDIA L4"), 121.0);
        QCOMPARE(denseBf16PeakTflops("NVIDIA L40"), 0.0);
        QCOMPARE(denseBf16PeakTflops("NVIDIA GeForce RTX 4090"), 0.0);
        QCOMPARE(denseBf16PeakTflops(""), 0.0);
    }

    void parallelExpertsMatchAutogradThroughTheLoop() {
        // The CPU path's hand-written backward against autograd through the plain per-expert loop, on two
        // threads, with uneven experts and an empty one.
        torch::set_num_threads(2);
        torch::manual_seed(5);
        const int64_t d = 24, e = 5, h = 40;
        const std::vector<int64_t> counts{7, 0, 30, 3, 12};
        const int64_t n = 52;
        MoeFeedForward ffn(d, e, 2, h, 1);
        const auto rows = torch::randn({n, d}, torch::requires_grad());
        const auto upstream = torch::randn({n, d});

        const auto fast = parallelExperts(rows, counts, ffn->wGate, ffn->wUp, ffn->wDown);
        const auto fastGrads =
            torch::autograd::grad({(fast * upstream).sum()}, {rows, ffn->wGate, ffn->wUp, ffn->wDown});
        std::vector<torch::Tensor> pieces;
        for (int64_t ex = 0, start = 0; ex < e; start += counts[ex++])
            if (counts[ex] > 0) pieces.push_back(ffn->expert(ex, rows.narrow(0, start, counts[ex])));
        const auto slow = torch::cat(pieces, 0);
        const auto slowGrads =
            torch::autograd::grad({(slow * upstream).sum()}, {rows, ffn->wGate, ffn->wUp, ffn->wDown});
        torch::set_num_threads(1);

        QVERIFY((fast - slow).abs().max().item<double>() < 1e-6);
        const char* names[] = {"rows", "w_gate", "w_up", "w_down"};
        for (size_t i = 0; i < 4; ++i) {
            const double scale = slowGrads[i].abs().max().item<double>();
            const double diff = (fastGrads[i] - slowGrads[i]).abs().max().item<double>();
            QVERIFY2(scale > 0 && diff < 1e-5 * scale,
                     qPrintable(
                         QString("%1 gradient differs by %2 (scale %3)").arg(names[i]).arg(diff).arg(scale)));
        }
        // The empty expert gets no gradient at all.
        QCOMPARE(fastGrads[1][1].abs().max().item<double>(), 0.0);
    }

    void checkpointRestoresWeightsOptimizerAndGenerator() {
        torch::manual_seed(11);
        Architecture a{32, 1, 4, 2, 1, 16, 64};
        MoeTransformer model(a, 2);
        torch::optim::AdamW opt(model->parameters(), torch::optim::AdamWOptions(1e-3));
        model->forward(torch::randint(0, 64, {2, 16})).logits.sum().backward();
        opt.step();
        QTemporaryDir out;
        saveCheckpoint(out.path().toStdString(), *model, opt, {7, 1.5, {}});
        const auto weight = model->head->weight.clone();
        const auto drawn = torch::rand({4});

        {
            torch::NoGradGuard noGrad;
            model->head->weight.add_(1.0);
        }
        torch::rand({100}); // move the generator on
        const auto state = loadCheckpoint(out.path().toStdString(), *model, opt, torch::kCPU);
        QVERIFY(state.has_value());
        QCOMPARE(state->step, int64_t(7));
        QVERIFY(torch::equal(model->head->weight, weight));
        QVERIFY(torch::equal(torch::rand({4}), drawn));
        QVERIFY(!loadCheckpoint(out.filePath("none").toStdString(), *model, opt, torch::kCPU).has_value());
    }

    void balanceTermIsOneUnderUniformRouting() {
        // Circulant logits: token t prefers experts t, t+1, ... so c_i = K for every expert and the mean
        // router probability of every expert is 1/E: perfect balance.
        const int64_t e = 8, k = 2;
        auto logits = torch::empty({e, e});
        for (int64_t t = 0; t < e; ++t)
            for (int64_t i = 0; i < e; ++i)
                logits[t][i] = 3.0 - double((i - t + e) % e);
        const auto probs = torch::softmax(logits, -1);
        const auto chosen = std::get<1>(torch::topk(probs, k, -1));
        QVERIFY(std::fabs(loadBalancingTerm(probs, chosen, e).item<double>() - 1.0) < 1e-6);
        // Collapsed routing (every token to expert 0) is penalised.
        auto collapsed = torch::full({e, e}, -5.0);
        collapsed.select(1, 0).fill_(5.0);
        const auto p2 = torch::softmax(collapsed, -1);
        QVERIFY(loadBalancingTerm(p2, std::get<1>(torch::topk(p2, k, -1)), e).item<double>() > 2.0);

        // Through the layer: one-hot inputs and a circulant router give the same balance, and the trainer's
        // reported lb_loss is the coefficient times it.
        torch::NoGradGuard noGrad;
        MoeFeedForward ffn(e, e, k, 8, 1);
        ffn->router->weight.copy_(logits.t());
        RoutingStats stats;
        ffn->forward(torch::eye(e), &stats);
        QVERIFY(std::fabs(stats.lb.item<double>() - 1.0) < 1e-6);
    }

    void tinyMoeLearns() {
        const QString out = dir_.filePath("learn");
        const ProcessResult r =
            train({"--data",  corpus_,     "--d-model", "64",       "--layers", "2",     "--heads",
                   "2",       "--experts", "4",         "--active", "1",        "--ctx", "64",
                   "--batch", "16",        "--steps",   "300",      "--lr",     "3e-3",  "--eval-every",
                   "100",     "--threads", "2",         "--out",    out});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err + r.out.right(2000)));
        const auto all = events(r.out);
        const auto steps = ofKind(all, "step");
        QVERIFY(steps.size() >= 300);
        const double first = steps.front()["loss"].number();
        QVERIFY2(std::fabs(first - std::log(256.0)) < 0.3, qPrintable(QString::number(first)));
        const double finalVal = ofKind(all, "done").at(0)["val_loss"].number();
        qInfo("loss %.3f -> val %.3f nats; unigram entropy of the text %.3f", first, finalVal,
              unigramEntropy_);
        QVERIFY2(finalVal < unigramEntropy_ - 0.3, qPrintable(QString::number(finalVal)));
        // Per-expert token counts come with every step: L rows of E counts summing to the tokens routed.
        const Json& counts = steps.back()["expert_tokens"];
        QCOMPARE(int(counts.size()), 2);
        double sum = 0;
        for (const Json& c : counts.at(0).items())
            sum += c.number();
        QCOMPARE(sum, 16.0 * 64);
        QVERIFY(QFile::exists(out + "/result.json"));
        QVERIFY(QFile::exists(out + "/checkpoint.pt"));
    }

    // The chunked loss is the plain cross-entropy, value and gradients, whatever the block size (one row, a
    // ragged last block, one block for all); with bf16 matmuls it agrees to bf16's precision.
    void chunkedCrossEntropyIsTheFullOne() {
        torch::manual_seed(3);
        const int64_t t = 37, d = 24, v = 50;
        const auto hidden0 = torch::randn({t, d}), weight0 = torch::randn({v, d}) * 0.3;
        const auto targets = torch::randint(0, v, {t});
        auto h = hidden0.clone().requires_grad_(), w = weight0.clone().requires_grad_();
        const auto full = torch::nn::functional::cross_entropy(torch::matmul(h, w.t()), targets);
        full.backward();
        for (int64_t rows : {int64_t(1), int64_t(5), int64_t(16), int64_t(1000)}) {
            auto hc = hidden0.clone().requires_grad_(), wc = weight0.clone().requires_grad_();
            const auto chunked = chunkedCrossEntropy(hc, wc, targets, torch::kFloat32, rows);
            chunked.backward();
            const QString what = QString("%1 rows a block").arg(rows);
            QVERIFY2(std::fabs(chunked.item<double>() - full.item<double>()) <= 1e-6 * full.item<double>(),
                     qPrintable(what));
            QVERIFY2(torch::allclose(hc.grad(), h.grad(), 1e-5, 1e-7),
                     qPrintable(what + ": hidden's gradient"));
            QVERIFY2(torch::allclose(wc.grad(), w.grad(), 1e-5, 1e-7),
                     qPrintable(what + ": weight's gradient"));
        }
        auto hb = hidden0.clone().requires_grad_(), wb = weight0.clone().requires_grad_();
        const auto bf16 = chunkedCrossEntropy(hb, wb, targets, torch::kBFloat16, 8);
        bf16.backward();
        QVERIFY(std::fabs(bf16.item<double>() - full.item<double>()) <= 2e-2 * full.item<double>());
        QCOMPARE(hb.grad().scalar_type(), torch::kFloat32); // gradients in the parameters' own dtypes
        QVERIFY(torch::allclose(hb.grad(), h.grad(), 5e-2, 5e-3));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                                 chunkedCrossEntropy(hidden0, weight0.t(), targets, torch::kFloat32));
    }

    // A run trained with the chunked loss follows the full one step for step (only the sums' order differs).
    void aChunkedLossTrainsLikeTheFullOne() {
        const QStringList common = {"--data",    corpus_, "--d-model",    "32",  "--layers", "2",
                                    "--heads",   "2",     "--experts",    "4",   "--active", "2",
                                    "--ctx",     "32",    "--batch",      "8",   "--steps",  "20",
                                    "--threads", "1",     "--eval-every", "1000"};
        const ProcessResult full =
            train(common + QStringList{"--out", dir_.filePath("loss-full"), "--loss", "full"});
        const ProcessResult chunked =
            train(common + QStringList{"--out", dir_.filePath("loss-chunked"), "--loss", "chunked"});
        QVERIFY2(full.exitCode == 0 && chunked.exitCode == 0, qPrintable(chunked.out.right(500)));
        const auto a = ofKind(events(full.out), "step"), b = ofKind(events(chunked.out), "step");
        QCOMPARE(int(a.size()), 20);
        QCOMPARE(int(b.size()), 20);
        for (size_t i = 0; i < a.size(); ++i)
            QVERIFY2(std::fabs(b[i]["loss"].number() - a[i]["loss"].number()) <= 1e-4 * a[i]["loss"].number(),
                     qPrintable(QString("step %1: %2 vs %3")
                                    .arg(i + 1)
                                    .arg(b[i]["loss"].number(), 0, 'g', 10)
                                    .arg(a[i]["loss"].number(), 0, 'g', 10)));
    }

    void resumeGivesTheSameLosses() {
        const QStringList common = {"--data",    corpus_, "--d-model",    "32",  "--layers", "2",
                                    "--heads",   "2",     "--experts",    "4",   "--active", "2",
                                    "--ctx",     "32",    "--batch",      "8",   "--steps",  "30",
                                    "--threads", "1",     "--eval-every", "1000"};
        const ProcessResult whole = train(common + QStringList{"--out", dir_.filePath("whole")});
        QCOMPARE(whole.exitCode, 0);
        const ProcessResult first =
            train(common + QStringList{"--out", dir_.filePath("split"), "--stop-at", "13"});
        QCOMPARE(first.exitCode, 130);
        QVERIFY(QFile::exists(dir_.filePath("split/checkpoint.pt")));
        const ProcessResult second = train(common + QStringList{"--out", dir_.filePath("split"), "--resume"});
        QVERIFY2(second.exitCode == 0, qPrintable(second.out.right(1000)));
        const auto a = ofKind(events(whole.out), "step");
        const auto b1 = ofKind(events(first.out), "step");
        const auto b2 = ofKind(events(second.out), "step");
        QCOMPARE(int(a.size()), 30);
        QCOMPARE(int(b1.size() + b2.size()), 30);
        std::vector<Json> b = b1;
        b.insert(b.end(), b2.begin(), b2.end());
        for (size_t i = 0; i < a.size(); ++i) {
            QCOMPARE(b[i]["step"].number(), a[i]["step"].number());
            QVERIFY2(std::fabs(b[i]["loss"].number() - a[i]["loss"].number()) <= 1e-6 * a[i]["loss"].number(),
                     qPrintable(QString("step %1: %2 vs %3")
                                    .arg(i + 1)
                                    .arg(b[i]["loss"].number(), 0, 'g', 10)
                                    .arg(a[i]["loss"].number(), 0, 'g', 10)));
        }
        QCOMPARE(ofKind(events(second.out), "done")[0]["val_loss"].number(),
                 ofKind(events(whole.out), "done")[0]["val_loss"].number());
    }

    void wsdHoldsThePeakThenCoolsDown() {
        TrainerOptions o;
        o.lr = 1e-2, o.warmup = 10, o.schedule = "wsd", o.decayFrac = 0.25;
        QCOMPARE(decayStart(o, 100), int64_t(75));
        QCOMPARE(learningRate(o, 4, 100), 1e-2 * 5 / 10);
        for (int64_t s : {10, 40, 74})
            QCOMPARE(learningRate(o, s, 100), 1e-2);
        for (const char* shape : {"sqrt", "linear", "cosine"}) {
            o.decayShape = shape;
            double previous = 1e-2;
            for (int64_t s = 75; s < 100; ++s) {
                const double lr = learningRate(o, s, 100);
                QVERIFY2(lr < previous && lr > 0, shape);
                previous = lr;
            }
            QVERIFY2(previous < 0.05 * 1e-2, shape); // the last step is all but at zero
        }
        // The stable phase does not depend on the run's length: a run of 60 steps has the same rates until
        // its own cooldown starts at 45.
        for (int64_t s = 0; s < decayStart(o, 60); ++s)
            QCOMPARE(learningRate(o, s, 60), learningRate(o, s, 100));
        // Cosine is unchanged: a tenth of the peak at the end.
        o.schedule = "cosine";
        QVERIFY(std::fabs(learningRate(o, 99, 100) - 1e-3) < 1e-5);
    }

    // A cooldown branch of a stable run is the WSD run of its length trained from scratch: the parent's
    // losses are the scratch run's up to the branch step, and the branch ends where the scratch run ends,
    // having trained only the cooldown.
    void cooldownBranchEqualsAWsdRunFromScratch() {
        const QStringList common = {"--data",       corpus_, "--d-model",  "32",  "--layers",  "2",
                                    "--heads",      "2",     "--experts",  "4",   "--active",  "2",
                                    "--ctx",        "32",    "--batch",    "8",   "--threads", "1",
                                    "--eval-every", "1000",  "--schedule", "wsd", "--warmup",  "3"};
        const QString parent = dir_.filePath("stable");
        const ProcessResult stable =
            train(common + QStringList{"--steps", "40", "--keep-at", "16", "--out", parent});
        QVERIFY2(stable.exitCode == 0, qPrintable(stable.err));
        QVERIFY(QFile::exists(parent + "/branch-points/step-16.pt"));
        const ProcessResult scratch =
            train(common + QStringList{"--steps", "20", "--out", dir_.filePath("scratch")});
        QVERIFY2(scratch.exitCode == 0, qPrintable(scratch.err));
        const ProcessResult branch =
            train(common + QStringList{"--steps", "20", "--branch-from", parent + "/", "--branch-at", "16",
                                       "--out", dir_.filePath("branch")});
        QVERIFY2(branch.exitCode == 0, qPrintable(branch.err));
        const auto a = ofKind(events(stable.out), "step");
        const auto b = ofKind(events(scratch.out), "step");
        for (size_t i = 0; i < 16; ++i)
            QCOMPARE(a[i]["loss"].number(), b[i]["loss"].number());
        QVERIFY(a[30]["lr"].number() == b[10]["lr"].number()); // still stable in the parent at step 31
        const auto branchSteps = ofKind(events(branch.out), "step");
        QCOMPARE(branchSteps.front()["step"].number(), 17.0); // it trains the cooldown only
        const double ours = ofKind(events(branch.out), "done")[0]["val_loss"].number();
        const double theirs = ofKind(events(scratch.out), "done")[0]["val_loss"].number();
        QVERIFY2(std::fabs(ours - theirs) < 0.01, qPrintable(QString("%1 vs %2").arg(ours).arg(theirs)));
        Json result;
        std::string error;
        QVERIFY(Json::parse(fileBytes(dir_.filePath("branch/result.json")), result, error));
        QCOMPARE(QString::fromStdString(result["parent"].string()), QString("stable"));
        QCOMPARE(result["branch_at"].number(), 16.0);
        QCOMPARE(result["tokens"].number(), 20.0 * 8 * 32);
        QVERIFY(std::fabs(result["trained_flops"].number() / result["flops"].number() - 4.0 / 20) < 1e-12);
        // Another learning rate is another stable phase: refused, naming the option.
        const ProcessResult other =
            train(common + QStringList{"--steps", "20", "--lr", "1e-3", "--branch-from", parent,
                                       "--branch-at", "16", "--out", dir_.filePath("other")});
        QCOMPARE(other.exitCode, 2);
        QVERIFY2(other.err.contains("option --lr: the checkpoint"), qPrintable(other.err));
    }

    void budgetIsRespectedAndTheRunLandsInRunsCsv() {
        const Architecture a{32, 2, 4, 1, 1, 32, 256};
        const double budget = 6.0 * activeParams(a) * 8 * 32 * 120.4; // ≈ 120 steps of 8×32 tokens
        const QString out = dir_.filePath("budget");
        const ProcessResult r =
            train({"--data",    corpus_, "--d-model", "32", "--layers", "2",
                   "--heads",   "2",     "--experts", "4",  "--active", "1",
                   "--ctx",     "32",    "--batch",   "8",  "--budget", QString::number(budget, 'g', 17),
                   "--threads", "2",     "--out",     out,  "--name",   "calib-1"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const auto all = events(r.out);
        const Json start = ofKind(all, "start")[0];
        QCOMPARE(start["params"].number(), totalParams(a));
        QCOMPARE(start["active_params"].number(), activeParams(a));
        QCOMPARE(start["steps"].number(), 120.0);
        const Json done = ofKind(all, "done")[0];
        const double spent = 6.0 * activeParams(a) * done["tokens"].number();
        QVERIFY2(std::fabs(spent / budget - 1.0) < 0.01, qPrintable(QString::number(spent / budget)));
        QCOMPARE(done["flops"].number(), spent);
        // runs.csv imports as a run with the canonical fields.
        const ImportResult imported = importRunsFile((out + "/runs.csv").toStdString(), {});
        QVERIFY(imported.ok());
        QCOMPARE(int(imported.table.runs.size()), 1);
        const Run& run = imported.table.runs[0];
        QCOMPARE(run.get(Field::Params), totalParams(a));
        QCOMPARE(run.get(Field::Sparsity), 0.75);
        QCOMPARE(run.get(Field::Loss), done["val_loss"].number());
        QCOMPARE(run.get(Field::Budget), budget);
    }

    void badConfigsExitTwoBeforeCompute_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("K > E") << QStringList{"--experts", "4", "--active", "8", "--steps", "5"}
                               << "option --active";
        QTest::newRow("heads") << QStringList{"--d-model", "100", "--heads", "3", "--steps", "5"}
                               << "option --heads";
        QTest::newRow("budget too small")
            << QStringList{"--budget", "1000"} << "option --budget: too small for one step";
        QTest::newRow("missing data")
            << QStringList{"--data", "/nonexistent/corpus.txt", "--steps", "5"} << "option --data";
        QTest::newRow("no length") << QStringList{} << "--steps, --tokens or --budget";
#if !MOESCOPE_TORCH_AT_LEAST(2, 8)
        QTest::newRow("grouped gemm on an old LibTorch")
            << QStringList{"--experts-gemm", "grouped", "--steps", "5"}
            << "option --experts-gemm: grouped needs";
#endif
        QTest::newRow("experts gemm") << QStringList{"--experts-gemm", "fast", "--steps", "5"}
                                      << "option --experts-gemm: expected auto";
        QTest::newRow("adamw") << QStringList{"--adamw", "foreach", "--steps", "5"}
                               << "option --adamw: expected auto, fused or loop";
        QTest::newRow("loss") << QStringList{"--loss", "sparse", "--steps", "5"}
                              << "option --loss: expected auto, full or chunked";
        QTest::newRow("norm") << QStringList{"--norm", "layer", "--steps", "5"}
                              << "option --norm: expected auto, fused or plain";
#if !MOESCOPE_TORCH_AT_LEAST(2, 4)
        QTest::newRow("fused norm on an old LibTorch")
            << QStringList{"--norm", "fused", "--steps", "5"} << "option --norm: fused needs LibTorch 2.4";
#endif
        QTest::newRow("fused adamw on cpu")
            << QStringList{"--device", "cpu", "--adamw", "fused", "--steps", "5"}
            << "option --adamw fused: CUDA only";
        QTest::newRow("bf16 on cpu") << QStringList{"--device", "cpu", "--dtype", "bf16", "--steps", "5"}
                                     << "option --dtype: bf16 (autocast) runs on CUDA only";
        QTest::newRow("unknown option")
            << QStringList{"--steps", "5", "--colour", "red"} << "unknown option --colour";
        // 4294967328 = 2^32 + 32: a cast to int would have made it 32.
        QTest::newRow("d_model beyond an int") << QStringList{"--d-model", "4294967328", "--steps", "5"}
                                               << "option --d-model: expected a whole number from 1 to";
        QTest::newRow("negative balance weight")
            << QStringList{"--lb", "-5", "--steps", "5"} << "option --lb: must be ≥ 0";
        QTest::newRow("schedule") << QStringList{"--schedule", "step", "--steps", "5"}
                                  << "option --schedule: expected cosine or wsd";
        QTest::newRow("decay fraction")
            << QStringList{"--schedule", "wsd", "--decay-frac", "0", "--steps", "5"}
            << "option --decay-frac: the cooldown's share";
        QTest::newRow("cooldown on cosine") << QStringList{"--decay-frac", "0.3", "--steps", "5"}
                                            << "option --decay-frac: applies to --schedule wsd only";
        QTest::newRow("branch point in the cooldown")
            << QStringList{"--schedule", "wsd", "--steps", "10", "--keep-at", "4,9"}
            << "option --keep-at: step 9 is not in the stable phase";
        QTest::newRow("branch at the wrong step")
            << QStringList{"--schedule", "wsd", "--steps", "10", "--branch-from", "/tmp", "--branch-at", "5"}
            << "option --branch-at: this run's cooldown starts at step 8";
        QTest::newRow("branch without its parent's checkpoint")
            << QStringList{"--schedule",    "wsd",          "--steps",     "10",
                           "--branch-from", "/nonexistent", "--branch-at", "8"}
            << "option --branch-from: '/nonexistent' keeps no checkpoint at step 8";
        QTest::newRow("negative z weight")
            << QStringList{"--z", "-0.1", "--steps", "5"} << "option --z: must be ≥ 0";
    }

    void resumeRefusesAnotherConfiguration_data() {
        QTest::addColumn<QStringList>("change");
        QTest::addColumn<QString>("message");
        QTest::newRow("experts") << QStringList{"--experts", "8"} << "option --experts: the checkpoint";
        // A different K loads without a shape error: only the comparison catches it.
        QTest::newRow("active experts") << QStringList{"--active", "1"} << "option --active: the checkpoint";
        QTest::newRow("seed") << QStringList{"--seed", "9"} << "option --seed: the checkpoint";
        QTest::newRow("sequences per step")
            << QStringList{"--batch", "4"} << "option --batch: the checkpoint";
    }
    void resumeRefusesAnotherConfiguration() {
        QFETCH(QStringList, change);
        QFETCH(QString, message);
        const QString out = dir_.filePath("mismatch-" + QString(QTest::currentDataTag()).replace(' ', '-'));
        QStringList base = {"--data",    corpus_, "--d-model", "32", "--layers", "1",  "--heads", "2",
                            "--experts", "4",     "--active",  "2",  "--ctx",    "32", "--batch", "8",
                            "--steps",   "6",     "--threads", "1",  "--seed",   "1",  "--out",   out};
        QCOMPARE(train(base + QStringList{"--stop-at", "2"}).exitCode, 130);
        QFile checkpoint(out + "/checkpoint.pt");
        QVERIFY(checkpoint.open(QIODevice::ReadOnly));
        const QByteArray before = checkpoint.readAll();
        checkpoint.close();
        for (int i = 0; i + 1 < change.size(); i += 2)
            base[base.indexOf(change[i]) + 1] = change[i + 1];
        const ProcessResult r = train(base + QStringList{"--resume"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(message) && r.err.contains(out), qPrintable(r.err));
        QVERIFY(!r.out.contains("\"event\":\"start\""));
        QVERIFY(checkpoint.open(QIODevice::ReadOnly));
        QCOMPARE(checkpoint.readAll(), before); // untouched
    }

    void corruptCheckpointNamesItsPath() {
        const QString out = dir_.filePath("corrupt");
        const QStringList base = {"--data",  corpus_, "--d-model", "32", "--layers", "1",
                                  "--heads", "2",     "--ctx",     "32", "--batch",  "4",
                                  "--steps", "4",     "--threads", "1",  "--out",    out};
        QCOMPARE(train(base + QStringList{"--stop-at", "1"}).exitCode, 130);
        QFile f(out + "/checkpoint.pt");
        QVERIFY(f.open(QIODevice::ReadWrite));
        f.resize(f.size() / 2);
        f.close();
        const ProcessResult r = train(base + QStringList{"--resume"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(out + "/checkpoint.pt") && r.err.contains("cannot be read"),
                 qPrintable(r.err));
    }
    void badConfigsExitTwoBeforeCompute() {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        QStringList full = args;
        if (!args.contains("--data")) full << "--data" << corpus_;
        const ProcessResult r = train(full << "--out" << dir_.filePath("bad"));
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
        QVERIFY(!r.out.contains("\"event\":\"start\""));
        QVERIFY(r.out.contains("\"event\":\"error\""));
    }

    void benchTraceIsWrittenOrRefusedWithNothingLeft() {
        // With Kineto (pip wheels) the trace is a Chrome trace of the two extra steps; without it (Debian's
        // LibTorch) the option is refused by name, exit 2, after the bench event and with no file left.
        const QString trace = dir_.filePath("trace.json");
        const ProcessResult r =
            train({"--bench", "--bench-steps", "1", "--device",      "cpu", "--d-model", "32", "--layers",
                   "1",       "--heads",       "2", "--experts",     "2",   "--ctx",     "32", "--batch",
                   "2",       "--threads",     "1", "--bench-trace", trace});
        QCOMPARE(int(ofKind(events(r.out), "bench").size()), 1);
        if (r.exitCode == 0) {
            QCOMPARE(int(ofKind(events(r.out), "bench_trace").size()), 1);
            QFile f(trace);
            QVERIFY(f.open(QIODevice::ReadOnly));
            QVERIFY(f.readAll().contains("\"traceEvents\""));
        } else {
            QCOMPARE(r.exitCode, 2);
            QVERIFY2(r.err.contains("option --bench-trace: '" + trace + "' not written"), qPrintable(r.err));
            QVERIFY(!QFile::exists(trace));
        }
    }

    void sentencePieceTokensTrain() {
        // SentencePiece runs in moescope-cli (see trainer/CMakeLists.txt); the trainer reads its uint16
        // tokens.
        const QString dir = dir_.filePath("sp");
        const ProcessResult tok =
            runProgram(MOESCOPE_CLI, {"tokenize", corpus_, "--vocab", "400", "--out", dir, "--json"});
        QVERIFY2(tok.exitCode == 0, qPrintable(tok.err));
        Json j;
        std::string error;
        QVERIFY(Json::parse(tok.out.trimmed().toStdString(), j, error));
        QCOMPARE(j["vocab"].number(), 400.0);
        QFile bin(dir + "/tokens.bin");
        QVERIFY(bin.open(QIODevice::ReadOnly));
        const QByteArray bytes = bin.readAll();
        QCOMPARE(double(bytes.size()), 2 * j["tokens"].number());
        const auto* ids = reinterpret_cast<const uint16_t*>(bytes.constData());
        QVERIFY(*std::max_element(ids, ids + bytes.size() / 2) < 400);
        QVERIFY(j["tokens"].number() < 0.6 * QFileInfo(corpus_).size()); // fewer tokens than bytes
        const ProcessResult r = train({"--data",    dir + "/tokens.bin",
                                       "--vocab",   "400",
                                       "--d-model", "32",
                                       "--layers",  "1",
                                       "--heads",   "2",
                                       "--experts", "2",
                                       "--ctx",     "32",
                                       "--batch",   "4",
                                       "--steps",   "5",
                                       "--threads", "1",
                                       "--out",     dir + "/run"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const ProcessResult small =
            train({"--data", dir + "/tokens.bin", "--vocab", "256", "--steps", "5", "--out", dir + "/run2"});
        QCOMPARE(small.exitCode, 2);
        QVERIFY2(small.err.contains("option --vocab"), qPrintable(small.err));
    }

    void slurmScriptTasksTrainAndImportBack() {
        // The array script, run task by task as Slurm would, trains into the shared folder; import-results
        // brings the runs back into a workspace.
        const QString shared = dir_.filePath("shared");
        std::vector<TrainerJob> jobs;
        for (double e : {2.0, 4.0}) {
            TrainerJob j;
            j.arch = Architecture{32, 2, e, 1, 1, 32, 256};
            j.heads = 2;
            j.budget = 6.0 * activeParams(j.arch) * 4 * 32 * 20; // 20 steps of 4×32 tokens
            j.extra = {"--data", corpus_.toStdString(), "--batch", "4", "--threads", "1"};
            jobs.push_back(j);
        }
        const QString script = writeFile(
            dir_, "sweep.sh",
            QByteArray::fromStdString(slurmArrayScript(jobs, shared.toStdString(), MOESCOPE_TRAIN)));
        for (int task = 0; task < 2; ++task) {
            QProcess p;
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert("SLURM_ARRAY_TASK_ID", QString::number(task));
            p.setProcessEnvironment(env);
            p.start("bash", {script});
            QVERIFY(p.waitForFinished(300000));
            QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        }
        const QString ws = dir_.filePath("results.moescope");
        const ProcessResult r =
            runProgram(MOESCOPE_CLI, {"import-results", shared, "--workspace", ws, "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        Json j;
        std::string error;
        QVERIFY(Json::parse(r.out.trimmed().toStdString(), j, error));
        QCOMPARE(j["runs"].number(), 2.0);
        QCOMPARE(j["unfinished"].number(), 0.0);
        const ImportResult first = importRunsFile(
            (shared + "/" + QString::fromStdString(defaultJobName(jobs[0])) + "/runs.csv").toStdString(), {});
        QVERIFY(first.ok());
        QCOMPARE(first.table.runs[0].get(Field::Params), totalParams(jobs[0].arch));
        QCOMPARE(first.table.runs[0].get(Field::Sparsity), 0.5);
    }

    void sigtermKeepsACheckpoint() {
        QProcess p;
        const QString out = dir_.filePath("sig");
        p.start(MOESCOPE_TRAIN,
                {"--data",  corpus_,     "--d-model", "32",    "--layers", "2",       "--heads",
                 "2",       "--experts", "2",         "--ctx", "32",       "--batch", "8",
                 "--steps", "100000",    "--threads", "1",     "--out",    out});
        QVERIFY(p.waitForStarted());
        QByteArray seen;
        QTRY_VERIFY_WITH_TIMEOUT((seen += p.readAllStandardOutput()).contains("\"event\":\"step\""), 60000);
        ::kill(p.processId(), SIGTERM);
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 130);
        seen += p.readAllStandardOutput();
        QVERIFY(seen.contains("\"event\":\"checkpoint\""));
        QVERIFY(QFile::exists(out + "/checkpoint.pt"));
    }

    void outOfMemoryEndsWithAdviceAndKeepsTheCheckpoint() {
        // The CPU allocator's failure goes down the same path as CUDA's: a run stopped at step 1 is resumed
        // with micro-batches whose attention scores (256 x 2 heads x 1024² floats, 2 GiB) exceed an address-
        // space limit of 3 GiB on the trainer process.
        const QString out = dir_.filePath("oom");
        const QStringList common{"--data",  corpus_, "--d-model", "32", "--layers", "1",
                                 "--heads", "2",     "--experts", "2",  "--ctx",    "1024",
                                 "--steps", "4",     "--threads", "1",  "--out",    out};
        // The first step in 256 micro-batches of one sequence: the same step the resumed run takes at once.
        const ProcessResult first =
            train(common + QStringList{"--batch", "1", "--grad-accum", "256", "--stop-at", "1"});
        QCOMPARE(first.exitCode, 130);
        QFile checkpoint(out + "/checkpoint.pt");
        QVERIFY(checkpoint.open(QIODevice::ReadOnly));
        const QByteArray saved = checkpoint.readAll();
        checkpoint.close();

        QProcess p;
        p.setChildProcessModifier([] {
            const rlimit limit{3ull << 30, 3ull << 30};
            setrlimit(RLIMIT_AS, &limit);
        });
        p.start(MOESCOPE_TRAIN, common + QStringList{"--batch", "256", "--resume"});
        QVERIFY(p.waitForFinished(120000));
        const QString output = QString::fromUtf8(p.readAllStandardOutput());
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 1);
        const std::vector<Json> errors = ofKind(events(output), "error");
        QCOMPARE(errors.size(), size_t(1));
        const QString message = QString::fromStdString(errors[0]["message"].string());
        QVERIFY2(message.startsWith("out of memory on cpu in step 2: "), qPrintable(message));
        QVERIFY2(message.contains("--batch 128 --grad-accum 2 (the same tokens per step)"),
                 qPrintable(message));
        QVERIFY2(message.contains("is kept: continue with --resume"), qPrintable(message));
        QVERIFY(!message.contains("frame #")); // no C++ stack in a message meant for a person
        QVERIFY(checkpoint.open(QIODevice::ReadOnly));
        QVERIFY(checkpoint.readAll() == saved);
    }
};

QTEST_GUILESS_MAIN(TestTrainer)
#include "tst_trainer_model.moc"
