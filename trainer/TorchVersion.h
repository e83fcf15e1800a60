#pragma once
// The trainer builds against Debian's LibTorch 1.13 (CPU) and against the LibTorch inside a pip torch 2.x
// (CUDA); the newer APIs it uses are chosen with this test.
#include <torch/version.h>

#define MOESCOPE_TORCH_AT_LEAST(major, minor)                                                                \
    (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))
