#pragma once
// What a finished run leaves in --out: result.json (the run, in canonical field names) and one row
// appended to runs.csv, the file `moescope-cli import` and `import-results` read. Both written atomically.
#include "core/io/Json.h"
#include "trainer/TrainerOptions.h"

#include <cmath>
#include <string>

namespace moescope::trainer {

struct RunRecord {
    const TrainerOptions& options;
    double valLoss;
    double tokens;
    double seconds;
    std::string device;
    // "done", or "diverged": a run whose loss became non-finite leaves result.json saying so and no
    // runs.csv row, so nothing an import reads holds a NaN.
    std::string status = "done";
    // Tokens this process trained: all of them, or a cooldown branch's own (after its parent's stable phase).
    double trainedTokens = std::nan("");
};

Json runRecordJson(const RunRecord& r);
bool writeRunRecord(const RunRecord& r, std::string& error);

} // namespace moescope::trainer
