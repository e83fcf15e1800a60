#include "core/model/NumberParser.h"

#include <charconv>
#include <cmath>

namespace moescope {

std::string_view trimBlanks(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

namespace {

double suffixMultiplier(char c) {
    switch (c) {
    // Size labels are written either way ("12m", "1.3B"); nothing in a sweep is measured in milli-units.
    case 'k':
    case 'K':
        return 1e3;
    case 'm':
    case 'M':
        return 1e6;
    case 'b':
    case 'B':
    case 'G':
        return 1e9;
    case 't':
    case 'T':
        return 1e12;
    default:
        return 0.0;
    }
}
} // namespace

bool parseNumber(std::string_view text, double& value, std::string* reason) {
    const std::string_view s = trimBlanks(text);
    if (s.empty()) {
        if (reason) *reason = "empty value";
        return false;
    }
    double multiplier = 1.0;
    std::string_view digits = s;
    if (const double m = suffixMultiplier(s.back()); m != 0.0 && s.size() > 1) {
        multiplier = m;
        digits.remove_suffix(1);
    }
    if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
    double v = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec == std::errc::result_out_of_range && end == digits.data() + digits.size()) {
        if (reason) *reason = "'" + std::string(s) + "' is out of range (beyond ±1.8e308 or below 2.2e-308)";
        return false;
    }
    if (ec != std::errc() || end != digits.data() + digits.size()) {
        if (reason) *reason = "'" + std::string(s) + "' is not a number";
        return false;
    }
    if (std::isnan(v) || std::isinf(v)) {
        if (reason) *reason = "'" + std::string(s) + "' is not a finite number";
        return false;
    }
    if (!std::isfinite(v * multiplier)) {
        if (reason) *reason = "'" + std::string(s) + "' is out of range (beyond ±1.8e308)";
        return false;
    }
    value = v * multiplier;
    return true;
}

} // namespace moescope
