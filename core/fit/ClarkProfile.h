#pragma once
// Clark et al.'s law is linear in a, b, c, d once E_start and E_max are fixed:
//   log10 L = a log10 N + b log10 Ê + c log10 N log10 Ê + d.
// Gradient descent on all six at once stalls in the long flat valley E_start/E_max make (their gradients are
// orders of magnitude smaller than a–d's), so it stops wherever it started them. Variable projection removes
// the valley: for each (E_start, E_max) the best a–d come from one linear least-squares solve, and only the
// two nonlinear parameters are searched (a grid, then Nelder–Mead on the profiled sum of squares).
#include "core/fit/LawForms.h"

#include <vector>

namespace moescope {

// Improves `p` = [a, b, c, d, E_start, E_max] when the profile finds a lower sum of squared log10
// residuals than `sse` (which it then updates); false when it found nothing better.
bool refineClarkByProfile(const std::vector<LawPoint>& points, std::vector<double>& p, double& sse);

} // namespace moescope
