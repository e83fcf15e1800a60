#pragma once
#include "core/model/Run.h"

#include <string>
#include <string_view>

namespace moescope {

// Quotes a field when it holds the delimiter, a quote or a line break (doubling inner quotes).
std::string csvField(std::string_view text, char delimiter = ',');
// Shortest text that reads back to the same double.
std::string formatNumber(double v);
// A header of the canonical fields present in any run, then metrics and labels. Derived values are left
// out unless asked for: they come back on import, marked as derived again.
std::string runTableToCsv(const RunTable& table, bool includeDerived = false);

} // namespace moescope
