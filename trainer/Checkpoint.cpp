#include "trainer/Checkpoint.h"

#include "core/io/Json.h"
#include "core/io/TorchArchiveCheck.h"
#include "trainer/TrainerOptions.h"

#include <cstdio>
#include <filesystem>
#include <functional>
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
        // The warm-up a branch shares with its parent is the effective one, in steps (--warmup sets it).
        if (old && old->dump() != value.dump())
            throw OptionError(
                "option --" + (option == "warmup-steps" ? std::string("warmup") : option) +
                ": the checkpoint in '" + path + "' was trained with " + old->dump() +
                ", this command line gives " + value.dump() +
                (option == "batch" ? " (sequences per step: --batch × --grad-accum)" : "") +
                "; --resume and --branch-from continue the same training (use another --out for a new run)");
    }
}

std::string firstLine(const std::string& s) {
    return s.substr(0, s.find('\n'));
}

// A checkpoint is a file a user may be handed. checkTorchArchive has held each storage record to the element
// count its pickle gives; here each tensor's own sizes, strides and offset are held to that storage, which a
// crafted pickle could exceed, before any tensor is used.
void checkStorage(torch::serialize::InputArchive& archive, const std::string& path, const std::string& prefix,
                  int depth) {
    if (depth > 16)
        throw std::runtime_error(path + ": the checkpoint is nested too deeply; not a checkpoint");
    for (const std::string& key : archive.keys()) {
        torch::Tensor t;
        torch::serialize::InputArchive inner;
        if (archive.try_read(key, t)) {
            if (!t.defined() || t.numel() == 0) continue;
            int64_t last = t.storage_offset();
            for (int64_t d = 0; d < t.dim(); ++d) {
                if (t.stride(d) < 0)
                    throw std::runtime_error(path + ": tensor '" + prefix + key + "' is damaged");
                last += (t.size(d) - 1) * t.stride(d);
            }
            const auto needed = static_cast<uint64_t>(last + 1) * t.element_size();
            if (!t.has_storage() || t.storage().nbytes() < needed)
                throw std::runtime_error(path + ": tensor '" + prefix + key + "' reaches past its storage (" +
                                         std::to_string(t.has_storage() ? t.storage().nbytes() : 0) +
                                         " bytes for " + std::to_string(needed) +
                                         "); the checkpoint is damaged — delete it to start over");
        } else if (archive.try_read(key, inner)) {
            checkStorage(inner, path, prefix + key + ".", depth + 1);
        }
    }
}

// The model's own tensors, by name, against the checkpoint's: same shape and type, or the file is refused
// before Module::load replaces a parameter with something else.
void checkShapes(torch::nn::Module& model, torch::serialize::InputArchive& weights, const std::string& path) {
    // Module::save nests a child module's tensors in an archive of its own: "blocks.0.w" is "w" in "0" in
    // "blocks".
    std::function<bool(torch::serialize::InputArchive&, const std::string&, torch::Tensor&)> read =
        [&](torch::serialize::InputArchive& level, const std::string& name, torch::Tensor& out) {
            const size_t dot = name.find('.');
            if (dot == std::string::npos) return level.try_read(name, out);
            torch::serialize::InputArchive child;
            return level.try_read(name.substr(0, dot), child) && read(child, name.substr(dot + 1), out);
        };
    auto check = [&](const std::string& name, const torch::Tensor& mine) {
        torch::Tensor stored;
        if (!read(weights, name, stored))
            throw std::runtime_error(path + ": the checkpoint has no tensor '" + name + "'");
        if (stored.sizes() != mine.sizes() || stored.scalar_type() != mine.scalar_type())
            throw std::runtime_error(path + ": tensor '" + name + "' has shape " + c10::str(stored.sizes()) +
                                     ", the model " + c10::str(mine.sizes()) +
                                     "; the checkpoint does not fit this model");
    };
    for (const auto& p : model.named_parameters())
        check(p.key(), p.value());
    for (const auto& b : model.named_buffers())
        check(b.key(), b.value());
}

} // namespace

std::string checkpointPath(const std::string& outDir) {
    return outDir + "/checkpoint.pt";
}

std::string saveCheckpoint(const std::string& outDir, torch::nn::Module& model,
                           torch::optim::Optimizer& optimizer, const CheckpointState& state) {
    const std::string path = checkpointPath(outDir);
    saveCheckpointFile(path, model, optimizer, state);
    return path;
}

void saveCheckpointFile(const std::string& path, torch::nn::Module& model, torch::optim::Optimizer& optimizer,
                        const CheckpointState& state) {
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
    const std::string tmp = path + ".tmp";
    root.save_to(tmp);
    std::filesystem::rename(tmp, path);
}

std::optional<CheckpointState> loadCheckpoint(const std::string& outDir, torch::nn::Module& model,
                                              torch::optim::Optimizer& optimizer, const torch::Device& device,
                                              const std::string& expectedSignature) {
    return loadCheckpointFile(checkpointPath(outDir), model, optimizer, device, expectedSignature);
}

std::optional<CheckpointState> loadCheckpointFile(const std::string& path, torch::nn::Module& model,
                                                  torch::optim::Optimizer& optimizer,
                                                  const torch::Device& device,
                                                  const std::string& expectedSignature) {
    if (!std::filesystem::exists(path)) return std::nullopt;
    // The file is untrusted: its zip records are held to what its pickles say before LibTorch reads them.
    if (std::string why; !checkTorchArchive(path, why)) throw std::runtime_error(why);
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
    checkStorage(root, path, "", 0);
    try {
        root.read("model", weights);
        root.read("optimizer", optim);
    } catch (const c10::Error& e) {
        throw std::runtime_error(path + ": the checkpoint does not fit this model (" +
                                 firstLine(e.what_without_backtrace()) + ")");
    }
    checkShapes(model, weights, path);
    try {
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
    if (step.numel() != 1 || seconds.numel() != 1 || step.item<int64_t>() < 0)
        throw std::runtime_error(path + ": the checkpoint's step or time is damaged");
    return CheckpointState{step.item<int64_t>(), seconds.item<double>(), stored};
}

} // namespace moescope::trainer
