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
    // The options a continuation must share (TrainerOptions::resumeSignature(), as JSON text); empty for
    // checkpoints written before it was kept.
    std::string signature;
};

std::string checkpointPath(const std::string& outDir);
std::string saveCheckpoint(const std::string& outDir, torch::nn::Module& model,
                           torch::optim::Optimizer& optimizer, const CheckpointState& state);
// The same, to a file of its own (a kept branch point).
void saveCheckpointFile(const std::string& path, torch::nn::Module& model, torch::optim::Optimizer& optimizer,
                        const CheckpointState& state);
// Tensors land on `device`, where the model and optimizer already live. Before any weight is loaded the
// stored signature is compared with `expectedSignature` (when both are given): the first option that
// differs throws OptionError ("option --experts: ..."). A file that cannot be read throws
// std::runtime_error naming its path.
std::optional<CheckpointState> loadCheckpoint(const std::string& outDir, torch::nn::Module& model,
                                              torch::optim::Optimizer& optimizer, const torch::Device& device,
                                              const std::string& expectedSignature = {});
// The same from a file (a parent's branch point); nullopt when it does not exist.
std::optional<CheckpointState> loadCheckpointFile(const std::string& path, torch::nn::Module& model,
                                                  torch::optim::Optimizer& optimizer,
                                                  const torch::Device& device,
                                                  const std::string& expectedSignature = {});

} // namespace moescope::trainer
