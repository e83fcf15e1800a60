#pragma once
// moescope-train's JSON Lines, read back by the trainer tests.
#include "core/io/Json.h"

#include <QString>
#include <QStringList>

#include <string>
#include <vector>

namespace moescope::test {

inline std::vector<Json> events(const QString& out) {
    std::vector<Json> list;
    for (const QString& line : out.split('\n', Qt::SkipEmptyParts)) {
        Json j;
        std::string error;
        if (!Json::parse(line.toStdString(), j, error)) qFatal("not JSON: %s", qPrintable(line));
        list.push_back(j);
    }
    return list;
}

inline std::vector<Json> ofKind(const std::vector<Json>& all, const std::string& kind) {
    std::vector<Json> out;
    for (const Json& j : all)
        if (j["event"].string() == kind) out.push_back(j);
    return out;
}

} // namespace moescope::test
