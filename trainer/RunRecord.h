#pragma once
// What a finished run leaves in --out: result.json (the run, in canonical field names) and one row
// appended to runs.csv, the file `moescope-cli import` and `import-results` read. Both written atomically.
#include "core/io/Json.h"
#include "trainer/TrainerOptions.h"

#include <string>

namespace moescope::trainer {

struct RunRecord {
    const TrainerOptions& options;
    double valLoss;
    double tokens;
    double seconds;
    std::string device;
};

Json runRecordJson(const RunRecord& r);
bool writeRunRecord(const RunRecord& r, std::string& error);

} // namespace moescope::trainer
