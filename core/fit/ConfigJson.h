#pragma once
// The concrete-config object of ARCHITECTURE.md §5, shared by `optimum`, `suggest`, `predict` and the window.
#include "core/io/Json.h"
#include "core/model/Accounting.h"

namespace moescope {

struct ConfigFields {
    const Architecture& arch;
    int heads;
    double params, activeParams, sparsity, tokens, flops, predictedLoss;
};

Json configJson(const ConfigFields& c);

} // namespace moescope
