#pragma once
// Core's messages are written for the command line ("choose one with --group", "fix it with --loss-floor
// E"); the window says the same in its own words, naming its own controls. One translation for every view
// that shows a core message.
#include <QString>

#include <string>

namespace moescope {

QString windowWords(const std::string& coreText);

} // namespace moescope
