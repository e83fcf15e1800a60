#include "trainer/FusedAdamW.h"

#include "trainer/TorchVersion.h"

#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>

#if defined(MOESCOPE_FUSED_ADAMW) && MOESCOPE_TORCH_AT_LEAST(2, 4)
#define MOESCOPE_HAS_FUSED_ADAMW 1
#else
#define MOESCOPE_HAS_FUSED_ADAMW 0
#endif

namespace moescope::trainer {

namespace {
// torch::optim keys its per-parameter state by the parameter's TensorImpl: as the pointer itself in recent
// LibTorch, as the pointer printed to a string in older ones. Either way, the key the optimiser uses.
template <class Map> typename Map::key_type stateKey(const Map&, const torch::Tensor& p) {
    using Key = typename Map::key_type;
    if constexpr (std::is_same_v<Key, std::string>) {
        std::ostringstream s;
        s << p.unsafeGetTensorImpl();
        return s.str();
    } else {
        return static_cast<Key>(p.unsafeGetTensorImpl());
    }
}
} // namespace

bool fusedAdamWBuilt() {
    return MOESCOPE_HAS_FUSED_ADAMW;
}

void fusedAdamWStep(torch::optim::AdamW& opt) {
    if (!fusedAdamWBuilt())
        throw std::logic_error("fused AdamW: not in this build (LibTorch >= 2.4 and MOESCOPE_FUSED_ADAMW)");
    torch::NoGradGuard noGrad;
    auto& state = opt.state();
    for (auto& group : opt.param_groups()) {
        const auto& o = static_cast<const torch::optim::AdamWOptions&>(group.options());
        if (o.amsgrad()) throw std::logic_error("fused AdamW: amsgrad is not supported here");
        std::vector<torch::Tensor> params, grads, firstMoments, secondMoments;
        std::vector<float> steps;
        for (auto& p : group.params()) {
            if (!p.grad().defined()) continue;
            auto& slot = state[stateKey(state, p)];
            if (!slot) { // first step: the state torch::optim::AdamW would create
                auto fresh = std::make_unique<torch::optim::AdamWParamState>();
                fresh->step(0);
                fresh->exp_avg(torch::zeros_like(p, at::MemoryFormat::Preserve));
                fresh->exp_avg_sq(torch::zeros_like(p, at::MemoryFormat::Preserve));
                slot = std::move(fresh);
            }
            auto& s = static_cast<torch::optim::AdamWParamState&>(*slot);
            s.step(s.step() + 1);
            params.push_back(p);
            grads.push_back(p.grad());
            firstMoments.push_back(s.exp_avg());
            secondMoments.push_back(s.exp_avg_sq());
            steps.push_back(static_cast<float>(s.step()));
        }
        if (params.empty()) continue;
#if MOESCOPE_HAS_FUSED_ADAMW
        // The kernel reads each parameter's step from a tensor on the device: one copy for the group.
        const auto stepTensor = torch::tensor(steps).to(params.front().device());
        const std::vector<torch::Tensor> stepList = stepTensor.unbind();
        at::_fused_adamw_(params, grads, firstMoments, secondMoments, {}, stepList, o.lr(),
                          std::get<0>(o.betas()), std::get<1>(o.betas()), o.weight_decay(), o.eps(),
                          o.amsgrad(), /*maximize=*/false);
#endif
    }
}

} // namespace moescope::trainer
