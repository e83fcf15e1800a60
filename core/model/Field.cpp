#include "Field.h"

namespace moescope {

namespace {
constexpr std::array<std::string_view, kFieldCount> kNames = {
    "params",  "active_params", "sparsity", "experts", "active_experts", "granularity", "d_model", "n_layers",
    "n_heads", "ctx",           "vocab",    "tokens",  "flops",          "loss",        "budget"};
}

std::string_view fieldName(Field f) {
    return kNames[static_cast<int>(f)];
}

std::optional<Field> fieldFromName(std::string_view name) {
    for (int i = 0; i < kFieldCount; ++i)
        if (kNames[i] == name) return static_cast<Field>(i);
    return std::nullopt;
}

bool fieldMustBePositive(Field f) {
    return f != Field::Sparsity;
}

} // namespace moescope
