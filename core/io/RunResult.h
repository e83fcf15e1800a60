#pragma once
// The status a finished trainer run leaves in its folder's result.json, read by whoever decides what to do
// with the folder next (run-sweep and the trainer dock, the trainer's own --resume).
#include <string>

namespace moescope {

enum class RunResultStatus {
    None,       // no result.json
    Done,       // "status": "done", or no status (written before the field existed)
    Diverged,   // "status": "diverged": the loss became non-finite
    Unreadable, // a result.json that is not a JSON object
};

RunResultStatus runResultStatus(const std::string& runDir);

} // namespace moescope
