#pragma once
// One trained model with one final evaluation (ARCHITECTURE.md §2).
#include "core/model/Field.h"
#include "core/model/SparseText.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace moescope {

// Laid out small (216 bytes): a million-row import writes every byte of it.
struct Run {
    std::array<double, kFieldCount> values;
    uint32_t derivedMask = 0;        // bit per Field: the value was computed, not read
    int sourceLine = 0;              // line in the imported file, for messages
    std::vector<double> metrics;     // aligned with RunTable::metricNames; NaN = absent
    std::vector<std::string> labels; // aligned with RunTable::labelNames (text columns such as "source")
    long long id = 0;                // workspace row id (0 until stored)
    bool excluded = false;           // kept but left out of fits
    SparseText excludedWhy;          // why the import excluded it ("no loss"); empty for the user's choice
    SparseText curve;  // the run a checkpoint belongs to (its run key); empty for a final result
    SparseText meanOf; // for a mean-per run: the group it averages ("size=12m, experts=8")

    Run() { values.fill(std::nan("")); }

    bool has(Field f) const { return !std::isnan(values[static_cast<int>(f)]); }
    double get(Field f) const { return values[static_cast<int>(f)]; }
    bool isDerived(Field f) const { return derivedMask & (1u << static_cast<int>(f)); }
    void set(Field f, double v) {
        values[static_cast<int>(f)] = v;
        derivedMask &= ~(1u << static_cast<int>(f));
    }
    void setDerived(Field f, double v) {
        values[static_cast<int>(f)] = v;
        derivedMask |= 1u << static_cast<int>(f);
    }
};

struct RunTable {
    std::vector<std::string> metricNames;
    std::vector<std::string> labelNames;
    // field name -> the imported file's column it was read from, so filters and groups may use either name.
    std::vector<std::pair<std::string, std::string>> sourceColumns;
    std::vector<Run> runs;

    int metricIndex(const std::string& name) const;
    int labelIndex(const std::string& name) const;
};

// Appends `from`'s runs to `into`, uniting their metric and label columns by name.
void appendRuns(RunTable& into, const RunTable& from);

// Fills what the stated fields imply (S from E,K; N, N_a from the architecture; dense ⇒ S = 0 and N_a = N;
// C = 6·N_a·D and D = C/(6·N_a)) and marks each filled value as derived. Stated values are never overwritten.
void deriveMissingFields(Run& run);

} // namespace moescope
