#pragma once
// Large tables touch a page per few runs as they fill. Small (4 KiB) pages make that a page fault per
// 4 KiB, which on a virtual machine costs more than parsing the rows that fill it; transparent huge
// pages make it one per 2 MiB. Advice only: where the kernel refuses, nothing changes but the speed.
#include <cstddef>

namespace moescope {

void adviseHugePages(void* data, size_t bytes);

} // namespace moescope
