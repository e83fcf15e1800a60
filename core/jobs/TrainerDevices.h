#pragma once
// The devices a trainer build can train on, as `moescope-train --devices --json` lists them (#31): the
// window's device list. Two builds may answer — the CPU build `make` always has and a CUDA build beside it —
// so each device remembers which trainer listed it, and runs on it are trained by that one.
#include <string>
#include <vector>

namespace moescope {

struct TrainerDevice {
    std::string id;                             // "cpu" or "cuda:N"
    std::string name;                           // "CPU (16 threads)", "NVIDIA H200"
    double memoryBytes = 0, bf16PeakTflops = 0; // 0: not stated
    std::string trainer;                        // the executable that listed it
    bool cuda() const { return id.rfind("cuda:", 0) == 0; }
};

// Parses a --devices --json answer of `trainer` (untrusted: at most 64 devices, ids cpu or cuda:0..1023,
// names of printable text up to 200 characters, non-negative numbers); false with `error` saying what is
// wrong.
bool parseTrainerDevices(const std::string& json, const std::string& trainer,
                         std::vector<TrainerDevice>& devices, std::string& error);

// The devices of several trainers, in order, each id once (the first trainer to list it trains it).
std::vector<TrainerDevice> mergeTrainerDevices(const std::vector<std::vector<TrainerDevice>>& lists);

// The listed device `device` names ("cuda" means cuda:0), or null.
const TrainerDevice* findTrainerDevice(const std::vector<TrainerDevice>& devices, const std::string& device);

// The trainer for runs on `device` ("cuda" means cuda:0; "auto" the first CUDA device when any is listed,
// else cpu); `fallback` when no list names it.
std::string trainerForDevice(const std::vector<TrainerDevice>& devices, const std::string& device,
                             const std::string& fallback);

} // namespace moescope
