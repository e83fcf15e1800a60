#pragma once
// Command-line parsing for moescope-cli: `--name value`, `--name=value`, repeated options and positionals.
// A wrong option is an invalid input: UsageError carries the message and the CLI exits 2.
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace moescope::cli {

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct OptionSpec {
    std::string name; // without the leading dashes
    bool takesValue = true;
    bool repeatable = false;
};

class CliArgs {
public:
    CliArgs(const std::vector<std::string>& args, const std::vector<OptionSpec>& specs);

    const std::vector<std::string>& positionals() const { return positionals_; }
    bool has(const std::string& name) const { return values_.count(name) > 0; }
    std::string value(const std::string& name, const std::string& fallback = {}) const;
    std::vector<std::string> values(const std::string& name) const;
    // A number option ("1e20", "3.2B" accepted); UsageError naming the option when malformed.
    double number(const std::string& name, double fallback) const;
    double requiredNumber(const std::string& name) const;
    // A comma-separated list of numbers ("1e12,3e12"); empty when absent; UsageError naming the item.
    std::vector<double> numbers(const std::string& name) const;
    int integer(const std::string& name, int fallback) const;

private:
    std::vector<std::string> positionals_;
    std::map<std::string, std::vector<std::string>> values_;
};

} // namespace moescope::cli
