#pragma once
// How the CLI's text output writes a number and a 95 % band: "value [lo, hi]" in one printf format, or the
// value alone followed by `missing` where there is no interval — never a "[nan, nan]".
#include "core/fit/IsoflopAnalysis.h"

#include <cmath>
#include <cstdio>
#include <string>

namespace moescope::cli {

inline std::string numberText(double v, const char* format = "%.3g") {
    char buf[64];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

inline std::string bandText(const Band& b, const char* format, const char* missing = "") {
    if (!(std::isfinite(b.lo) && std::isfinite(b.hi))) return numberText(b.value, format) + missing;
    return numberText(b.value, format) + " [" + numberText(b.lo, format) + ", " + numberText(b.hi, format) +
           "]";
}

} // namespace moescope::cli
