#pragma once
// Training tokens: byte-level text (vocab 256), nanoGPT-style uint16 .bin files, or text through a
// SentencePiece model. The last --val-frac of the stream is held out for `eval`. Batches are a pure
// function of (seed, step, micro-batch), so the data cursor of a checkpoint is just the step number.
#include <torch/torch.h>

#include <string>
#include <vector>

namespace moescope::trainer {

class TokenData {
public:
    // Throws std::runtime_error with a message naming the option (--data, --tokenizer, --vocab).
    TokenData(const std::string& path, const std::string& tokenizer, int64_t vocab, double valFrac,
              int64_t ctx);
    // Random tokens for benchmarks.
    TokenData(int64_t vocab, int64_t count, int64_t ctx, uint64_t seed);

    // Inputs and next-token targets, [batch, ctx] each.
    std::pair<torch::Tensor, torch::Tensor> trainBatch(uint64_t seed, int64_t step, int64_t micro,
                                                       int64_t batch) const;
    std::pair<torch::Tensor, torch::Tensor> valBatch(int64_t index, int64_t batch) const;

    int64_t trainTokens() const { return static_cast<int64_t>(train_.size()); }
    int64_t valTokens() const { return static_cast<int64_t>(val_.size()); }
    const std::string& description() const { return description_; }

private:
    std::pair<torch::Tensor, torch::Tensor> gather(const std::vector<int32_t>& src,
                                                   const std::vector<int64_t>& offsets) const;

    std::vector<int32_t> train_, val_;
    int64_t ctx_;
    std::string description_;
};

} // namespace moescope::trainer
