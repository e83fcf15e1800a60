#include "ui/WindowPictures.h"

#include "ui/AnalysisRunner.h"
#include "ui/MainWindow.h"

#include <QCoreApplication>
#include <QDir>
#include <QPixmap>
#include <QTabWidget>

#include <memory>

namespace moescope {

namespace {
// Calls `then` once, when the runner is idle with a complete analysis shown and the chart tabs refreshed.
void whenComplete(MainWindow& window, std::function<void()> then) {
    auto fired = std::make_shared<bool>(false);
    auto check = [&window, fired, then] {
        const auto latest = window.runner()->latest();
        if (*fired || window.runner()->busy() || !latest || latest->partial) return;
        *fired = true;
        then();
    };
    QObject::connect(&window, &MainWindow::chartTabsUpdated, &window, check, Qt::QueuedConnection);
    QObject::connect(window.runner(), &AnalysisRunner::busyChanged, &window, check, Qt::QueuedConnection);
}

QPixmap pictureOf(MainWindow& window) {
    // Layout and paint settle over a few event-loop turns (the chart tabs refresh queued).
    for (int i = 0; i < 5; ++i)
        QCoreApplication::processEvents();
    return window.grab();
}
} // namespace

void saveTabPicturesWhenReady(MainWindow& window, const QString& dir,
                              std::function<void(const QString& error)> done) {
    whenComplete(window, [&window, dir, done] {
        QStringList failed;
        if (!QDir().mkpath(dir)) failed << dir;
        const QString size = QString("%1x%2").arg(window.width()).arg(window.height());
        for (int tab = 0; tab < window.tabs()->count() && failed.isEmpty(); ++tab) {
            window.tabs()->setCurrentIndex(tab);
            const QString path =
                QDir(dir).filePath(window.tabs()->tabText(tab).toLower().remove('&') + "-" + size + ".png");
            if (!pictureOf(window).save(path)) failed << path;
        }
        done(failed.isEmpty() ? QString() : QObject::tr("cannot write %1").arg(failed.join(", ")));
    });
}

void saveWindowPictureWhenReady(MainWindow& window, const QString& path,
                                std::function<void(const QString& error)> done) {
    whenComplete(window, [&window, path, done] {
        done(pictureOf(window).save(path) ? QString() : QObject::tr("cannot write %1").arg(path));
    });
}

} // namespace moescope
