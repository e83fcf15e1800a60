#include "core/io/PageAdvice.h"

#include <algorithm>
#include <cstdint>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace moescope {

void adviseHugePages(void* data, size_t bytes) {
#if defined(MADV_HUGEPAGE)
    // madvise takes whole pages: advise the huge pages lying entirely inside the block.
    constexpr uintptr_t kHuge = uintptr_t(2) << 20;
    const uintptr_t begin = (reinterpret_cast<uintptr_t>(data) + kHuge - 1) & ~(kHuge - 1);
    const uintptr_t end = (reinterpret_cast<uintptr_t>(data) + bytes) & ~(kHuge - 1);
    if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
    (void)data, (void)bytes;
#endif
}

PagePrefaulter::PagePrefaulter(void* data, size_t bytes) {
#if defined(MADV_POPULATE_WRITE)
    if (bytes < (size_t(16) << 20) || std::thread::hardware_concurrency() < 2) return;
    constexpr uintptr_t kPage = 4096;
    const uintptr_t begin = (reinterpret_cast<uintptr_t>(data) + kPage - 1) & ~(kPage - 1);
    const uintptr_t end = (reinterpret_cast<uintptr_t>(data) + bytes) & ~(kPage - 1);
    started_ = true;
    thread_ = std::thread([this, begin, end] {
        const uintptr_t chunk = uintptr_t(8) << 20;
        // Chunk by chunk, so that the owner's destructor need not wait for the rest of a large block.
        for (uintptr_t p = begin; p < end && !stop_.load(std::memory_order_relaxed); p += chunk)
            if (madvise(reinterpret_cast<void*>(p), std::min(chunk, end - p), MADV_POPULATE_WRITE) != 0)
                return; // an older kernel: the owner's first touches fault the pages instead
    });
#else
    (void)data, (void)bytes;
#endif
}

void PagePrefaulter::finish() {
    if (thread_.joinable()) thread_.join();
}

PagePrefaulter::~PagePrefaulter() {
    stop_ = true;
    finish();
}

} // namespace moescope
