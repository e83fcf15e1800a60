#pragma once
// Large tables touch a page per few runs as they fill. Small (4 KiB) pages make that a page fault per
// 4 KiB, which on a virtual machine costs more than parsing the rows that fill it; transparent huge
// pages make it one per 2 MiB. Advice only: where the kernel refuses, nothing changes but the speed.
#include <atomic>
#include <cstddef>
#include <thread>

namespace moescope {

void adviseHugePages(void* data, size_t bytes);

// Faults a block's pages in on another core while this one fills the block from the front: the kernel
// zeroes every new page on its first touch, a third of a million-row import's time here. Stops where it
// is when destroyed. Does nothing for blocks under 16 MiB, on one core, or where the kernel cannot
// populate ahead (MADV_POPULATE_WRITE, Linux 5.14).
class PagePrefaulter {
public:
    PagePrefaulter(void* data, size_t bytes);
    ~PagePrefaulter();
    PagePrefaulter(const PagePrefaulter&) = delete;
    // Waits until the whole block is in (or the kernel refused); the destructor instead stops it early.
    void finish();
    // Whether a thread was started: false below 16 MiB, on one core, or without MADV_POPULATE_WRITE.
    bool started() const { return started_; }
    PagePrefaulter& operator=(const PagePrefaulter&) = delete;

private:
    std::atomic<bool> stop_{false};
    bool started_ = false;
    std::thread thread_;
};

} // namespace moescope
