#pragma once
// The track record the recommendation was chosen by (core/fit/Extrapolation.h, recommendMethod): every
// method's rolling-origin predictions on this sweep — fitted on the first k budgets, predicting each later
// one — as |L* error| against the distance predicted at, one colour per method, with the backtest's
// tolerance. What "chosen by its record" and the record's widening of the intervals past the sweep rest on.
#include "core/fit/Extrapolation.h"

#include <QString>

class QChart;

namespace moescope {

// The chart, or null when the record is empty (fewer than three budgets, nothing observed).
QChart* trackRecordChart(const Recommendation& record, double tolerance);

// The series name of `method`'s points: "abnar", "abnar (chosen)".
QString trackSeriesName(const std::string& method, const Recommendation& record);

} // namespace moescope
