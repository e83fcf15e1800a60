// moescope: the explorer window.
#include "ui/MainWindow.h"
#include "ui/VtkWidget.h"
#include "ui/WindowPictures.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>

#include <QTabWidget>
#include <cstdio>

int main(int argc, char** argv) {
    moescope::VtkWidget::prepareOpenGl(); // before QApplication, as VTK's context needs it
    QApplication app(argc, argv);
    QApplication::setApplicationName("MoEScope");
    QApplication::setOrganizationName("MoEScope");
    // The icon from resources/moescope.qrc; the desktop file name ties the window to its .desktop entry.
    QApplication::setWindowIcon(QIcon(":/moescope/moescope.svg"));
    QGuiApplication::setDesktopFileName("org.moescope.MoEScope");
    QCommandLineParser parser;
    parser.setApplicationDescription("Scaling-law explorer for Mixture-of-Experts pretraining");
    parser.addHelpOption();
    parser.addPositionalArgument("file", "A sweep CSV or a .moescope workspace to open");
    QCommandLineOption screenshot("screenshot",
                                  "Save a picture of the window once the fits are in, then quit.", "png");
    QCommandLineOption pictures(
        "screenshots",
        "Save a picture of the window per tab (DIR/<tab>-<W>x<H>.png) once the fits are "
        "in, then quit.",
        "dir");
    QCommandLineOption size("size", "Window size for the pictures, e.g. 1600x1000.", "WxH");
    QCommandLineOption tab("tab", "Tab to show first: surface, slices, budgets, law, allocation, validate.",
                           "name");
    for (const auto& o : {screenshot, pictures, size, tab})
        parser.addOption(o);
    parser.process(app);
    int width = 0, height = 0;
    if (parser.isSet(size) &&
        std::sscanf(parser.value(size).toUtf8().constData(), "%dx%d", &width, &height) != 2) {
        std::fprintf(stderr, "option --size: expected WIDTHxHEIGHT, got '%s'\n",
                     qPrintable(parser.value(size)));
        return 2;
    }

    moescope::MainWindow window;
    if (width > 0 && height > 0) window.resize(width, height);
    if (parser.isSet(tab))
        for (int i = 0; i < window.tabs()->count(); ++i)
            if (window.tabs()->tabText(i).compare(parser.value(tab), Qt::CaseInsensitive) == 0)
                window.tabs()->setCurrentIndex(i);
    window.show();
    const bool batch = parser.isSet(screenshot) || parser.isSet(pictures);
    const auto quit = [](const QString& error) {
        if (!error.isEmpty()) std::fprintf(stderr, "moescope: %s\n", qPrintable(error));
        QApplication::exit(error.isEmpty() ? 0 : 1);
    };
    if (parser.isSet(screenshot))
        moescope::saveWindowPictureWhenReady(window, parser.value(screenshot), quit);
    if (parser.isSet(pictures)) moescope::saveTabPicturesWhenReady(window, parser.value(pictures), quit);
    if (!parser.positionalArguments().isEmpty() && !window.openPath(parser.positionalArguments().first()) &&
        batch)
        return 2;
    return app.exec();
}
