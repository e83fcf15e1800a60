#include "trainer/Checkpoint.h"

#include "core/io/Json.h"
#include "trainer/TrainerOptions.h"

#include <cstdio>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace moescope::trainer {

namespace {

// Text kept as bytes in a uint8 tensor: every LibTorch version reads and writes tensors alike.
torch::Tensor textTensor(const std::string& text) {
    return torch::tensor(std::vector<uint8_t>(text.begin(), text.end()), torch::kUInt8);
}

std::string tensorText(const torch::Tensor& t) {
    const torch::Tensor bytes = t.to(torch::kCPU).contiguous();
    const auto* p = bytes.data_ptr<uint8_t>();
    return std::string(p, p + bytes.numel());
}

// The first option whose value differs; throws OptionError naming it.
void compareSignatures(const std::string& path, const std::string& stored, const std::string& expected) {
    Json was, now;
    std::string error;
    if (!Json::parse(stored, was, error)) throw std::runtime_error(path + ": damaged checkpoint signature");
    if (!Json::parse(expected, now, error)) return;
    for (const auto& [option, value] : now.members()) {
        const Json* old = was.find(option);
        if (old && old->dump() != value.dump())
            throw OptionError("option --" + option + ": the checkpoint in '" + path + "' was trained with " +
                              old->dump() + ", this command line gives " + value.dump() +
                              (option == "batch" ? " (sequences per step: --batch × --grad-accum)" : "") +
                              "; --resume continues the same run (use another --out for a new one)");
    }
}

std::string firstLine(const std::string& s) {
    return s.substr(0, s.find('\n'));
}

} // namespace

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
    if (!state.signature.empty()) root.write("signature", textTensor(state.signature));
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
                                              torch::optim::Optimizer& optimizer, const torch::Device& device,
                                              const std::string& expectedSignature) {
    const std::string path = checkpointPath(outDir);
    if (!std::filesystem::exists(path)) return std::nullopt;
    torch::serialize::InputArchive root, weights, optim;
    torch::Tensor step, seconds, signature;
    try {
        // Without the device, tensors load on the CPU and Module::load would move a CUDA model's weights
        // there.
        root.load_from(path, device);
        root.read("step", step);
        root.read("seconds", seconds);
    } catch (const c10::Error& e) {
        throw std::runtime_error(path + ": the checkpoint cannot be read (" +
                                 firstLine(e.what_without_backtrace()) + "); delete it to start over");
    }
    std::string stored;
    if (root.try_read("signature", signature)) {
        stored = tensorText(signature);
        if (!expectedSignature.empty()) compareSignatures(path, stored, expectedSignature);
    }
    try {
        root.read("model", weights);
        root.read("optimizer", optim);
        model.load(weights);
        optimizer.load(optim);
    } catch (const c10::Error& e) {
        throw std::runtime_error(path + ": the checkpoint does not fit this model (" +
                                 firstLine(e.what_without_backtrace()) + ")");
    }
    torch::Tensor rng;
    if (root.try_read("rng_cpu", rng)) {
        auto generator = at::detail::getDefaultCPUGenerator();
        std::lock_guard<std::mutex> lock(generator.mutex());
        generator.set_state(rng.to(torch::kCPU));
    }
    return CheckpointState{step.item<int64_t>(), seconds.item<double>(), stored};
}

} // namespace moescope::trainer
