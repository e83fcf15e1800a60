#include "trainer/ParallelExperts.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <exception>
#include <thread>

namespace moescope::trainer {

namespace {

struct ExpertRows {
    int64_t expert, start, count;
};
using Bins = std::vector<std::vector<ExpertRows>>;

// Longest-processing-time packing: every expert costs in proportion to its rows.
Bins packExperts(const std::vector<int64_t>& counts, int threads) {
    std::vector<ExpertRows> groups;
    int64_t start = 0;
    for (int64_t e = 0; e < static_cast<int64_t>(counts.size()); ++e) {
        if (counts[e] > 0) groups.push_back({e, start, counts[e]});
        start += counts[e];
    }
    std::stable_sort(groups.begin(), groups.end(),
                     [](const ExpertRows& a, const ExpertRows& b) { return a.count > b.count; });
    Bins bins(std::max(1, std::min<int>(threads, static_cast<int>(groups.size()))));
    std::vector<int64_t> load(bins.size(), 0);
    for (const ExpertRows& g : groups) {
        const auto i = std::min_element(load.begin(), load.end()) - load.begin();
        bins[i].push_back(g);
        load[i] += g.count;
    }
    return bins;
}

// Runs gemms(g) for every expert, one thread per bin (the caller takes the first). Only matmuls run here:
// they go straight to the single-threaded BLAS, whereas an element-wise op would start ATen's own thread
// team from each of these threads and oversubscribe the cores.
template <class Gemms> void forEachExpert(const Bins& bins, const Gemms& gemms) {
    std::vector<std::exception_ptr> errors(bins.size());
    auto runBin = [&](size_t b) {
        try {
            torch::NoGradGuard noGrad; // a new thread records gradients by default
            for (const ExpertRows& g : bins[b])
                gemms(g);
        } catch (...) {
            errors[b] = std::current_exception();
        }
    };
    std::vector<std::thread> workers;
    for (size_t b = 1; b < bins.size(); ++b)
        workers.emplace_back(runBin, b);
    runBin(0);
    for (std::thread& w : workers)
        w.join();
    for (const auto& e : errors)
        if (e) std::rethrow_exception(e);
}

struct ParallelExpertsFunction : torch::autograd::Function<ParallelExpertsFunction> {
    static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& rows,
                                 const torch::Tensor& wGate, const torch::Tensor& wUp,
                                 const torch::Tensor& wDown, const std::vector<int64_t>& counts) {
        const Bins bins = packExperts(counts, at::get_num_threads());
        const int64_t n = rows.size(0), h = wGate.size(2);
        auto gate = torch::empty({n, h}, rows.options()), up = torch::empty({n, h}, rows.options());
        forEachExpert(bins, [&](const ExpertRows& g) {
            const auto x = rows.narrow(0, g.start, g.count);
            auto gs = gate.narrow(0, g.start, g.count), us = up.narrow(0, g.start, g.count);
            at::mm_out(gs, x, wGate[g.expert]);
            at::mm_out(us, x, wUp[g.expert]);
        });
        const auto hidden = torch::silu(gate) * up;
        auto out = torch::empty({n, wDown.size(2)}, rows.options());
        forEachExpert(bins, [&](const ExpertRows& g) {
            auto ys = out.narrow(0, g.start, g.count);
            at::mm_out(ys, hidden.narrow(0, g.start, g.count), wDown[g.expert]);
        });
        ctx->save_for_backward({rows, wGate, wUp, wDown, gate, up});
        ctx->saved_data["counts"] = counts;
        return out;
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                   torch::autograd::variable_list grads) {
        const auto saved = ctx->get_saved_variables();
        const auto &rows = saved[0], &wGate = saved[1], &wUp = saved[2], &wDown = saved[3];
        const auto &gate = saved[4], &up = saved[5];
        const Bins bins = packExperts(ctx->saved_data["counts"].toIntVector(), at::get_num_threads());
        const auto dOut = grads[0].contiguous();
        const auto sig = torch::sigmoid(gate);
        const auto silu = gate * sig;
        const auto hidden = silu * up;
        auto dHidden = torch::empty_like(gate);
        auto dDown = torch::zeros_like(wDown);
        forEachExpert(bins, [&](const ExpertRows& g) {
            const auto dy = dOut.narrow(0, g.start, g.count);
            auto dh = dHidden.narrow(0, g.start, g.count), dDownE = dDown[g.expert];
            at::mm_out(dh, dy, wDown[g.expert].t());
            at::mm_out(dDownE, hidden.narrow(0, g.start, g.count).t(), dy);
        });
        const auto dUpRows = dHidden * silu;
        // d silu(g)/dg = σ(g)·(1 + g·(1 − σ(g)))
        const auto dGateRows = dHidden * up * sig * (1 + gate * (1 - sig));
        auto dRows = torch::empty_like(rows);
        auto dGate = torch::zeros_like(wGate), dUp = torch::zeros_like(wUp);
        forEachExpert(bins, [&](const ExpertRows& g) {
            const auto x = rows.narrow(0, g.start, g.count);
            const auto dg = dGateRows.narrow(0, g.start, g.count), du = dUpRows.narrow(0, g.start, g.count);
            auto dGateE = dGate[g.expert], dUpE = dUp[g.expert], dx = dRows.narrow(0, g.start, g.count);
            at::mm_out(dGateE, x.t(), dg);
            at::mm_out(dUpE, x.t(), du);
            at::mm_out(dx, dg, wGate[g.expert].t());
            dx.addmm_(du, wUp[g.expert].t());
        });
        return {dRows, dGate, dUp, dDown, torch::Tensor()};
    }
};

} // namespace

torch::Tensor parallelExperts(const torch::Tensor& rows, const std::vector<int64_t>& counts,
                              const torch::Tensor& wGate, const torch::Tensor& wUp,
                              const torch::Tensor& wDown) {
    return ParallelExpertsFunction::apply(rows.contiguous(), wGate, wUp, wDown, counts);
}

} // namespace moescope::trainer
