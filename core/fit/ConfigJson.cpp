#include "core/fit/ConfigJson.h"

namespace moescope {

Json configJson(const ConfigFields& c) {
    Json j = Json::object();
    j.set("d_model", c.arch.d_model);
    j.set("n_layers", c.arch.n_layers);
    j.set("n_heads", c.heads);
    j.set("experts", c.arch.experts);
    j.set("active_experts", c.arch.active_experts);
    j.set("granularity", c.arch.granularity);
    j.set("ctx", c.arch.ctx);
    j.set("vocab", c.arch.vocab);
    j.set("params", c.params);
    j.set("active_params", c.activeParams);
    j.set("sparsity", c.sparsity);
    j.set("tokens", c.tokens);
    j.set("flops", c.flops);
    j.set("predicted_loss", c.predictedLoss);
    j.set("r", expertAttentionRatio(c.arch));
    return j;
}

} // namespace moescope
