#include "core/model/Accounting.h"

namespace moescope {

double expertHidden(const Architecture& a) {
    return 4.0 * a.d_model / a.granularity;
}
double attentionParamsPerLayer(const Architecture& a) {
    return 4.0 * a.d_model * a.d_model;
}
double routerParamsPerLayer(const Architecture& a) {
    return a.d_model * a.experts;
}
// A SwiGLU expert has three d×h matrices: gate, up and down.
double expertParamsEach(const Architecture& a) {
    return 3.0 * a.d_model * expertHidden(a);
}

double totalParams(const Architecture& a) {
    const double perLayer =
        attentionParamsPerLayer(a) + routerParamsPerLayer(a) + a.experts * expertParamsEach(a);
    return a.n_layers * perLayer + a.vocab * a.d_model;
}

double activeParams(const Architecture& a) {
    const double perLayer =
        attentionParamsPerLayer(a) + routerParamsPerLayer(a) + a.active_experts * expertParamsEach(a);
    return a.n_layers * perLayer + a.vocab * a.d_model;
}

double embeddingParams(const Architecture& a) {
    return a.vocab * a.d_model;
}

double flopsPerToken(const Architecture& a) {
    const double d = a.d_model;
    const double perLayer = 6.0 * 4.0 * d * d + 6.0 * 2.0 * a.ctx * d +
                            6.0 * 12.0 * a.active_experts * d * d / a.granularity + 14.0 * d * a.experts;
    return a.n_layers * perLayer + 6.0 * a.vocab * d;
}

double flopsPerToken6Na(const Architecture& a) {
    return 6.0 * activeParams(a);
}

double sparsityOf(double experts, double activeExperts) {
    return (experts - activeExperts) / experts;
}

double expertAttentionRatio(const Architecture& a) {
    const double d = a.d_model;
    const double expertCompute = 12.0 * a.active_experts * d * d / a.granularity;
    const double attentionCompute = 4.0 * d * d + 2.0 * a.ctx * d;
    return expertCompute / attentionCompute;
}

} // namespace moescope
