#include "trainer/CudaDevice.h"

#include "core/io/Json.h"

#include <torch/cuda.h>

#include <algorithm>
#include <cstdio>
#include <dlfcn.h>
#include <thread>

namespace moescope::trainer {

namespace {

// Calls `query(lib, device)` with the driver loaded and device `index` opened; false when no driver answers.
// The driver API's entry points are a stable C ABI: no CUDA header is needed to call them, and a machine
// without a driver simply has no libcuda.
template <class Query> bool withDriverDevice(int index, Query query) {
    void* lib = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
    if (!lib) return false;
    using Init = int (*)(unsigned);
    using Get = int (*)(int*, int);
    const auto init = reinterpret_cast<Init>(dlsym(lib, "cuInit"));
    const auto get = reinterpret_cast<Get>(dlsym(lib, "cuDeviceGet"));
    int device = 0;
    const bool ok = init && get && init(0) == 0 && get(&device, index) == 0 && query(lib, device);
    dlclose(lib);
    return ok;
}

} // namespace

std::string cudaDeviceName(int index) {
    std::string result;
    withDriverDevice(index, [&](void* lib, int device) {
        using Name = int (*)(char*, int, int);
        const auto name = reinterpret_cast<Name>(dlsym(lib, "cuDeviceGetName"));
        char buffer[256] = {};
        if (!name || name(buffer, sizeof buffer - 1, device) != 0) return false;
        result = buffer;
        return true;
    });
    return result;
}

double cudaDeviceMemory(int index) {
    size_t bytes = 0;
    withDriverDevice(index, [&](void* lib, int device) {
        using Total = int (*)(size_t*, int);
        const auto total = reinterpret_cast<Total>(dlsym(lib, "cuDeviceTotalMem_v2"));
        return total && total(&bytes, device) == 0;
    });
    return double(bytes);
}

int printDevices(bool json) {
    Json list = Json::array();
    Json cpu = Json::object();
    cpu.set("id", "cpu");
    cpu.set("name",
            "CPU (" + std::to_string(std::max(1u, std::thread::hardware_concurrency())) + " threads)");
    list.push(cpu);
    const int gpus = torch::cuda::is_available() ? int(torch::cuda::device_count()) : 0;
    for (int i = 0; i < gpus; ++i) {
        Json d = Json::object();
        const std::string name = cudaDeviceName(i);
        d.set("id", "cuda:" + std::to_string(i));
        d.set("name", name.empty() ? "CUDA device " + std::to_string(i) : name);
        d.set("memory_bytes", cudaDeviceMemory(i));
        const double peak = denseBf16PeakTflops(name);
        d.set("bf16_peak_tflops", peak > 0 ? Json(peak) : Json());
        list.push(d);
    }
    if (json) {
        Json j = Json::object();
        j.set("devices", list);
        std::printf("%s\n", j.dump().c_str());
        return 0;
    }
    for (const Json& d : list.items()) {
        std::printf("%s: %s", d["id"].string().c_str(), d["name"].string().c_str());
        if (d["memory_bytes"].isNumber()) std::printf(", %.0f GB", d["memory_bytes"].number() / 1e9);
        if (d["bf16_peak_tflops"].isNumber())
            std::printf(", dense bf16 peak %.0f TFLOP/s", d["bf16_peak_tflops"].number());
        std::printf("\n");
    }
    return 0;
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
