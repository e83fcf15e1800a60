#pragma once
// The decoder of ARCHITECTURE.md §7: RMSNorm pre-norm blocks, causal attention with QK-norm and RoPE, and an
// MoE feed-forward in every layer (SwiGLU experts of hidden 4d/G, softmax router, top-K, dropless dispatch).
// E = K = 1 is the dense model through the same code. Weights are laid out so that torch's numel() of the
// non-norm parameters equals core/model's accounting (norm weights are not counted there).
#include "core/model/Accounting.h"

#include <torch/torch.h>

namespace moescope::trainer {

struct RmsNormImpl : torch::nn::Module {
    explicit RmsNormImpl(int64_t dim, double eps = 1e-6);
    torch::Tensor forward(const torch::Tensor& x);
    torch::Tensor weight;
    double eps;
    // at::rms_norm (LibTorch >= 2.4; one fused kernel each way on CUDA from 2.8) instead of the five
    // element-wise passes of the plain formula.
    bool fused = false;
};
TORCH_MODULE(RmsNorm);

struct AttentionImpl : torch::nn::Module {
    AttentionImpl(int64_t dModel, int64_t heads, int64_t ctx);
    torch::Tensor forward(const torch::Tensor& x); // [B, T, d]
    int64_t heads, headDim;
    torch::nn::Linear qkv{nullptr}, proj{nullptr};
    RmsNorm qNorm{nullptr}, kNorm{nullptr};
    torch::Tensor cosTable, sinTable; // [ctx, headDim/2]
};
TORCH_MODULE(Attention);

// What one MoE layer reports besides its output.
struct RoutingStats {
    torch::Tensor lb;     // E/(T·K)·Σ_i c_i·P̄_i (1 at perfect balance), differentiable through P̄
    torch::Tensor z;      // mean over tokens of logsumexp(router logits)²
    torch::Tensor counts; // [E] tokens sent to each expert
};

// Where each of the T·K assignments goes: sorted by expert (stable), with its token, and the way back.
// Assignment j = t·K + k is token t's k-th choice; sorted row i holds assignment order[i].
struct DispatchPlan {
    torch::Tensor chosen;  // [T, K] expert ids
    torch::Tensor weights; // [T, K] router probability of each choice
    torch::Tensor order;   // [T·K] assignment of each sorted row
    torch::Tensor rowOf;   // [T·K] sorted row of each assignment (order's inverse)
    torch::Tensor tokenOf; // [T·K] token of each sorted row
    torch::Tensor counts;  // [E] assignments per expert
};
DispatchPlan planDispatch(const torch::Tensor& probs, int64_t active, int64_t experts);

// The MegaBlocks-form balance term of one layer, from router probabilities [T, E] and chosen experts [T, K].
torch::Tensor loadBalancingTerm(const torch::Tensor& probs, const torch::Tensor& chosen, int64_t experts);

// How the experts' matmuls run: one grouped GEMM (at::_grouped_mm, LibTorch >= 2.8), or one matmul per expert
// (on CPU spread over the cores). Auto takes the grouped GEMM where its fast kernel applies: CUDA, bf16,
// sm90+.
enum class ExpertsGemm { Auto, Grouped, Loop };

struct MoeFeedForwardImpl : torch::nn::Module {
    MoeFeedForwardImpl(int64_t dModel, int64_t experts, int64_t active, int64_t hidden, int64_t layers);
    // x: [T, d] -> [T, d]
    torch::Tensor forward(const torch::Tensor& x, RoutingStats* stats = nullptr);
    // One expert's SwiGLU on rows already routed to it.
    torch::Tensor expert(int64_t e, const torch::Tensor& rows) const;
    bool useGroupedMm(const torch::Tensor& x) const;
    // All experts' SwiGLU on rows sorted by expert (counts[e] each) as three grouped GEMMs.
    torch::Tensor groupedExperts(const torch::Tensor& rows, const torch::Tensor& counts) const;
    int64_t experts, active, hidden;
    ExpertsGemm gemm = ExpertsGemm::Auto;
    torch::nn::Linear router{nullptr};
    torch::Tensor wGate, wUp, wDown; // [E, d, h], [E, d, h], [E, h, d]
};
TORCH_MODULE(MoeFeedForward);

struct BlockImpl : torch::nn::Module {
    BlockImpl(const Architecture& a, int64_t heads);
    torch::Tensor forward(const torch::Tensor& x, RoutingStats* stats);
    RmsNorm attnNorm{nullptr}, ffnNorm{nullptr};
    Attention attn{nullptr};
    MoeFeedForward ffn{nullptr};
};
TORCH_MODULE(Block);

struct ModelOutput {
    torch::Tensor hidden; // [B, T, d]: the final norm's output, which the head maps to logits
    torch::Tensor logits; // [B, T, V]; undefined when the forward was asked for none (a chunked loss)
    torch::Tensor lb;     // mean over layers of the balance term
    torch::Tensor z;      // mean over layers of the z term
    torch::Tensor counts; // [L, E]
};

struct MoeTransformerImpl : torch::nn::Module {
    MoeTransformerImpl(const Architecture& a, int64_t heads);
    ModelOutput forward(const torch::Tensor& tokens, bool withLogits = true); // [B, T] int64
    void setExpertsGemm(ExpertsGemm gemm);
    void setFusedNorms(bool fused); // every RmsNorm of the model (RmsNormImpl::fused)
    Architecture arch;
    torch::nn::Embedding embed{nullptr};
    torch::nn::ModuleList blocks;
    RmsNorm finalNorm{nullptr};
    torch::nn::Linear head{nullptr};
};
TORCH_MODULE(MoeTransformer);

// Parameter counts read off the module (numel), the independent side of the accounting check.
struct CountedParams {
    double total = 0;     // every non-norm weight except the input embedding
    double active = 0;    // the same with K of E experts per layer
    double embedding = 0; // the input embedding
    double norms = 0;     // norm weights, which the accounting leaves out
};
CountedParams countParameters(MoeTransformerImpl& model);

} // namespace moescope::trainer
