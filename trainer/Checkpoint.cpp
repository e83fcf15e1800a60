#include "Checkpoint.h"

#include <cstdio>
#include <filesystem>
#include <stdexcept>

namespace moescope::trainer {

std::string checkpointPath(const std::string& outDir) {
    return outDir + "/checkpoint.pt";
}

std::string saveCheckpoint(const std::string& outDir, torch::nn::Module& model,
                           torch::optim::Optimizer& optimizer, const CheckpointState& state) {
    torch::serialize::OutputArchive root, weights, optim;
    model.save(weights);
    optimizer.save(optim);
    root.write("model", weights);
    root.write("optimizer", optim);
    root.write("step", torch::tensor(static_cast<int64_t>(state.step)));
    root.write("seconds", torch::tensor(state.seconds, torch::kFloat64));
    const std::string path = checkpointPath(outDir), tmp = path + ".tmp";
    root.save_to(tmp);
    std::filesystem::rename(tmp, path);
    return path;
}

std::optional<CheckpointState> loadCheckpoint(const std::string& outDir, torch::nn::Module& model,
                                              torch::optim::Optimizer& optimizer) {
    const std::string path = checkpointPath(outDir);
    if (!std::filesystem::exists(path)) return std::nullopt;
    torch::serialize::InputArchive root, weights, optim;
    root.load_from(path);
    root.read("model", weights);
    root.read("optimizer", optim);
    model.load(weights);
    optimizer.load(optim);
    torch::Tensor step, seconds;
    root.read("step", step);
    root.read("seconds", seconds);
    return CheckpointState{step.item<int64_t>(), seconds.item<double>()};
}

} // namespace moescope::trainer
