#pragma once
// What the workspace keeps of a fit the window showed: the law-fit JSON of the CLI's contract as the
// result, and the whole analysis plan as the settings, so the fit can be reproduced from the file alone.
#include "core/fit/Analysis.h"
#include "core/store/Workspace.h"

namespace moescope {

// The record of the snapshot's parametric-law fit; false when the snapshot has none.
bool lawFitRecord(const AnalysisSnapshot& snapshot, FitRecord& record);
// The plan a recorded fit was made with; false with `error` when the record predates plans or is damaged.
bool planOfRecord(const FitRecord& record, AnalysisPlan& plan, std::string& error);

} // namespace moescope
