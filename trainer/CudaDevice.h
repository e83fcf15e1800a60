#pragma once
// What the benchmark needs to know of a CUDA device beyond LibTorch's "cuda:0": its product name (from the
// driver, found at run time, so a CPU-only LibTorch builds and runs this too) and the dense bf16 peak that
// MFU is measured against.
#include <string>

namespace moescope::trainer {

// The driver's name for CUDA device `index` ("NVIDIA H100 80GB HBM3"); empty when no driver answers.
std::string cudaDeviceName(int index);

// Dense (not 2:4 sparse) bf16 tensor-core peak in TFLOP/s for a device name, as its vendor's data sheet
// gives it; 0 when the device is not one we know, so no MFU is claimed against a guessed peak.
double denseBf16PeakTflops(const std::string& deviceName);

// The driver's total memory of CUDA device `index` in bytes; 0 when no driver answers.
double cudaDeviceMemory(int index);

// `moescope-train --devices [--json]`: what this build can train on — cpu, and each cuda:i LibTorch sees
// with its name, memory and bf16 peak — for the window's device list. Returns the exit code.
int printDevices(bool json);

} // namespace moescope::trainer
