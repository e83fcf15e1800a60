#include "core/io/RunResult.h"

#include "core/io/Json.h"
#include "core/io/TextFile.h"

#include <filesystem>

namespace moescope {

RunResultStatus runResultStatus(const std::string& runDir) {
    const std::string path = (std::filesystem::path(runDir) / "result.json").string();
    if (!std::filesystem::exists(path)) return RunResultStatus::None;
    std::string text, error;
    Json j;
    if (!readWholeFile(path, text, error) || !Json::parse(text, j, error) || !j.isObject())
        return RunResultStatus::Unreadable;
    if (j["status"].isString() && j["status"].string() == "diverged") return RunResultStatus::Diverged;
    return j["status"].isString() && j["status"].string() != "done" ? RunResultStatus::Unreadable
                                                                    : RunResultStatus::Done;
}

} // namespace moescope
