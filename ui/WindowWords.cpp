#include "ui/WindowWords.h"

#include <QObject>
#include <QRegularExpression>

#include <utility>
#include <vector>

namespace moescope {

namespace {
// The options by the control or setting that holds them, as patterns compiled once: the answer panel
// passes every line it shows through here on each budget change.
struct OptionWords {
    QRegularExpression asOption, bare;
    QString window;
};
const std::vector<OptionWords>& optionWords() {
    static const std::vector<OptionWords> words = [] {
        const std::pair<const char*, QString> options[] = {
            {"--group", QObject::tr("Run group")},
            {"--law", QObject::tr("Law")},
            {"--bootstrap", QObject::tr("Bootstrap")},
            {"--starts", QObject::tr("Starts")},
            {"--budgets", QObject::tr("budgets")},
            {"--budget", QObject::tr("budget")},
            {"--max-params", QObject::tr("the cap on N")},
            {"--where", QObject::tr("the run filter")},
            {"--train", QObject::tr("the training runs")},
            {"--holdout", QObject::tr("the held-out runs")},
            {"--loss-floor", QObject::tr("the loss floor")},
            {"--lr-ladder", QObject::tr("learning-rate ladder")},
        };
        std::vector<OptionWords> out;
        for (const auto& [cli, window] : options) {
            const QString flag = QRegularExpression::escape(QString::fromUtf8(cli));
            out.push_back({QRegularExpression("option " + flag + "\\b"),
                           QRegularExpression(flag + "(?![a-z-])"), window});
        }
        return out;
    }();
    return words;
}
} // namespace

QString windowWords(const std::string& coreText) {
    QString text = QString::fromStdString(coreText);
    if (!text.contains(QLatin1String("--"))) return text; // every phrase and option below has one
    // Whole phrases first: what the command line tells a user to do, as the window does it.
    const std::pair<const char*, QString> phrases[] = {
        {"choose one with --group", QObject::tr("choose one in the Fit dock's Run group box")},
        {"choose one with --where", QObject::tr("exclude the other levels' rows in the Runs dock")},
        {"fix it with --loss-floor E",
         QObject::tr("more budgets, or a floor E known from elsewhere, would fix it")},
        {"chosen with --law", QObject::tr("chosen in the Fit dock's Law box")},
        {"the fit's bootstrap (--bootstrap > 1)", QObject::tr("a Bootstrap above 1 in the Fit dock")},
        {"fit li to runs and plan with `optimum FILE --law li`",
         QObject::tr("choose the li law in the Fit dock")},
    };
    for (const auto& [cli, window] : phrases)
        text.replace(QString::fromUtf8(cli), window);
    // Then the options themselves.
    for (const OptionWords& o : optionWords()) {
        text.replace(o.asOption, o.window);
        text.replace(o.bare, o.window);
    }
    // Any flag left: its words, without the dashes.
    static const QRegularExpression flag("(?:option )?--([a-z][a-z-]*)");
    for (auto m = flag.match(text); m.hasMatch(); m = flag.match(text))
        text.replace(m.capturedStart(), m.capturedLength(), m.captured(1).replace('-', ' '));
    return text;
}

} // namespace moescope
