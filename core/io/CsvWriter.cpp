#include "core/io/CsvWriter.h"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <unistd.h>

namespace moescope {

std::string csvField(std::string_view text, char delimiter) {
    if (text.find_first_of(std::string{delimiter, '"', '\n', '\r'}) == std::string_view::npos)
        return std::string(text);
    std::string out = "\"";
    for (char c : text) {
        if (c == '"') out.push_back('"');
        out.push_back(c);
    }
    return out + "\"";
}

std::string formatNumber(double v) {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

std::string runTableToCsv(const RunTable& table, bool includeDerived) {
    std::vector<Field> present;
    const auto shown = [&](const Run& r, Field f) { return r.has(f) && (includeDerived || !r.isDerived(f)); };
    for (Field f : allFields())
        for (const Run& r : table.runs)
            if (shown(r, f)) {
                present.push_back(f);
                break;
            }
    std::string out;
    auto sep = [&](bool first) {
        if (!first) out.push_back(',');
    };
    bool first = true;
    for (Field f : present)
        sep(first), out += fieldName(f), first = false;
    for (const auto& m : table.metricNames)
        sep(first), out += csvField(m), first = false;
    for (const auto& l : table.labelNames)
        sep(first), out += csvField(l), first = false;
    out.push_back('\n');
    for (const Run& r : table.runs) {
        first = true;
        for (Field f : present) {
            sep(first), first = false;
            if (shown(r, f)) out += formatNumber(r.get(f));
        }
        for (double m : r.metrics) {
            sep(first), first = false;
            if (m == m) out += formatNumber(m);
        }
        for (const auto& l : r.labels)
            sep(first), out += csvField(l), first = false;
        out.push_back('\n');
    }
    return out;
}

} // namespace moescope
