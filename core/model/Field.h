#pragma once
// The canonical run fields of ARCHITECTURE.md §2. Their names are the CSV headers, JSON keys and SQLite
// columns.
#include <array>
#include <optional>
#include <string_view>

namespace moescope {

enum class Field {
    Params,
    ActiveParams,
    Sparsity,
    Experts,
    ActiveExperts,
    Granularity,
    DModel,
    NLayers,
    NHeads,
    Ctx,
    Vocab,
    Tokens,
    Flops,
    Loss,
    Budget,
};
constexpr int kFieldCount = 15;

constexpr std::array<Field, kFieldCount> allFields() {
    return {Field::Params,      Field::ActiveParams, Field::Sparsity, Field::Experts, Field::ActiveExperts,
            Field::Granularity, Field::DModel,       Field::NLayers,  Field::NHeads,  Field::Ctx,
            Field::Vocab,       Field::Tokens,       Field::Flops,    Field::Loss,    Field::Budget};
}

std::string_view fieldName(Field f);
std::optional<Field> fieldFromName(std::string_view name);

// Fields that must be > 0 when present; sparsity may be 0 and is checked against [0, 1) instead.
bool fieldMustBePositive(Field f);
// A value given for field f, read and checked the way an import reads and checks it (a number with an
// optional suffix; sparsity in [0, 1); sizes, counts and losses positive). False with `reason`.
bool parseFieldValue(Field f, std::string_view text, double& value, std::string& reason);

} // namespace moescope
