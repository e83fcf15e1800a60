#include "ui/WindowWords.h"

#include <QObject>
#include <QRegularExpression>

#include <utility>

namespace moescope {

QString windowWords(const std::string& coreText) {
    QString text = QString::fromStdString(coreText);
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
    // Then the options themselves, by the control or setting that holds them.
    const std::pair<const char*, QString> options[] = {
        {"--group", QObject::tr("Run group")},           {"--law", QObject::tr("Law")},
        {"--bootstrap", QObject::tr("Bootstrap")},       {"--starts", QObject::tr("Starts")},
        {"--budgets", QObject::tr("budgets")},           {"--budget", QObject::tr("budget")},
        {"--max-params", QObject::tr("the cap on N")},   {"--where", QObject::tr("the run filter")},
        {"--train", QObject::tr("the training runs")},   {"--holdout", QObject::tr("the held-out runs")},
        {"--loss-floor", QObject::tr("the loss floor")}, {"--lr-ladder", QObject::tr("learning-rate ladder")},
    };
    for (const auto& [cli, window] : options) {
        const QString flag = QString::fromUtf8(cli);
        text.replace(QRegularExpression("option " + QRegularExpression::escape(flag) + "\\b"), window);
        text.replace(QRegularExpression(QRegularExpression::escape(flag) + "(?![a-z-])"), window);
    }
    // Any flag left: its words, without the dashes.
    static const QRegularExpression flag("(?:option )?--([a-z][a-z-]*)");
    for (auto m = flag.match(text); m.hasMatch(); m = flag.match(text))
        text.replace(m.capturedStart(), m.capturedLength(), m.captured(1).replace('-', ' '));
    return text;
}

} // namespace moescope
