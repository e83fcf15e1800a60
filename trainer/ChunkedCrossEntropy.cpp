#include "trainer/ChunkedCrossEntropy.h"

#include <ATen/record_function.h>

#include <stdexcept>

namespace moescope::trainer {

namespace {

struct ChunkedCe : torch::autograd::Function<ChunkedCe> {
    static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& hidden,
                                 const torch::Tensor& weight, const torch::Tensor& targets, int64_t dtype,
                                 int64_t rows) {
        RECORD_USER_SCOPE("loss"); // tests/bench/trace_summary.py charges the scope's kernels to the loss
        const auto dt = static_cast<torch::ScalarType>(dtype);
        const auto h = hidden.to(dt), w = weight.to(dt);
        const int64_t t = h.size(0);
        // Per row: log Σ exp(logit) and the target's logit, in fp32.
        auto lse = torch::empty({t}, hidden.options().dtype(torch::kFloat32));
        auto picked = torch::empty({t}, hidden.options().dtype(torch::kFloat32));
        for (int64_t start = 0; start < t; start += rows) {
            const int64_t n = std::min(rows, t - start);
            const auto logits = torch::matmul(h.narrow(0, start, n), w.t()).to(torch::kFloat32);
            lse.narrow(0, start, n).copy_(torch::logsumexp(logits, 1));
            picked.narrow(0, start, n)
                .copy_(logits.gather(1, targets.narrow(0, start, n).unsqueeze(1)).squeeze(1));
        }
        ctx->save_for_backward({h, w, targets, lse});
        ctx->saved_data["rows"] = rows;
        ctx->saved_data["hidden_dtype"] = static_cast<int64_t>(hidden.scalar_type());
        ctx->saved_data["weight_dtype"] = static_cast<int64_t>(weight.scalar_type());
        return (lse - picked).mean();
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                   torch::autograd::variable_list grads) {
        RECORD_USER_SCOPE("loss");
        const auto saved = ctx->get_saved_variables();
        const auto &h = saved[0], &w = saved[1], &targets = saved[2], &lse = saved[3];
        const int64_t rows = ctx->saved_data["rows"].toInt(), t = h.size(0);
        // d mean / d logit = (softmax − onehot(target)) / T, scaled by the incoming gradient.
        const auto scale = (grads[0] / double(t)).to(torch::kFloat32);
        auto gradHidden = torch::empty_like(h);
        auto gradWeight = torch::zeros(w.sizes(), w.options().dtype(torch::kFloat32));
        for (int64_t start = 0; start < t; start += rows) {
            const int64_t n = std::min(rows, t - start);
            const auto hc = h.narrow(0, start, n);
            auto g = torch::matmul(hc, w.t()).to(torch::kFloat32);
            g.sub_(lse.narrow(0, start, n).unsqueeze(1)).exp_();
            g.scatter_add_(1, targets.narrow(0, start, n).unsqueeze(1),
                           torch::full({n, 1}, -1.0, g.options()));
            g.mul_(scale);
            const auto gc = g.to(h.scalar_type());
            gradHidden.narrow(0, start, n).copy_(torch::matmul(gc, w));
            gradWeight.add_(torch::matmul(gc.t(), hc).to(torch::kFloat32));
        }
        const auto hiddenDtype = static_cast<torch::ScalarType>(ctx->saved_data["hidden_dtype"].toInt());
        const auto weightDtype = static_cast<torch::ScalarType>(ctx->saved_data["weight_dtype"].toInt());
        return {gradHidden.to(hiddenDtype), gradWeight.to(weightDtype), torch::Tensor(), torch::Tensor(),
                torch::Tensor()};
    }
};

} // namespace

torch::Tensor chunkedCrossEntropy(const torch::Tensor& hidden, const torch::Tensor& weight,
                                  const torch::Tensor& targets, torch::ScalarType computeDtype,
                                  int64_t rowsPerChunk) {
    if (hidden.dim() != 2 || weight.dim() != 2 || targets.dim() != 1 || hidden.size(0) != targets.size(0) ||
        hidden.size(1) != weight.size(1))
        throw std::invalid_argument(
            "chunkedCrossEntropy: hidden [T, d], weight [V, d] and targets [T] expected");
    if (rowsPerChunk < 1) throw std::invalid_argument("chunkedCrossEntropy: rows per chunk must be positive");
    return ChunkedCe::apply(hidden, weight, targets, static_cast<int64_t>(computeDtype), rowsPerChunk);
}

} // namespace moescope::trainer
