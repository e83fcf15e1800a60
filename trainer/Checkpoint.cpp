#include "Checkpoint.h"

#include <cstdio>
#include <filesystem>
#include <mutex>
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
    {
        auto generator = at::detail::getDefaultCPUGenerator();
        std::lock_guard<std::mutex> lock(generator.mutex());
        root.write("rng_cpu", generator.get_state());
    }
    const std::string path = checkpointPath(outDir), tmp = path + ".tmp";
    root.save_to(tmp);
    std::filesystem::rename(tmp, path);
    return path;
}

std::optional<CheckpointState> loadCheckpoint(const std::string& outDir, torch::nn::Module& model,
                                              torch::optim::Optimizer& optimizer,
                                              const torch::Device& device) {
    const std::string path = checkpointPath(outDir);
    if (!std::filesystem::exists(path)) return std::nullopt;
    torch::serialize::InputArchive root, weights, optim;
    // Without the device, tensors load on the CPU and Module::load would move a CUDA model's weights there.
    root.load_from(path, device);
    root.read("model", weights);
    root.read("optimizer", optim);
    model.load(weights);
    optimizer.load(optim);
    torch::Tensor step, seconds;
    root.read("step", step);
    root.read("seconds", seconds);
    torch::Tensor rng;
    if (root.try_read("rng_cpu", rng)) {
        auto generator = at::detail::getDefaultCPUGenerator();
        std::lock_guard<std::mutex> lock(generator.mutex());
        generator.set_state(rng.to(torch::kCPU));
    }
    return CheckpointState{step.item<int64_t>(), seconds.item<double>()};
}

} // namespace moescope::trainer
