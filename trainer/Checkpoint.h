#pragma once
// A checkpoint is one file, OUT/checkpoint.pt: model weights, optimizer state (AdamW moments and step
// counts), the CPU generator's state and the step reached — the data cursor, since batches are a function
// of the step. (Nothing random runs on a CUDA device after initialisation, so its generator is not kept.)
// Written to a temporary file and renamed, so an interrupted save never destroys the previous checkpoint.
#include <torch/torch.h>

#include <optional>
#include <string>

namespace moescope::trainer {

struct CheckpointState {
    int64_t step = 0;
    double seconds = 0;
};

std::string checkpointPath(const std::string& outDir);
std::string saveCheckpoint(const std::string& outDir, torch::nn::Module& model,
                           torch::optim::Optimizer& optimizer, const CheckpointState& state);
// Tensors land on `device`, where the model and optimizer already live.
std::optional<CheckpointState> loadCheckpoint(const std::string& outDir, torch::nn::Module& model,
                                              torch::optim::Optimizer& optimizer,
                                              const torch::Device& device);

} // namespace moescope::trainer
