// moescope: the explorer window.
#include "ui/MainWindow.h"
#include "ui/VtkWidget.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTabWidget>
#include <QTimer>

int main(int argc, char** argv) {
    moescope::VtkWidget::setDefaultSurfaceFormat(); // before QApplication, as VTK's context needs it
    QApplication app(argc, argv);
    QApplication::setApplicationName("MoEScope");
    QApplication::setOrganizationName("MoEScope");
    QCommandLineParser parser;
    parser.setApplicationDescription("Scaling-law explorer for Mixture-of-Experts pretraining");
    parser.addHelpOption();
    parser.addPositionalArgument("file", "A sweep CSV or a .moescope workspace to open");
    QCommandLineOption screenshot("screenshot",
                                  "Save a picture of the window once the fits are in, then quit.", "png");
    QCommandLineOption tab("tab", "Tab to show first: surface, slices, budgets, law, allocation.", "name");
    parser.addOption(screenshot);
    parser.addOption(tab);
    parser.process(app);

    moescope::MainWindow window;
    if (parser.isSet(tab))
        for (int i = 0; i < window.tabs()->count(); ++i)
            if (window.tabs()->tabText(i).compare(parser.value(tab), Qt::CaseInsensitive) == 0)
                window.tabs()->setCurrentIndex(i);
    window.show();
    if (!parser.positionalArguments().isEmpty() && !window.openPath(parser.positionalArguments().first()) &&
        parser.isSet(screenshot))
        return 2;
    if (parser.isSet(screenshot)) {
        QObject::connect(&window, &moescope::MainWindow::viewsUpdated, &window, [&] {
            QTimer::singleShot(500, &window, [&] {
                const bool ok = window.grab().save(parser.value(screenshot));
                QApplication::exit(ok ? 0 : 1);
            });
        });
    }
    return app.exec();
}
