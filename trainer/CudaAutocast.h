#pragma once
// CUDA autocast, whose C++ API LibTorch renamed in 2.4 (device-typed calls replaced the *_gpu ones): the
// trainer switches it on around a forward pass, and the MoE layer asks which dtype a matmul computes in.
#include "trainer/TorchVersion.h"

#include <ATen/autocast_mode.h>

#include <optional>

namespace moescope::trainer {

// bf16 (or `dtype`) autocast on CUDA for this object's lifetime; the cast cache is dropped at the end, as
// torch.autocast does on leaving its context.
class CudaAutocast {
public:
    explicit CudaAutocast(at::ScalarType dtype = at::kBFloat16) { enable(true, dtype); }
    ~CudaAutocast() {
        enable(false, at::kBFloat16);
        at::autocast::clear_cache();
    }
    CudaAutocast(const CudaAutocast&) = delete;
    CudaAutocast& operator=(const CudaAutocast&) = delete;

    // The dtype CUDA matmuls compute in right now, when autocast is on.
    static std::optional<at::ScalarType> dtype() {
#if MOESCOPE_TORCH_AT_LEAST(2, 4)
        if (at::autocast::is_autocast_enabled(at::kCUDA)) return at::autocast::get_autocast_dtype(at::kCUDA);
#else
        if (at::autocast::is_enabled()) return at::autocast::get_autocast_gpu_dtype();
#endif
        return std::nullopt;
    }

private:
    static void enable(bool on, at::ScalarType dtype) {
#if MOESCOPE_TORCH_AT_LEAST(2, 4)
        at::autocast::set_autocast_enabled(at::kCUDA, on);
        if (on) at::autocast::set_autocast_dtype(at::kCUDA, dtype);
#else
        at::autocast::set_enabled(on);
        if (on) at::autocast::set_autocast_gpu_dtype(dtype);
#endif
    }
};

} // namespace moescope::trainer
