#pragma once
// AdamW's update on CUDA as one fused kernel over every parameter of a group (at::_fused_adamw_, LibTorch
// >= 2.4), instead of torch::optim::AdamW's eight element-wise kernels per parameter tensor: on an H100 those
// were a fifth of an MoE step (tests/bench/results/). It reads and writes the state torch::optim::AdamW keeps
// (moments and step count per parameter), so checkpoints, resumes and the plain step stay interchangeable.
#include <torch/torch.h>

namespace moescope::trainer {

// Whether this build has the fused kernel (the LibTorch version, and MOESCOPE_FUSED_ADAMW in CMake).
bool fusedAdamWBuilt();

// One AdamW step of `opt` with the fused kernel; every parameter with a gradient must be on one CUDA device.
void fusedAdamWStep(torch::optim::AdamW& opt);

} // namespace moescope::trainer
