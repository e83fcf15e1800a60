#pragma once
// How long a run or a sweep takes, as the CLI and the window both print it: seconds under two minutes,
// minutes under two hours, hours beyond.
#include <string>

namespace moescope {

std::string durationText(double seconds);

} // namespace moescope
