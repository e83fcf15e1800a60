#pragma once
// Brings any sweep file — CSV, JSON Lines or a JSON array, told apart by content — into a RunTable: builds
// the columns the options ask for (ColumnTransforms), maps columns, parses numbers, derives missing fields,
// keeps one run per group where asked (RunSelection) and reports every invalid row as
// FILE:LINE: column 'X': reason. Without skipInvalid one bad row fails the import.
#include "core/io/ColumnMapping.h"
#include "core/io/ColumnTransforms.h"
#include "core/model/Run.h"
#include "core/model/RunSelection.h"

#include <array>
#include <string>
#include <utility>
#include <vector>

namespace moescope {

struct ImportOptions {
    std::vector<MappingOverride> overrides;
    bool skipInvalid = false;
    // Unit multipliers per field (a column of "params in millions" takes 1e6), applied before derivation.
    std::array<double, kFieldCount> scale = filledScale();
    static std::array<double, kFieldCount> filledScale() {
        std::array<double, kFieldCount> s{};
        s.fill(1.0);
        return s;
    }
    ColumnTransforms transforms; // --set, --lookup, --derive, --where
    RunSelection selection;      // --run-key, --best-per, --mean-per
    // False: every row is read, checked and counted, but the runs are not kept (a report of what the import
    // would take, in a window of memory however long the file). A selection always keeps them.
    bool keepRuns = true;
    // A table of optima (one row per budget: budget or flops, loss, a size if known) needs no size column.
    bool optimaTable = false;
};

struct ImportIssue {
    std::string file;
    int line = 0;       // 0 when the problem is the file as a whole
    std::string column; // the file's column name (or the field, when the column is missing)
    std::string message;
    std::string toString() const;
};

struct ImportResult {
    enum class Outcome {
        Ok,          // every row valid, or invalid ones skipped on request
        InvalidRows, // some rows invalid and skipping was not requested: nothing may be written
        InvalidFile, // the file as a whole is unusable (no data rows, missing column, not text...)
        BadOption,   // a --map option is wrong
        Unreadable,  // I/O error
    };
    Outcome outcome = Outcome::Ok;
    RunTable table;
    int rowsRead = 0;
    int rowsInvalid = 0;
    // Rows with an empty loss (a crashed or unfinished run): imported, excluded with the reason "no loss".
    int rowsWithoutLoss = 0;
    int rowsFiltered = 0;       // left out by --where: not imported
    int rowsExcluded = 0;       // imported but out of every fit (rowsWithoutLoss among them), as read
    bool runsKept = true;       // false: `table` is empty by request (ImportOptions::keepRuns)
    std::string format = "csv"; // "csv", "jsonl" or "json"
    std::vector<ImportIssue> errors;
    std::vector<std::pair<std::string, std::string>> mapping;
    std::vector<std::string> notes;
    char delimiter = ',';
    std::vector<std::string> header;

    bool ok() const { return outcome == Outcome::Ok; }
    // 0 ok, 1 unreadable, 2 invalid input or option (the CLI contract of ARCHITECTURE.md §5).
    int exitCode() const;
};

ImportResult importRunsFile(const std::string& path, const ImportOptions& options);
// `text` as the content of a file called `displayName` (tests, pasted data).
ImportResult importRunsText(std::string text, const std::string& displayName, const ImportOptions& options);

} // namespace moescope
