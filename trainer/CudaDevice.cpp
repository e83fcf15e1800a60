#include "trainer/CudaDevice.h"

#include <dlfcn.h>

namespace moescope::trainer {

std::string cudaDeviceName(int index) {
    // The driver API's three entry points are a stable C ABI: no CUDA header is needed to call them, and a
    // machine without a driver simply has no libcuda.
    void* lib = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
    if (!lib) return {};
    using Init = int (*)(unsigned);
    using Get = int (*)(int*, int);
    using Name = int (*)(char*, int, int);
    const auto init = reinterpret_cast<Init>(dlsym(lib, "cuInit"));
    const auto get = reinterpret_cast<Get>(dlsym(lib, "cuDeviceGet"));
    const auto name = reinterpret_cast<Name>(dlsym(lib, "cuDeviceGetName"));
    std::string result;
    int device = 0;
    char buffer[256] = {};
    if (init && get && name && init(0) == 0 && get(&device, index) == 0 &&
        name(buffer, sizeof buffer - 1, device) == 0)
        result = buffer;
    dlclose(lib);
    return result;
}

double denseBf16PeakTflops(const std::string& n) {
    const auto has = [&n](const char* s) { return n.find(s) != std::string::npos; };
    // Most specific first: "H100 PCIe" and "H100 NVL" also contain "H100".
    if ((has("H100") || has("H800")) && has("PCIe")) return 756;
    if (has("H100 NVL")) return 835;
    if (has("H100") || has("H200") || has("H800")) return 989; // SXM parts, and GH200
    if (has("A100")) return 312;
    if (has("L40S")) return 362;
    if (n == "NVIDIA L4") return 121; // not the L40, whose name also holds "L4"
    return 0;
}

} // namespace moescope::trainer
