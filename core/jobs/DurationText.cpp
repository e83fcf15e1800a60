#include "core/jobs/DurationText.h"

#include <cstdio>

namespace moescope {

std::string durationText(double seconds) {
    char buf[64];
    if (seconds < 120)
        std::snprintf(buf, sizeof buf, "%.0f s", seconds);
    else if (seconds < 7200)
        std::snprintf(buf, sizeof buf, "%.1f min", seconds / 60);
    else
        std::snprintf(buf, sizeof buf, "%.1f h", seconds / 3600);
    return buf;
}

} // namespace moescope
