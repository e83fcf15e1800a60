#include "core/model/RunFilter.h"

#include <algorithm>

namespace moescope {

Expression::Lookup runLookup(const RunTable& table, const Run& run) {
    return [&table, &run](const std::string& name) -> std::optional<ExprValue> {
        if (const auto f = fieldFromName(name)) return ExprValue::of(run.get(*f)); // NaN when absent
        if (const int m = table.metricIndex(name); m >= 0)
            return ExprValue::of(m < static_cast<int>(run.metrics.size()) ? run.metrics[m] : std::nan(""));
        if (const int l = table.labelIndex(name); l >= 0)
            return ExprValue::of(l < static_cast<int>(run.labels.size()) ? run.labels[l] : std::string());
        for (const auto& [field, column] : table.sourceColumns)
            if (column == name) return ExprValue::of(run.get(*fieldFromName(field)));
        return std::nullopt;
    };
}

std::vector<std::string> runColumns(const RunTable& table) {
    std::vector<std::string> out;
    for (Field f : allFields())
        out.emplace_back(fieldName(f));
    out.insert(out.end(), table.metricNames.begin(), table.metricNames.end());
    out.insert(out.end(), table.labelNames.begin(), table.labelNames.end());
    for (const auto& [field, column] : table.sourceColumns)
        if (std::find(out.begin(), out.end(), column) == out.end()) out.push_back(column);
    return out;
}

bool RunFilter::parse(const std::string& text, RunFilter& out, std::string& error) {
    return Expression::parse(text, out.expression_, error);
}

bool checkRunColumns(const RunTable& table, const std::vector<std::string>& names, std::string& error) {
    const std::vector<std::string> known = runColumns(table);
    for (const auto& name : names)
        if (std::find(known.begin(), known.end(), name) == known.end()) {
            std::string list;
            for (const auto& k : known)
                list += (list.empty() ? "" : ", ") + k;
            error = "unknown column '" + name + "' (the runs have: " + list + ")";
            return false;
        }
    return true;
}

bool RunFilter::select(const RunTable& table, std::vector<bool>& matches, std::string& error) const {
    if (!checkRunColumns(table, expression_.columns(), error)) return false;
    matches.assign(table.runs.size(), false);
    // A row the expression cannot be evaluated on is an error of that row, named by its line as the
    // import's --where names it (the import refuses the same row).
    std::string first;
    int failed = 0;
    for (size_t i = 0; i < table.runs.size(); ++i) {
        bool m = false;
        std::string why;
        if (!expression_.test(runLookup(table, table.runs[i]), m, why)) {
            const int line = table.runs[i].sourceLine;
            if (failed++ == 0)
                first =
                    (line > 0 ? "line " + std::to_string(line) : "run " + std::to_string(i + 1)) + ": " + why;
            continue;
        }
        matches[i] = m;
    }
    if (failed == 0) return true;
    error = first + (failed > 1 ? " (and " + std::to_string(failed - 1) + " more rows)" : "");
    return false;
}

} // namespace moescope
