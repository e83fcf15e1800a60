#pragma once
// The language-model loss without the full logits: the mean cross-entropy of `targets` under
// logits = hidden · weightᵀ, computed a block of rows at a time. The plain path materialises [tokens, vocab]
// logits in the matmul's dtype, an fp32 copy, its log-softmax and the gradient of each (on the reference
// model 8 GB per step and a tenth of the step's time in casts and element-wise passes over them); here one
// block's logits exist at a time and the backward recomputes them from the saved hidden rows, trading one
// extra head matmul for that memory and traffic (issue 31's lever "a chunked cross-entropy").
#include <torch/torch.h>

namespace moescope::trainer {

// hidden [T, d] (any float dtype), weight [V, d], targets [T] int64 in [0, V). The matmuls run in
// `computeDtype` (bf16 under the trainer's autocast, else fp32), the soft-max in fp32; the gradients come
// back in hidden's and weight's own dtypes.
torch::Tensor chunkedCrossEntropy(const torch::Tensor& hidden, const torch::Tensor& weight,
                                  const torch::Tensor& targets, torch::ScalarType computeDtype,
                                  int64_t rowsPerChunk = 4096);

} // namespace moescope::trainer
