#pragma once
// The trainer's JSON Lines on stdout (ARCHITECTURE.md §7): one object per line, flushed at once so a reader
// (the window's QProcess, a Slurm log) sees progress as it happens.
#include "core/io/Json.h"

#include <cstdio>
#include <string>

namespace moescope::trainer {

// This process's rank in a data-parallel job: every event names it, and only rank 0 reports progress (the
// others speak only of errors), so N ranks write one log.
inline int& eventRank() {
    static int rank = 0;
    return rank;
}

inline void emitEvent(const std::string& event, Json fields) {
    if (eventRank() != 0 && event != "error") return;
    Json line = Json::object();
    line.set("event", event);
    line.set("rank", eventRank());
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
