#pragma once
// The trainer's JSON Lines on stdout (ARCHITECTURE.md §7): one object per line, flushed at once so a reader
// (the window's QProcess, a Slurm log) sees progress as it happens.
#include "core/io/Json.h"

#include <cstdio>
#include <string>

namespace moescope::trainer {

inline void emitEvent(const std::string& event, Json fields) {
    Json line = Json::object();
    line.set("event", event);
    for (const auto& [k, v] : fields.members())
        line.set(k, v);
    std::fputs((line.dump() + "\n").c_str(), stdout);
    std::fflush(stdout);
}

inline void emitError(const std::string& message) {
    Json j = Json::object();
    j.set("message", message);
    emitEvent("error", std::move(j));
}

} // namespace moescope::trainer
