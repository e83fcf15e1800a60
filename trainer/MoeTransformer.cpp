#include "trainer/MoeTransformer.h"

#include "trainer/CudaAutocast.h"
#include "trainer/ParallelExperts.h"
#include "trainer/TorchVersion.h"

#include <cmath>
#include <limits>

// at::_grouped_mm exists from LibTorch 2.8; its fast kernel needs sm90+ and bf16. With CUDA's headers the
// device is asked; without them (a CPU build) 2.9 on falls back by itself on other devices.
#define MOESCOPE_HAS_GROUPED_MM MOESCOPE_TORCH_AT_LEAST(2, 8)
#if MOESCOPE_HAS_GROUPED_MM && __has_include(<ATen/cuda/CUDAContext.h>) && __has_include(<cuda_runtime_api.h>)
#define MOESCOPE_CUDA_HEADERS 1
#include <ATen/cuda/CUDAContext.h>
#else
#define MOESCOPE_CUDA_HEADERS 0
#endif

namespace moescope::trainer {

namespace {
constexpr double kInitStd = 0.02;

torch::Tensor rope(const torch::Tensor& x, const torch::Tensor& cosT, const torch::Tensor& sinT) {
    // x: [B, H, T, hd]; rotate the two halves of each head.
    const int64_t half = x.size(-1) / 2;
    const int64_t t = x.size(2);
    const auto c = cosT.slice(0, 0, t).to(x.dtype());
    const auto s = sinT.slice(0, 0, t).to(x.dtype());
    const auto x1 = x.slice(-1, 0, half), x2 = x.slice(-1, half, 2 * half);
    return torch::cat({x1 * c - x2 * s, x1 * s + x2 * c}, -1);
}
// The dtype a matmul on x computes in: autocast's on CUDA (bf16 under the trainer), else x's own. The
// residual stream stays fp32 under autocast, so the expert rows are cast to this as autocast would.
torch::ScalarType computeDtype(const torch::Tensor& x) {
    const auto autocast = x.is_cuda() ? CudaAutocast::dtype() : std::nullopt;
    return autocast.value_or(x.scalar_type());
}

bool fastGroupedMmHere() {
#if MOESCOPE_CUDA_HEADERS
    return at::cuda::getCurrentDeviceProperties()->major >= 9;
#else
    return MOESCOPE_TORCH_AT_LEAST(2, 9);
#endif
}
} // namespace

RmsNormImpl::RmsNormImpl(int64_t dim, double e) : eps(e) {
    weight = register_parameter("weight", torch::ones({dim}));
}

torch::Tensor RmsNormImpl::forward(const torch::Tensor& x) {
#if MOESCOPE_TORCH_AT_LEAST(2, 4)
    // In the gain's dtype, as the plain formula's type promotion gives it (a bf16 head under autocast).
    if (fused)
        return at::rms_norm(x.scalar_type() == weight.scalar_type() ? x : x.to(weight.scalar_type()),
                            {x.size(-1)}, weight, eps);
#endif
    return x * torch::rsqrt(x.pow(2).mean(-1, true) + eps) * weight;
}

AttentionImpl::AttentionImpl(int64_t dModel, int64_t h, int64_t ctx) : heads(h), headDim(dModel / h) {
    qkv = register_module("qkv", torch::nn::Linear(torch::nn::LinearOptions(dModel, 3 * dModel).bias(false)));
    proj = register_module("proj", torch::nn::Linear(torch::nn::LinearOptions(dModel, dModel).bias(false)));
    qNorm = register_module("q_norm", RmsNorm(headDim));
    kNorm = register_module("k_norm", RmsNorm(headDim));
    const auto inv =
        1.0 / torch::pow(10000.0, torch::arange(0, headDim, 2, torch::kFloat64) / double(headDim));
    const auto angles = torch::outer(torch::arange(ctx, torch::kFloat64), inv).to(torch::kFloat32);
    cosTable = register_buffer("cos", angles.cos());
    sinTable = register_buffer("sin", angles.sin());
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x) {
    const int64_t b = x.size(0), t = x.size(1), d = x.size(2);
    auto parts = qkv->forward(x).view({b, t, 3, heads, headDim}).permute({2, 0, 3, 1, 4}); // [3, B, H, T, hd]
    auto q = rope(qNorm->forward(parts[0]), cosTable, sinTable);
    auto k = rope(kNorm->forward(parts[1]), cosTable, sinTable);
    auto v = parts[2];
#if MOESCOPE_TORCH_AT_LEAST(2, 0)
    auto y = at::scaled_dot_product_attention(q, k, v, {}, 0.0, /*is_causal=*/true);
#else
    auto scores = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(double(headDim));
    const auto mask =
        torch::ones({t, t}, torch::TensorOptions().dtype(torch::kBool).device(x.device())).triu(1);
    scores = scores.masked_fill(mask, -std::numeric_limits<float>::infinity());
    auto y = torch::matmul(torch::softmax(scores, -1), v);
#endif
    return proj->forward(y.transpose(1, 2).reshape({b, t, d}));
}

DispatchPlan planDispatch(const torch::Tensor& probs, int64_t active, int64_t experts) {
    DispatchPlan p;
    std::tie(p.weights, p.chosen) = torch::topk(probs, active, -1);
    const auto flatExpert = p.chosen.reshape({-1});
    p.order = std::get<1>(torch::sort(flatExpert, /*stable=*/true, 0, false));
    p.rowOf =
        torch::empty_like(p.order).scatter_(0, p.order, torch::arange(p.order.numel(), p.order.options()));
    p.tokenOf = torch::div(p.order, active, "floor");
    p.counts = torch::bincount(flatExpert, {}, experts);
    return p;
}

namespace {
// Rows gathered by `index`, with a backward that is a gather too: the gradient rows by `backIndex`, summed
// over consecutive groups of `group`. Autograd's own backward of index_select is a scatter-add with atomics
// into a zeroed tensor; where the inverse map is known the gather needs neither (on an H100 the dispatch's
// scatter-adds and their zero-fills were a fifth of an MoE step).
struct GatherRows : torch::autograd::Function<GatherRows> {
    static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                                 const torch::Tensor& index, const torch::Tensor& backIndex, int64_t group) {
        ctx->save_for_backward({backIndex});
        ctx->saved_data["group"] = group;
        return x.index_select(0, index);
    }
    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                   torch::autograd::variable_list grads) {
        const auto backIndex = ctx->get_saved_variables()[0];
        const int64_t group = ctx->saved_data["group"].toInt();
        auto g = grads[0].index_select(0, backIndex);
        if (group > 1) g = g.view({-1, group, g.size(1)}).sum(1);
        return {g, torch::Tensor(), torch::Tensor(), torch::Tensor()};
    }
};
} // namespace

torch::Tensor loadBalancingTerm(const torch::Tensor& probs, const torch::Tensor& chosen, int64_t experts) {
    const int64_t t = probs.size(0), k = chosen.size(1);
    const auto counts = torch::bincount(chosen.reshape({-1}), {}, experts).to(probs.dtype());
    const auto meanProb = probs.mean(0);
    return (counts * meanProb).sum() * (double(experts) / double(t * k));
}

MoeFeedForwardImpl::MoeFeedForwardImpl(int64_t dModel, int64_t e, int64_t k, int64_t h, int64_t layers)
    : experts(e), active(k), hidden(h) {
    router = register_module("router", torch::nn::Linear(torch::nn::LinearOptions(dModel, e).bias(false)));
    wGate = register_parameter("w_gate", torch::randn({e, dModel, h}) * kInitStd);
    wUp = register_parameter("w_up", torch::randn({e, dModel, h}) * kInitStd);
    // Output projections shrink with depth so the residual stream's variance stays put (GPT-2's rule).
    wDown = register_parameter("w_down", torch::randn({e, h, dModel}) * (kInitStd / std::sqrt(2.0 * layers)));
}

torch::Tensor MoeFeedForwardImpl::expert(int64_t e, const torch::Tensor& rows) const {
    return torch::matmul(torch::silu(torch::matmul(rows, wGate[e])) * torch::matmul(rows, wUp[e]), wDown[e]);
}

bool MoeFeedForwardImpl::useGroupedMm(const torch::Tensor& x) const {
    if (!MOESCOPE_HAS_GROUPED_MM || gemm == ExpertsGemm::Loop) return false;
    if (gemm == ExpertsGemm::Grouped) return true;
    // 16-byte aligned bf16 rows, as the fast kernel wants.
    return x.is_cuda() && experts > 1 && computeDtype(x) == torch::kBFloat16 && x.size(1) % 8 == 0 &&
           hidden % 8 == 0 && fastGroupedMmHere();
}

torch::Tensor MoeFeedForwardImpl::groupedExperts(const torch::Tensor& rows,
                                                 const torch::Tensor& counts) const {
#if MOESCOPE_HAS_GROUPED_MM
    const auto dtype = computeDtype(rows);
    const auto offsets = torch::cumsum(counts, 0).to(torch::kInt32);
    const auto x = rows.to(dtype);
    const auto g = at::_grouped_mm(x, wGate.to(dtype), offsets);
    const auto u = at::_grouped_mm(x, wUp.to(dtype), offsets);
    return at::_grouped_mm(torch::silu(g) * u, wDown.to(dtype), offsets);
#else
    (void)rows, (void)counts;
    throw std::logic_error("at::_grouped_mm needs LibTorch 2.8 or newer");
#endif
}

torch::Tensor MoeFeedForwardImpl::forward(const torch::Tensor& x, RoutingStats* stats) {
    const auto logits = router->forward(x).to(torch::kFloat32); // routing decisions in fp32
    const auto probs = torch::softmax(logits, -1);
    // Dropless dispatch: sort the T·K assignments by expert, gather their rows, one matmul per expert
    // (or one grouped GEMM), then gather each token's K outputs back and weight them in one batched matmul.
    // The rows are cast to the matmuls' dtype before they are copied K times, not after.
    const DispatchPlan plan = planDispatch(probs, active, experts);
    const auto& counts = plan.counts;
    const int64_t tokens = x.size(0), d = x.size(1);
    const auto rows = GatherRows::apply(x.to(computeDtype(x)), plan.tokenOf, plan.rowOf, active);
    torch::Tensor routed;
    if (useGroupedMm(x)) {
        routed = groupedExperts(rows, counts);
    } else {
        const auto hostCounts = counts.to(torch::kCPU);
        const auto* c = hostCounts.data_ptr<int64_t>();
        // MKL (pip wheels) spreads every matmul over the cores itself, and threads of our own would
        // oversubscribe them; Debian's ATLAS, the reference BLAS and OpenBLAS (held to one thread on a CPU,
        // Trainer.cpp) run each matmul on one core.
        if (x.is_cpu() && !at::hasMKL()) {
            routed = parallelExperts(rows, std::vector<int64_t>(c, c + experts), wGate, wUp, wDown);
        } else {
            std::vector<torch::Tensor> pieces;
            int64_t start = 0;
            for (int64_t e = 0; e < experts; ++e) {
                if (c[e] == 0) continue;
                pieces.push_back(expert(e, rows.slice(0, start, start + c[e])));
                start += c[e];
            }
            routed = torch::cat(pieces, 0);
        }
    }
    const auto perToken = GatherRows::apply(routed, plan.rowOf, plan.order, 1).view({tokens, active, d});
    auto out = torch::bmm(plan.weights.unsqueeze(1).to(perToken.dtype()), perToken).squeeze(1);
    if (stats) {
        stats->lb = loadBalancingTerm(probs, plan.chosen, experts);
        stats->z = torch::logsumexp(logits, -1).pow(2).mean();
        stats->counts = counts;
    }
    return out;
}

BlockImpl::BlockImpl(const Architecture& a, int64_t heads) {
    const auto d = static_cast<int64_t>(a.d_model);
    attnNorm = register_module("attn_norm", RmsNorm(d));
    attn = register_module("attn", Attention(d, heads, static_cast<int64_t>(a.ctx)));
    ffnNorm = register_module("ffn_norm", RmsNorm(d));
    ffn = register_module(
        "ffn", MoeFeedForward(d, static_cast<int64_t>(a.experts), static_cast<int64_t>(a.active_experts),
                              static_cast<int64_t>(expertHidden(a)), static_cast<int64_t>(a.n_layers)));
}

torch::Tensor BlockImpl::forward(const torch::Tensor& x, RoutingStats* stats) {
    auto h = x + attn->forward(attnNorm->forward(x));
    const auto shape = h.sizes().vec();
    auto f = ffn->forward(ffnNorm->forward(h).reshape({-1, shape.back()}), stats);
    return h + f.view(shape);
}

MoeTransformerImpl::MoeTransformerImpl(const Architecture& a, int64_t heads) : arch(a) {
    const auto d = static_cast<int64_t>(a.d_model), v = static_cast<int64_t>(a.vocab);
    embed = register_module("embed", torch::nn::Embedding(v, d));
    torch::nn::init::normal_(embed->weight, 0.0, kInitStd);
    blocks = register_module("blocks", torch::nn::ModuleList());
    for (int64_t l = 0; l < static_cast<int64_t>(a.n_layers); ++l)
        blocks->push_back(Block(a, heads));
    finalNorm = register_module("final_norm", RmsNorm(d));
    head = register_module("head", torch::nn::Linear(torch::nn::LinearOptions(d, v).bias(false)));
    torch::nn::init::normal_(head->weight, 0.0, kInitStd);
    for (auto& block : *blocks) {
        auto* b = block->as<BlockImpl>();
        torch::nn::init::normal_(b->attn->qkv->weight, 0.0, kInitStd);
        torch::nn::init::normal_(b->attn->proj->weight, 0.0, kInitStd / std::sqrt(2.0 * a.n_layers));
        torch::nn::init::normal_(b->ffn->router->weight, 0.0, kInitStd);
    }
}

ModelOutput MoeTransformerImpl::forward(const torch::Tensor& tokens, bool withLogits) {
    auto x = embed->forward(tokens);
    std::vector<torch::Tensor> lbs, zs, counts;
    for (auto& block : *blocks) {
        RoutingStats s;
        x = block->as<BlockImpl>()->forward(x, &s);
        lbs.push_back(s.lb), zs.push_back(s.z), counts.push_back(s.counts);
    }
    ModelOutput out;
    out.hidden = finalNorm->forward(x);
    if (withLogits) out.logits = head->forward(out.hidden);
    out.lb = torch::stack(lbs).mean();
    out.z = torch::stack(zs).mean();
    out.counts = torch::stack(counts);
    return out;
}

void MoeTransformerImpl::setFusedNorms(bool fused) {
    for (const auto& m : modules())
        if (auto* norm = dynamic_cast<RmsNormImpl*>(m.get())) norm->fused = fused;
}

void MoeTransformerImpl::setExpertsGemm(ExpertsGemm gemm) {
    for (auto& block : *blocks)
        block->as<BlockImpl>()->ffn->gemm = gemm;
}

CountedParams countParameters(MoeTransformerImpl& model) {
    CountedParams c;
    const double share = model.arch.active_experts / model.arch.experts;
    for (const auto& p : model.named_parameters()) {
        const std::string& name = p.key();
        const double n = static_cast<double>(p.value().numel());
        if (name.find("norm") != std::string::npos)
            c.norms += n;
        else if (name.rfind("embed.", 0) == 0)
            c.embedding += n;
        else {
            c.total += n;
            const bool expertWeight = name.find("ffn.w_") != std::string::npos;
            c.active += expertWeight ? n * share : n;
        }
    }
    return c;
}

} // namespace moescope::trainer
