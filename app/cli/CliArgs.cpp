#include "app/cli/CliArgs.h"

#include "core/model/NumberParser.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace moescope::cli {

CliArgs::CliArgs(const std::vector<std::string>& args, const std::vector<OptionSpec>& specs) {
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a.size() < 3 || a.compare(0, 2, "--") != 0) {
            positionals_.push_back(a);
            continue;
        }
        std::string name = a.substr(2), inlineValue;
        const auto eq = name.find('=');
        const bool hasInline = eq != std::string::npos;
        if (hasInline) {
            inlineValue = name.substr(eq + 1);
            name = name.substr(0, eq);
        }
        const OptionSpec* spec = nullptr;
        for (const auto& s : specs)
            if (s.name == name) spec = &s;
        if (!spec) throw UsageError("unknown option --" + name);
        if (values_.count(name) && !spec->repeatable) throw UsageError("option --" + name + " given twice");
        if (!spec->takesValue) {
            if (hasInline) throw UsageError("option --" + name + " takes no value");
            values_[name].push_back("1");
            continue;
        }
        if (!hasInline) {
            if (i + 1 >= args.size()) throw UsageError("option --" + name + " needs a value");
            inlineValue = args[++i];
        }
        values_[name].push_back(inlineValue);
    }
}

std::string CliArgs::value(const std::string& name, const std::string& fallback) const {
    const auto it = values_.find(name);
    return it == values_.end() ? fallback : it->second.back();
}

std::vector<std::string> CliArgs::values(const std::string& name) const {
    const auto it = values_.find(name);
    return it == values_.end() ? std::vector<std::string>{} : it->second;
}

double CliArgs::number(const std::string& name, double fallback) const {
    if (!has(name)) return fallback;
    double v = 0;
    std::string reason;
    if (!parseNumber(value(name), v, &reason)) throw UsageError("option --" + name + ": " + reason);
    return v;
}

double CliArgs::requiredNumber(const std::string& name) const {
    if (!has(name)) throw UsageError("option --" + name + " is required");
    return number(name, 0);
}

std::vector<double> CliArgs::numbers(const std::string& name) const {
    std::vector<double> out;
    if (!has(name)) return out;
    const std::string text = value(name);
    size_t start = 0;
    while (start <= text.size()) {
        const size_t comma = std::min(text.find(',', start), text.size());
        double v = 0;
        std::string reason;
        const std::string item = text.substr(start, comma - start);
        if (!parseNumber(item, v, &reason))
            throw UsageError("option --" + name + ": '" + item + "': " + reason);
        out.push_back(v);
        start = comma + 1;
    }
    return out;
}

int CliArgs::integer(const std::string& name, int fallback) const {
    const double v = number(name, fallback);
    if (v != std::floor(v))
        throw UsageError("option --" + name + ": expected a whole number, got " + value(name));
    // Out of an int's range is refused before the cast, which would wrap it.
    if (std::fabs(v) > std::numeric_limits<int>::max())
        throw UsageError("option --" + name + ": " + value(name) + " is out of range (at most " +
                         std::to_string(std::numeric_limits<int>::max()) + ")");
    return static_cast<int>(v);
}

} // namespace moescope::cli
