#pragma once
// SwiGLU experts over rows already sorted by expert, on CPU. Debian's BLAS runs every matmul on one core,
// so the plain per-expert loop leaves the other cores idle during the GEMMs, which are most of an MoE
// layer's work. Here the experts are packed onto the intra-op threads (largest first, each onto the
// least-loaded thread) and each thread runs its experts' GEMMs whole, forward and backward; the element-wise
// steps between them run over all rows at once on ATen's own threads. The backward is written out because
// autograd would replay the per-expert loop on one thread. Each expert's arithmetic is the same whichever
// thread runs it, so results stay deterministic.
#include <torch/torch.h>

#include <vector>

namespace moescope::trainer {

// rows [n, d] sorted by expert, counts[e] rows for expert e; wGate, wUp [E, d, h]; wDown [E, h, d].
// Returns [n, d]: row i is expert(e_i)'s SwiGLU of row i.
torch::Tensor parallelExperts(const torch::Tensor& rows, const std::vector<int64_t>& counts,
                              const torch::Tensor& wGate, const torch::Tensor& wUp,
                              const torch::Tensor& wDown);

} // namespace moescope::trainer
