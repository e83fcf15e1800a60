#pragma once
// The one parameter and FLOP accounting of ARCHITECTURE.md §3. The trainer, the planner, the importer and the
// CLI all call these; nothing else in the project counts parameters.
#include <cstdint>

namespace moescope {

struct Architecture {
    double d_model = 0;
    double n_layers = 0;
    double experts = 1;        // E, routed experts per layer (1 = dense)
    double active_experts = 1; // K
    double granularity = 1;    // G: expert hidden size is 4·d/G
    double ctx = 2048;
    double vocab = 50432;
};

// Non-embedding parameters plus the output projection: L·(4d² + d·E + 12·E·d²/G) + V·d.
double totalParams(const Architecture& a);
// Parameters a token passes through: L·(4d² + d·E + 12·K·d²/G) + V·d.
double activeParams(const Architecture& a);
// Input embedding V·d: a table lookup, so neither in N nor N_a.
double embeddingParams(const Architecture& a);
// Abnar et al. Eq. 9, forward + backward: L·(24d² + 12·ctx·d + 72·K·d²/G + 14·d·E) + 6·V·d.
double flopsPerToken(const Architecture& a);
// The budget rule C = 6·N_a·D, per token.
double flopsPerToken6Na(const Architecture& a);
double sparsityOf(double experts, double activeExperts);
// Li et al.'s expert/attention compute ratio r = C_E/C_A per layer.
double expertAttentionRatio(const Architecture& a);

// Per-layer pieces, for callers that need the split (e.g. the trainer's own parameter check).
double attentionParamsPerLayer(const Architecture& a);
double routerParamsPerLayer(const Architecture& a);
double expertParamsEach(const Architecture& a);
double expertHidden(const Architecture& a);

} // namespace moescope
