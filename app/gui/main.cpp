// moescope: the explorer window.
#include "MainWindow.h"

#include <QApplication>
#include <QCommandLineParser>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName("MoEScope");
    QApplication::setOrganizationName("MoEScope");
    QCommandLineParser parser;
    parser.setApplicationDescription("Scaling-law explorer for Mixture-of-Experts pretraining");
    parser.addHelpOption();
    parser.addPositionalArgument("file", "A sweep CSV or a .moescope workspace to open");
    parser.process(app);

    moescope::MainWindow window;
    window.show();
    if (!parser.positionalArguments().isEmpty()) window.openPath(parser.positionalArguments().first());
    return app.exec();
}
