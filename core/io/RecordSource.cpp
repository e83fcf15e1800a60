#include "core/io/RecordSource.h"

namespace moescope {

std::string recordWidthProblem(size_t fields, const std::vector<std::string>& header, std::string& column) {
    if (fields == header.size()) return {};
    const bool shortRow = fields < header.size();
    column = header[shortRow ? fields : header.size() - 1];
    return (shortRow ? "short row: " : "long row: ") + std::to_string(fields) + " fields, header has " +
           std::to_string(header.size());
}

} // namespace moescope
