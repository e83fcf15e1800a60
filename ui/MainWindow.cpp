#include "MainWindow.h"

#include "CsvImporter.h"
#include "Workspace.h"

#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QSortFilterProxyModel>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace moescope {

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent), model_(new RunTableModel(this)), proxy_(new QSortFilterProxyModel(this)),
      view_(new QTableView), filter_(new QLineEdit) {
    setWindowTitle(tr("MoEScope"));
    resize(1400, 900);
    auto* tabs = new QTabWidget;
    auto* placeholder = new QLabel(tr("Open a sweep (File › Open) to explore its isoFLOP surfaces."));
    placeholder->setAlignment(Qt::AlignCenter);
    tabs->addTab(placeholder, tr("Surface"));
    setCentralWidget(tabs);
    buildRunsDock();
    buildMenus();
    statusBar()->showMessage(tr("Ready"));
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open…"), QKeySequence::Open, this, &MainWindow::openDialog);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
}

void MainWindow::buildRunsDock() {
    proxy_->setSourceModel(model_);
    proxy_->setSortRole(Qt::UserRole);
    proxy_->setFilterKeyColumn(-1);
    proxy_->setFilterCaseSensitivity(Qt::CaseInsensitive);
    view_->setModel(proxy_);
    view_->setSortingEnabled(true);
    view_->setSelectionBehavior(QAbstractItemView::SelectRows);
    view_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    filter_->setPlaceholderText(tr("Filter runs…"));
    filter_->setClearButtonEnabled(true);
    connect(filter_, &QLineEdit::textChanged, proxy_, &QSortFilterProxyModel::setFilterFixedString);

    auto* box = new QWidget;
    auto* layout = new QVBoxLayout(box);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(filter_);
    layout->addWidget(view_);
    auto* dock = new QDockWidget(tr("Runs"), this);
    dock->setObjectName("RunsDock");
    dock->setWidget(box);
    addDockWidget(Qt::BottomDockWidgetArea, dock);
}

void MainWindow::openDialog() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open sweep or workspace"), {},
                                                      tr("Sweeps and workspaces (*.csv *.tsv *.txt *.moescope)"));
    if (!path.isEmpty()) openPath(path);
}

bool MainWindow::openPath(const QString& path, QString* error) {
    RunTable table;
    QString problem;
    if (path.endsWith(".moescope")) {
        Workspace ws;
        std::string e;
        if (ws.open(path.toStdString(), e)) table = ws.runs();
        else problem = QString::fromStdString(e);
    } else {
        ImportResult r = importCsvFile(path.toStdString(), {});
        if (r.ok()) {
            table = std::move(r.table);
        } else {
            QStringList lines;
            for (const auto& issue : r.errors) lines << QString::fromStdString(issue.toString());
            problem = lines.join('\n');
        }
    }
    if (!problem.isEmpty()) {
        if (error) *error = problem;
        else QMessageBox::warning(this, tr("Cannot open %1").arg(QFileInfo(path).fileName()), problem);
        return false;
    }
    model_->setRuns(std::move(table));
    setWindowTitle(tr("MoEScope — %1").arg(QFileInfo(path).fileName()));
    statusBar()->showMessage(tr("%n run(s) from %1", nullptr, model_->rowCount()).arg(path));
    return true;
}

} // namespace moescope
