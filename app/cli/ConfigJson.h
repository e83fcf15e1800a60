#pragma once
// The concrete-config object of DESIGN.md §5, shared by `optimum` and `suggest`.
#include "Accounting.h"
#include "Json.h"

namespace moescope::cli {

struct ConfigFields {
    const Architecture& arch;
    int heads;
    double params, activeParams, sparsity, tokens, flops, predictedLoss;
};

Json configJson(const ConfigFields& c);

} // namespace moescope::cli
