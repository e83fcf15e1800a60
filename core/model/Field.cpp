#include "core/model/Field.h"

#include "core/model/NumberParser.h"

#include <cstdio>

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

bool parseFieldValue(Field f, std::string_view text, double& value, std::string& reason) {
    double v = 0;
    if (!parseNumber(text, v, &reason)) return false;
    // Formatted only for a message: a million-row import must not pay for printf on every cell.
    const auto shown = [v] {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.6g", v);
        return std::string(buf);
    };
    if (f == Field::Sparsity && (v < 0.0 || v >= 1.0))
        return reason = "sparsity " + shown() + " outside [0, 1)", false;
    if (f != Field::Sparsity && fieldMustBePositive(f) && v <= 0.0)
        return reason = "must be positive, got " + shown(), false;
    value = v;
    return true;
}

} // namespace moescope
