#pragma once
// One function per moescope-cli subcommand (ARCHITECTURE.md §5). Each returns the process exit code:
// 0 success, 1 unreadable input or internal failure, 2 invalid input or options.
#include <iosfwd>
#include <string>
#include <vector>

namespace moescope {
struct AnalysisPlan;
struct LawFit;
} // namespace moescope

namespace moescope::cli {

using Args = std::vector<std::string>;

int importCommand(const Args& args, std::ostream& out, std::ostream& err);
int flopsCommand(const Args& args, std::ostream& out, std::ostream& err);
int fitCommand(const Args& args, std::ostream& out, std::ostream& err);
int tokenizeCommand(const Args& args, std::ostream& out, std::ostream& err);
int optimumCommand(const Args& args, std::ostream& out, std::ostream& err);
int renderCommand(const Args& args, std::ostream& out, std::ostream& err);
int suggestCommand(const Args& args, std::ostream& out, std::ostream& err);
int importResultsCommand(const Args& args, std::ostream& out, std::ostream& err);
int predictCommand(const Args& args, std::ostream& out, std::ostream& err);
int backtestCommand(const Args& args, std::ostream& out, std::ostream& err);
int planSweepCommand(const Args& args, std::ostream& out, std::ostream& err);
int runSweepCommand(const Args& args, std::ostream& out, std::ostream& err);
int hparamsCommand(const Args& args, std::ostream& out, std::ostream& err);

class CliArgs;
// The parametric-law half of `fit` under `plan`; fills `result` (and `largestBudget`, the largest budget
// the runs were swept at, 0 when none) when given. Writes nothing to `out` when its buffer is null.
int fitLawCommand(const CliArgs& args, const AnalysisPlan& plan, std::ostream& out, std::ostream& err,
                  moescope::LawFit* result = nullptr, double* largestBudget = nullptr);

} // namespace moescope::cli
