#pragma once
// How plan-sweep and run-sweep say what a plan trains against independent runs of the same points.
#include <algorithm>
#include <cstdio>
#include <string>

namespace moescope::cli {

// "trains 4.1e12 FLOPs (6·N_a·D), 46 % of the 8.9e12 independent runs of the same points would".
inline std::string computeText(double trained, double independent) {
    char buf[200];
    std::snprintf(buf, sizeof buf,
                  "trains %.3g FLOPs (6·N_a·D), %.0f %% of the %.3g that independent runs of the same points "
                  "would",
                  trained, 100 * trained / std::max(independent, 1e-300), independent);
    return buf;
}

} // namespace moescope::cli
