#pragma once
#include <string>
#include <string_view>

namespace moescope {

// Parses the numbers sweeps are written with: 1e20, 0.5, 3.2B, 150M, 7T, 12k, 12m (k, M, B or G, T
// suffixes, in either case but G; no thousands separators). On failure returns false and says why in `reason`
// (e.g. "not a number"). NaN and infinities are refused: a loss of inf is a diverged run, not a data point.
bool parseNumber(std::string_view text, double& value, std::string* reason = nullptr);

// `s` without its leading and trailing spaces and tabs (cells, option parts).
std::string_view trimBlanks(std::string_view s);

} // namespace moescope
