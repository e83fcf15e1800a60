#include "trainer/TokenData.h"

#include "core/io/TextFile.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>

namespace fs = std::filesystem;

namespace moescope::trainer {

namespace {
std::string readAll(const fs::path& p) {
    std::string text, error;
    if (!readWholeFile(p.string(), text, error)) throw std::runtime_error("option --data: " + error);
    return text;
}

std::vector<fs::path> filesOf(const std::string& path) {
    std::vector<fs::path> files;
    if (fs::is_directory(path)) {
        for (const auto& e : fs::recursive_directory_iterator(path))
            if (e.is_regular_file()) files.push_back(e.path());
        std::sort(files.begin(), files.end()); // a reproducible stream, whatever the directory order
    } else if (fs::is_regular_file(path)) {
        files.push_back(path);
    } else {
        // A device (/dev/zero) or pipe would be read without end.
        throw std::runtime_error("option --data: '" + path + "' is neither a regular file nor a folder");
    }
    return files;
}
} // namespace

TokenData::TokenData(const std::string& path, const std::string& tokenizer, int64_t vocab, double valFrac,
                     int64_t ctx)
    : ctx_(ctx) {
    const auto files = filesOf(path);
    const bool binary =
        std::any_of(files.begin(), files.end(), [](const fs::path& p) { return p.extension() == ".bin"; });
    std::vector<int32_t> all;
    if (binary) {
        for (const auto& f : files) {
            if (f.extension() != ".bin") continue;
            const std::string bytes = readAll(f);
            const auto* t = reinterpret_cast<const uint16_t*>(bytes.data());
            all.insert(all.end(), t, t + bytes.size() / 2);
        }
        description_ = "uint16 tokens from " + path;
    } else {
        std::string text;
        for (const auto& f : files)
            text += readAll(f);
        if (!tokenizer.empty()) {
            // See trainer/CMakeLists.txt: the encoding runs in moescope-cli, outside this process.
            throw std::runtime_error(
                "option --tokenizer: encode the text first with `moescope-cli tokenize " + path +
                " --model " + tokenizer + " --out DIR`, then train on DIR/tokens.bin with --vocab " +
                "set to the model's size");
        } else {
            if (vocab < 256)
                throw std::runtime_error("option --vocab: byte-level text needs at least 256, got " +
                                         std::to_string(vocab));
            all.reserve(text.size());
            for (unsigned char c : text)
                all.push_back(c);
            description_ = "bytes of " + path;
        }
    }
    if (all.empty()) throw std::runtime_error("option --data: '" + path + "' holds no tokens");
    const auto maxToken = *std::max_element(all.begin(), all.end());
    if (maxToken >= vocab)
        throw std::runtime_error("option --vocab: token id " + std::to_string(maxToken) + " in '" + path +
                                 "' needs a vocabulary above " + std::to_string(vocab));
    const auto valCount = static_cast<size_t>(valFrac * all.size());
    if (static_cast<int64_t>(all.size() - valCount) <= ctx + 1 || static_cast<int64_t>(valCount) <= ctx + 1)
        throw std::runtime_error("option --data: '" + path + "' has " + std::to_string(all.size()) +
                                 " tokens, too few for --ctx " + std::to_string(ctx) +
                                 " with a held-out split");
    train_.assign(all.begin(), all.end() - valCount);
    val_.assign(all.end() - valCount, all.end());
}

TokenData::TokenData(int64_t vocab, int64_t count, int64_t ctx, uint64_t seed) : ctx_(ctx) {
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int32_t> u(0, static_cast<int32_t>(vocab - 1));
    train_.resize(count);
    for (auto& t : train_)
        t = u(rng);
    val_ = train_;
    description_ = "random tokens";
}

std::pair<torch::Tensor, torch::Tensor> TokenData::gather(const std::vector<int32_t>& src,
                                                          const std::vector<int64_t>& offsets) const {
    const auto b = static_cast<int64_t>(offsets.size());
    auto x = torch::empty({b, ctx_}, torch::kInt64), y = torch::empty({b, ctx_}, torch::kInt64);
    auto* px = x.data_ptr<int64_t>();
    auto* py = y.data_ptr<int64_t>();
    for (int64_t i = 0; i < b; ++i)
        for (int64_t j = 0; j < ctx_; ++j) {
            px[i * ctx_ + j] = src[offsets[i] + j];
            py[i * ctx_ + j] = src[offsets[i] + j + 1];
        }
    return {x, y};
}

std::pair<torch::Tensor, torch::Tensor> TokenData::trainBatch(uint64_t seed, int64_t step, int64_t micro,
                                                              int64_t batch) const {
    std::seed_seq seq{seed, static_cast<uint64_t>(step), static_cast<uint64_t>(micro)};
    std::mt19937_64 rng(seq);
    std::uniform_int_distribution<int64_t> u(0, static_cast<int64_t>(train_.size()) - ctx_ - 1);
    std::vector<int64_t> offsets(batch);
    for (auto& o : offsets)
        o = u(rng);
    return gather(train_, offsets);
}

std::pair<torch::Tensor, torch::Tensor> TokenData::valBatch(int64_t index, int64_t batch) const {
    // Evenly spaced windows: the same held-out tokens at every evaluation.
    const int64_t span = static_cast<int64_t>(val_.size()) - ctx_ - 1;
    std::vector<int64_t> offsets(batch);
    for (int64_t i = 0; i < batch; ++i)
        offsets[i] = ((index * batch + i) * 7919 * (ctx_ + 1)) % (span + 1);
    return gather(val_, offsets);
}

} // namespace moescope::trainer
