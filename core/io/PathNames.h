#pragma once
// Names that become paths — a run group, a sweep or run name, a trainer's --name — come from plans,
// workspaces and command lines a user is handed. One check decides whether such a name may name a folder
// or file, and one proves that a folder about to be written lies under its root.
#include <string>

namespace moescope {

constexpr size_t kMaxPathNameLength = 128;

// False with `error` ("<what> '<name>': <why>") when `name` is empty, longer than kMaxPathNameLength,
// holds '/', '\\' or a control character, is '.' or '..', starts with '-' or '.', or is a file name
// MoEScope writes itself (plan.json, runs.csv, result.json, ...).
bool checkPathName(const std::string& name, const std::string& what, std::string& error);

// True when `path` (existing or not) resolves, through any links, to `root` itself or a place below it;
// false with `error` otherwise. Checked before anything is created there.
bool liesUnder(const std::string& path, const std::string& root, std::string& error);

} // namespace moescope
