#pragma once
// Filters over runs (--where, --holdout): an Expression (core/model/Expression.h) whose columns are a run's
// fields by their canonical names (params, sparsity, loss ...) and the sweep's other columns by their own
// names (numeric ones as numbers, text ones as strings: router_type=='S-Base').
#include "core/model/Expression.h"
#include "core/model/Run.h"

#include <string>
#include <vector>

namespace moescope {

// The columns of one run, for an expression.
Expression::Lookup runLookup(const RunTable& table, const Run& run);
// Every column name an expression over this table may use.
std::vector<std::string> runColumns(const RunTable& table);
// False with `error` ("unknown column 'x' (the runs have: ...)") for the first name the runs lack.
bool checkRunColumns(const RunTable& table, const std::vector<std::string>& names, std::string& error);

class RunFilter {
public:
    // False with `error` when the text is not an expression.
    static bool parse(const std::string& text, RunFilter& out, std::string& error);
    // Which runs match; false with `error` naming an unknown column (and the columns there are) or a
    // comparison of a string with a number.
    bool select(const RunTable& table, std::vector<bool>& matches, std::string& error) const;
    const std::string& text() const { return expression_.text(); }

private:
    Expression expression_;
};

} // namespace moescope
