#pragma once
// A LibTorch archive (torch::save, a trainer checkpoint) checked before LibTorch reads it. LibTorch sizes a
// tensor's storage by the number its pickle records and fills it from the zip record of that name: a file
// whose record is shorter than its pickle says loads, and copying the tensor then reads past the buffer
// (heap corruption, "free(): invalid size"). A checkpoint is a file a user may be handed, so its zip
// directory and pickles are read here, bounded, without LibTorch: every storage a pickle names must be a
// stored (uncompressed) record inside the file, at least as long as its element count needs.
#include <string>

namespace moescope {

struct TorchArchiveLimits {
    size_t maxEntries = 1 << 20;       // zip records
    size_t maxPickleBytes = 256 << 20; // one .pkl record
    size_t maxStackDepth = 1 << 20;    // values on the pickle machine's stack
};

// True when the archive at `path` is whole; false with `error` naming the file and what is wrong.
bool checkTorchArchive(const std::string& path, std::string& error, const TorchArchiveLimits& limits = {});
// The same for an archive held in memory (the fuzz test's entry point); `name` is used in messages.
bool checkTorchArchiveBytes(const std::string& bytes, const std::string& name, std::string& error,
                            const TorchArchiveLimits& limits = {});

} // namespace moescope
