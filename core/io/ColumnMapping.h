#pragma once
// Which CSV column feeds which canonical field: automatic for unambiguous common headers, explicit
// through `--map FIELD=COLUMN` (an empty COLUMN unmaps a field), and always reportable.
#include "core/model/Field.h"

#include <string>
#include <utility>
#include <vector>

namespace moescope {

// "'a', 'b', 'c'": column names as error messages list them.
std::string quotedColumns(const std::vector<std::string>& names);

struct MappingOverride {
    std::string field;
    std::string column; // empty: leave the field unmapped
};

// Parses "FIELD=COLUMN"; false with `error` naming the option when malformed.
bool parseMappingOverride(const std::string& text, MappingOverride& out, std::string& error);

class ColumnMapping {
public:
    // Builds the mapping for `header`. Errors (unknown field, no such column, a column claimed twice)
    // are option errors and are returned in `error`; ambiguous automatic matches are left unmapped and
    // explained in notes().
    bool build(const std::vector<std::string>& header, const std::vector<MappingOverride>& overrides,
               std::string& error);

    int columnOf(Field f) const { return columns_[static_cast<int>(f)]; }
    bool isMapped(Field f) const { return columnOf(f) >= 0; }
    // field -> column name, in field order; what every import reports.
    std::vector<std::pair<std::string, std::string>> used() const;
    const std::vector<std::string>& notes() const { return notes_; }
    // Columns not feeding a field (kept as metrics or labels).
    std::vector<int> unmappedColumns() const;

    // Lower-case, non-alphanumerics folded to '_' and trimmed: "Model Size" -> "model_size".
    static std::string normalizeHeader(const std::string& h);

private:
    std::vector<std::string> header_;
    int columns_[kFieldCount];
    std::vector<std::string> notes_;
};

} // namespace moescope
