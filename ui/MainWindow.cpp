#include "ui/MainWindow.h"

#include "core/fit/Extrapolation.h"
#include "core/fit/OptimaFrontier.h"
#include "core/fit/RunSuggester.h"
#include "core/io/Json.h"
#include "core/io/RunImporter.h"
#include "core/jobs/SweepJobs.h"
#include "core/model/NumberParser.h"
#include "core/model/RunSelection.h"
#include "core/store/FitRecording.h"
#include "core/store/Workspace.h"
#include "ui/AllocationChart.h"
#include "ui/BudgetCharts.h"
#include "ui/FitDock.h"
#include "ui/ImportWizard.h"
#include "ui/LawChart.h"
#include "ui/LearningRateChart.h"
#include "ui/LossCurvesView.h"
#include "ui/RunFilterProxy.h"
#include "ui/SliceCharts.h"
#include "ui/SurfaceView.h"
#include "ui/SweepPlanDialog.h"
#include "ui/TrainerPanel.h"
#include "ui/ValidateView.h"
#include "ui/ViewExporter.h"
#include "ui/WheelGuard.h"
#include "ui/WindowWords.h"
#include "ui/WorkspaceController.h"

#include <QComboBox>
#include <QCoreApplication>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QScreen>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QToolBar>
#include <QUndoGroup>
#include <QVBoxLayout>

#include <cmath>
#include <set>

namespace moescope {

namespace {
// A file read as a table of optima: sizes may be missing (ImportOptions::optimaTable).
ImportResult importAsOptima(const QString& path) {
    ImportOptions o;
    o.optimaTable = true;
    return importRunsFile(path.toStdString(), o);
}

// A dock's contents in a scroll area: a long answer or log scrolls instead of making the window taller
// than the screen.
QScrollArea* scrollable(QWidget* content) {
    auto* area = new QScrollArea;
    area->setWidget(content);
    area->setWidgetResizable(true);
    area->setFrameShape(QFrame::NoFrame);
    // Always there, so the content's width never changes: a scroll bar that came and went re-wrapped the
    // answer and moved every control under the pointer.
    area->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOn);
    return area;
}
} // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent), proxy_(new RunFilterProxy(this)), filterError_(new QLabel), view_(new QTableView),
      filter_(new QLineEdit), keepMode_(new QComboBox), keepColumns_(new QLineEdit),
      runner_(new AnalysisRunner(this)), tabs_(new QTabWidget), surface_(new SurfaceView),
      curves_(new LossCurvesView), surfaceStack_(new QStackedWidget), slices_(new SliceCharts),
      budgets_(new BudgetCharts), law_(new LawChart), learningRate_(new LearningRateChart),
      allocation_(new AllocationChart), validate_(new ValidateView), fitDock_(new FitDock),
      trainer_(new TrainerPanel), undo_(new QUndoGroup(this)), budgetBox_(new QComboBox), badge_(new QLabel),
      busy_(new QProgressBar) {
    setWindowTitle(tr("MoEScope"));
    // Within the screen's free area, frame included, whatever its size (1366×768 and up).
    if (const QScreen* screen = QGuiApplication::primaryScreen()) {
        const QRect free = screen->availableGeometry();
        resize(std::min(1500, free.width() - 40), std::min(950, free.height() - 80));
    } else {
        resize(1366 - 40, 768 - 80);
    }
    setAcceptDrops(true); // drop a CSV to import it, a .moescope to open it
    // One sparsity level: the surface is a curve per budget (LossCurvesView), not a surface over S.
    surfaceStack_->addWidget(surface_);
    surfaceStack_->addWidget(curves_);
    tabs_->addTab(surfaceStack_, tr("Surface"));
    tabs_->addTab(slices_, tr("Slices"));
    tabs_->addTab(budgets_, tr("Budgets"));
    // The Law tab: the loss law's fit and the learning-rate law, each at the tab's full size (split, the
    // loss law's axis titles no longer fit a laptop's window).
    auto* lawTabs = new QTabWidget;
    lawTabs->setObjectName("law_tabs");
    lawTabs->setTabPosition(QTabWidget::South);
    lawTabs->setDocumentMode(true);
    lawTabs->addTab(law_, tr("loss law"));
    lawTabs->addTab(learningRate_, tr("learning rate η*(N_a, D)"));
    tabs_->addTab(lawTabs, tr("Law"));
    tabs_->addTab(allocation_, tr("Allocation"));
    tabs_->addTab(validate_, tr("Validate"));
    setCentralWidget(tabs_);
    buildRunsDock();
    auto* fit = new QDockWidget(tr("Fit"), this);
    fit->setObjectName("FitDock");
    fit->setWidget(scrollable(fitDock_));
    addDockWidget(Qt::RightDockWidgetArea, fit);
    auto* trainerDock = new QDockWidget(tr("Trainer"), this);
    trainerDock->setObjectName("TrainerDock");
    trainerDock->setWidget(scrollable(trainer_));
    addDockWidget(Qt::RightDockWidgetArea, trainerDock);
    tabifyDockWidget(fit, trainerDock);
    fit->raise();
    connect(trainer_, &TrainerPanel::runLanded, this, &MainWindow::addRuns);
    connect(trainer_, &TrainerPanel::runFailed, this,
            [this](const QString& m) { statusBar()->showMessage(m, 10000); });
    buildMenus();

    auto* bar = addToolBar(tr("Budget"));
    bar->setObjectName("BudgetBar");
    bar->addWidget(new QLabel(tr(" Budget C: ")));
    budgetBox_->setMinimumContentsLength(26);
    // Any budget may be typed (3e21); the list offers the swept ones.
    budgetBox_->setEditable(true);
    budgetBox_->setInsertPolicy(QComboBox::NoInsert);
    budgetBox_->lineEdit()->setPlaceholderText(tr("e.g. 3e21"));
    budgetBox_->setToolTip(
        tr("A swept budget, or type any budget (3e21) to see the optimum predicted there"));
    bar->addWidget(budgetBox_);
    connect(budgetBox_, &QComboBox::activated, this, [this](int i) {
        if (i >= 0) setBudget(budgetBox_->itemData(i).toDouble());
    });
    connect(budgetBox_->lineEdit(), &QLineEdit::returnPressed, this,
            [this] { setBudgetText(budgetBox_->lineEdit()->text()); });
    badge_->setObjectName("ExtrapolatedBadge");
    badge_->setStyleSheet("QLabel { background: #b35900; color: white; font-weight: bold; padding: 2px 8px; "
                          "border-radius: 4px; }");
    // Beside the view tabs, where whoever reads a view sees it.
    tabs_->setCornerWidget(badge_, Qt::TopRightCorner);
    badge_->hide();
    busy_->setRange(0, 0); // indeterminate: "fitting…"
    busy_->setMaximumWidth(160);
    busy_->setFormat(tr("fitting"));
    busy_->hide();
    statusBar()->addPermanentWidget(busy_);
    // What opening a file refused or could not read stays in sight until the next file: a transient
    // message would be replaced by the fit's own within a second.
    fileNotice_ = new QLabel(this);
    fileNotice_->setObjectName("fileNotice");
    fileNotice_->setStyleSheet("color: #a15c00;");
    fileNotice_->hide();
    statusBar()->addPermanentWidget(fileNotice_);
    connect(runner_, &AnalysisRunner::busyChanged, busy_, &QWidget::setVisible);
    connect(runner_, &AnalysisRunner::finished, this, &MainWindow::showSnapshot);
    connect(fitDock_, &FitDock::refitRequested, this, &MainWindow::requestAnalysis);
    connect(fitDock_, &FitDock::suggestRequested, this, &MainWindow::suggestDialog);
    connect(tabs_, &QTabWidget::currentChanged, this, [this](int tab) { doc_->setTab(tab); });
    connect(surface_, &SurfaceView::runPicked, this, &MainWindow::selectRunInTable);
    connect(law_, &LawChart::runPicked, this, &MainWindow::selectRunInTable);
    connect(slices_, &SliceCharts::runPicked, this, &MainWindow::selectRunInTable);
    adopt(std::make_unique<FileDocument>());
    statusBar()->showMessage(tr("Open a sweep (File › Open) to explore its isoFLOP surfaces."));
    guardWheel(this); // scrolling a dock never turns its settings
}

void MainWindow::adopt(std::unique_ptr<FileDocument> doc) {
    // The views follow the new file's runs before the old ones go; Edit › Undo acts on the new file's edits.
    proxy_->setRunModel(doc->runs());
    undo_->addStack(doc->undoStack());
    undo_->setActiveStack(doc->undoStack());
    RunTableModel* runs = doc->runs();
    WorkspaceController* file = doc->workspace();
    // Table edits go through the file's undo stack (queued: the model is not reset inside its own setData).
    connect(runs, &RunTableModel::exclusionRequested, file, &WorkspaceController::setExcluded,
            Qt::QueuedConnection);
    connect(runs, &RunTableModel::valueEditRequested, file, &WorkspaceController::setValue,
            Qt::QueuedConnection);
    connect(runs, &RunTableModel::editRefused, this,
            [this](const QString& m) { warn(tr("Value not accepted"), m); });
    connect(file, &WorkspaceController::runsChanged, this, &MainWindow::requestAnalysis);
    connect(file, &WorkspaceController::failed, this, [this](const QString& m) { warn(tr("Workspace"), m); });
    connect(file, &WorkspaceController::saved, this, [this] {
        doc_->writeView();
        // A fit shown before the runs had a file is recorded in the file they are saved to.
        if (doc_->workspace()->workspace().fits().empty() && doc_->snapshot() && !doc_->snapshot()->partial)
            recordFit();
    });
    doc_ = std::move(doc);
    // The controls show what this file was left with, or the defaults: nothing of the last file (a law
    // chosen for Clark's routing runs gave Marin "0 usable runs"), and a filter typed for it says nothing
    // about this one.
    fitDock_->loadPlan(doc_->basePlan());
    showKeep(doc_->view().keepMode, doc_->view().keepColumns);
    filter_->clear();
    if (const int tab = doc_->view().tab; tab >= 0 && tab < tabs_->count()) tabs_->setCurrentIndex(tab);
    requestAnalysis();
}

void MainWindow::warn(const QString& title, const QString& message) {
    // Not modal: a refused edit must not stop the event loop (and the fits landing behind it).
    statusBar()->showMessage(message, 15000);
    auto* box = new QMessageBox(QMessageBox::Warning, title, message, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&New"), QKeySequence::New, this, [this] {
        adopt(std::make_unique<FileDocument>()); // an empty file starts with the defaults
        setWindowTitle(tr("MoEScope"));
    });
    file->addAction(tr("&Open…"), QKeySequence::Open, this, &MainWindow::openDialog);
    file->addAction(tr("Open &Table of Optima…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Open a table of optima (one row per budget)"), {}, tr("Tables (*.csv *.tsv *.txt)"));
        if (!path.isEmpty()) openOptimaTable(path);
    });
    recent_ = file->addMenu(tr("Open &Recent"));
    rebuildRecentMenu();
    QMenu* examples = file->addMenu(tr("Open E&xample"));
    for (const auto& [title, path] : exampleDatasets())
        examples->addAction(title, this, [this, path = path] { openPath(path); });
    examples->setEnabled(!examples->isEmpty());
    file->addAction(tr("&Import sweep…"), QKeySequence(tr("Ctrl+I")), this, &MainWindow::importDialog);
    file->addAction(tr("Save &As…"), QKeySequence::SaveAs, this, &MainWindow::saveAsDialog);
    file->addSeparator();
    file->addAction(tr("&Export view…"), QKeySequence(tr("Ctrl+E")), this, &MainWindow::exportDialog);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
    // A closed dock comes back from here.
    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->setObjectName("ViewMenu");
    for (auto* dock : findChildren<QDockWidget*>())
        view->addAction(dock->toggleViewAction());
    QMenu* trainerMenu = menuBar()->addMenu(tr("&Trainer"));
    trainerMenu->addAction(tr("&Plan sweep…"), this, &MainWindow::planSweepDialog);
    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    QAction* undo = undo_->createUndoAction(this, tr("&Undo"));
    undo->setShortcut(QKeySequence::Undo);
    QAction* redo = undo_->createRedoAction(this, tr("&Redo"));
    redo->setShortcut(QKeySequence::Redo);
    edit->addAction(undo);
    edit->addAction(redo);
    edit->addSeparator();
    edit->addAction(tr("&Delete run"), QKeySequence::Delete, this, [this] {
        const QModelIndex current = view_->selectionModel()->currentIndex();
        if (!current.isValid()) return;
        const int row = proxy_->mapToSource(current).row();
        const int line = doc_->runs()->runs().runs[row].sourceLine;
        doc_->workspace()->deleteRun(row);
        statusBar()->showMessage(
            tr("Deleted run %1 (line %2) — Edit › Undo brings it back").arg(row + 1).arg(line), 15000);
    });
}

void MainWindow::queueWorkspaceSweeps() {
    // Runs `plan-sweep --queue` left in the workspace, by sweep; the dock skips those already trained.
    std::map<std::string, Json> bySweep;
    for (const JobRecord& job : doc_->workspace()->workspace().jobs()) {
        if (job.status != "queued") continue;
        Json run;
        std::string error;
        if (!Json::parse(job.configJson, run, error) || !run.isObject()) {
            noteAboutFile(tr("queued job %1: not a run (%2)").arg(job.id).arg(QString::fromStdString(error)));
            continue;
        }
        const std::string sweep = run["sweep"].isString() ? run["sweep"].string() : "queued";
        bySweep.try_emplace(sweep, Json::array()).first->second.push(run);
    }
    for (const auto& [sweep, runs] : bySweep) {
        std::vector<SweepJob> jobs;
        std::string error;
        const std::string where = doc_->workspace()->path().toStdString() + " (queued sweep " + sweep + ")";
        if (!sweepJobsFromJson(runs, where, jobs, error)) {
            noteAboutFile(QString::fromStdString(error));
            continue;
        }
        QString refused;
        if (!trainer_->enqueueSweep(jobs, QString::fromStdString(sweep), &refused)) noteAboutFile(refused);
    }
}

SweepPlanDialog* MainWindow::planSweepDialog() {
    auto* dialog = new SweepPlanDialog(doc_->snapshot(), doc_->runs()->runs(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(
        dialog, &SweepPlanDialog::queueRequested, this, [this](const SweepPlan& plan, const QString& name) {
            // Through the plan's JSON, so the dock trains exactly what `plan-sweep --out` would write.
            std::vector<SweepJob> jobs;
            std::string error;
            if (!sweepJobsFromJson(sweepPlanJson(plan)["runs"], "the plan", jobs, error))
                return statusBar()->showMessage(QString::fromStdString(error));
            QString refused;
            if (!trainer_->enqueueSweep(jobs, name, &refused)) return statusBar()->showMessage(refused);
            if (auto* dock = findChild<QDockWidget*>("TrainerDock")) dock->show(), dock->raise();
            statusBar()->showMessage(
                tr("Queued sweep '%1': %2 runs — Start in the Trainer dock").arg(name).arg(plan.runs.size()));
        });
    dialog->show();
    return dialog;
}

std::vector<std::pair<QString, QString>> MainWindow::exampleDatasets() {
    // The sweeps shipped in datasets/, each titled by the first heading of its card (NAME.md).
    // Installed, they lie in share/moescope/datasets beside bin/; in a build, in the source tree.
    const QString installed = QCoreApplication::applicationDirPath() + "/../share/moescope/datasets";
    const QString dir = qEnvironmentVariableIsSet("MOESCOPE_DATASETS")
                            ? qEnvironmentVariable("MOESCOPE_DATASETS")
                        : QDir(installed).exists() ? installed
                                                   : QStringLiteral(MOESCOPE_DATASETS_DIR);
    std::vector<std::pair<QString, QString>> out;
    for (const QFileInfo& csv : QDir(dir).entryInfoList({"*.csv"}, QDir::Files, QDir::Name)) {
        QString title = csv.completeBaseName();
        QFile card(csv.absolutePath() + "/" + csv.completeBaseName() + ".md");
        if (card.open(QIODevice::ReadOnly | QIODevice::Text)) {
            const QString heading = QString::fromUtf8(card.readLine()).trimmed();
            if (heading.startsWith("# ")) title = heading.mid(2);
        }
        out.emplace_back(tr("%1 (%2)").arg(title, csv.fileName()), csv.absoluteFilePath());
    }
    return out;
}

void MainWindow::rememberRecent(const QString& path) {
    QSettings settings;
    QStringList list = settings.value("recent").toStringList();
    list.removeAll(path);
    list.prepend(path);
    while (list.size() > 8)
        list.removeLast();
    settings.setValue("recent", list);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
    recent_->clear();
    for (const QString& p : QSettings().value("recent").toStringList())
        recent_->addAction(p, this, [this, p] { openPath(p); });
    recent_->setEnabled(!recent_->isEmpty());
}

void MainWindow::importDialog() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Import sweep"), {},
                                                      tr("Sweeps (*.csv *.tsv *.txt *.jsonl *.json)"));
    if (!path.isEmpty()) importWithWizard(path);
}

bool MainWindow::importWithWizard(const QString& path) {
    ImportWizard wizard(path, this);
    if (!wizard.isValid()) {
        QMessageBox::warning(this, tr("Cannot import"), wizard.error());
        return false;
    }
    if (wizard.exec() != QDialog::Accepted) return false;
    return importFromWizard(wizard);
}

bool MainWindow::importFromWizard(const ImportWizard& wizard) {
    if (!wizard.canAccept()) return false;
    doc_->workspace()->importRuns(wizard.result().table, wizard.record());
    return true;
}

void MainWindow::dragEnterEvent(QDragEnterEvent* e) {
    if (e->mimeData()->hasUrls()) e->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* e) {
    for (const QUrl& url : e->mimeData()->urls()) {
        const QString path = url.toLocalFile();
        if (path.endsWith(".moescope"))
            openPath(path);
        else if (!path.isEmpty())
            importWithWizard(path);
    }
}

void MainWindow::saveAsDialog() {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save workspace"), "sweep.moescope",
                                                      tr("Workspaces (*.moescope)"));
    if (path.isEmpty()) return;
    QString error;
    if (!doc_->workspace()->saveAs(path, &error))
        return (void)QMessageBox::warning(this, tr("Save failed"), error);
    rememberRecent(path);
    setWindowTitle(tr("MoEScope — %1").arg(QFileInfo(path).fileName()));
}

void MainWindow::buildRunsDock() {
    proxy_->setSortRole(Qt::UserRole);
    view_->setModel(proxy_);
    view_->setSortingEnabled(true);
    view_->setSelectionBehavior(QAbstractItemView::SelectRows);
    view_->setSelectionMode(QAbstractItemView::SingleSelection);
    // Columns fit their contents when a table arrives, then stay put (and movable): ResizeToContents measured
    // a 1,000-run table again on every change, 30 ms a paint.
    view_->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    view_->horizontalHeader()->setResizeContentsPrecision(200);
    connect(proxy_, &QAbstractItemModel::modelReset, view_, &QTableView::resizeColumnsToContents);
    filter_->setPlaceholderText(tr("Filter runs: text, or experts==8 and loss<3"));
    filter_->setClearButtonEnabled(true);
    connect(filter_, &QLineEdit::textChanged, proxy_, &RunFilterProxy::setFilterText);
    filterError_->setStyleSheet("QLabel { color: #b42318; }");
    filterError_->setWordWrap(true);
    filterError_->hide();
    connect(proxy_, &RunFilterProxy::filterErrorChanged, this, [this](const QString& error) {
        filterError_->setText(tr("Filter: %1").arg(error));
        filterError_->setVisible(!error.isEmpty());
    });
    connect(view_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                if (current.isValid()) surface_->selectRun(proxy_->mapToSource(current).row());
            });

    // Hyperparameter and seed sweeps: one run per group, the others kept and excluded with the reason.
    keepMode_->addItem(tr("Keep every row"), "none");
    keepMode_->addItem(tr("Keep the lowest loss per"), "best");
    keepMode_->addItem(tr("Keep the mean loss per"), "mean");
    keepColumns_->setPlaceholderText(tr("columns, e.g. params, experts (the rest, like lr or seed, vary)"));
    auto* keepApply = new QPushButton(tr("Apply"));
    connect(keepApply, &QPushButton::clicked, this, &MainWindow::keepPerGroup);
    connect(keepColumns_, &QLineEdit::returnPressed, this, &MainWindow::keepPerGroup);
    auto* keepRow = new QHBoxLayout;
    keepRow->addWidget(filter_, 2);
    keepRow->addWidget(keepMode_);
    keepRow->addWidget(keepColumns_, 2);
    keepRow->addWidget(keepApply);
    auto* box = new QWidget;
    auto* layout = new QVBoxLayout(box);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addLayout(keepRow);
    layout->addWidget(filterError_);
    layout->addWidget(view_);
    // Room for six rows, so five show whole beside the header and scroll bar: at 1366×768 the central tabs
    // took all but one, and the separator could not move because nothing below it asked for room.
    view_->setMinimumHeight(view_->horizontalHeader()->sizeHint().height() +
                            6 * view_->verticalHeader()->defaultSectionSize() + 2 * view_->frameWidth() +
                            view_->horizontalScrollBar()->sizeHint().height());
    auto* dock = new QDockWidget(tr("Runs"), this);
    dock->setObjectName("RunsDock");
    dock->setWidget(box);
    addDockWidget(Qt::BottomDockWidgetArea, dock);
}

void MainWindow::keepPerGroup() {
    RunSelection selection;
    const QString mode = keepMode_->currentData().toString();
    std::string error;
    if (mode != "none") {
        selection.per = mode == "best" ? RunSelection::Per::Best : RunSelection::Per::Mean;
        if (!parseColumnList(mode == "best" ? "best-per" : "mean-per", keepColumns_->text().toStdString(),
                             selection.groupColumns, error))
            return warn(tr("Keep per group"), QString::fromStdString(error));
    }
    QString problem;
    if (!doc_->workspace()->keepPerGroup(selection, &problem)) return warn(tr("Keep per group"), problem);
    // Kept with the file, so the row reads as the runs were left (it said "Keep every row" on reopening
    // while the not-best rows stayed excluded).
    doc_->setKeep(mode, keepColumns_->text());
}

void MainWindow::showKeep(const QString& mode, const QString& columns) {
    keepMode_->setCurrentIndex(std::max(0, keepMode_->findData(mode)));
    keepColumns_->setText(columns);
}

void MainWindow::selectRunInTable(int sourceRow) {
    const QModelIndex idx = proxy_->mapFromSource(doc_->runs()->index(sourceRow, 0));
    if (idx.isValid()) {
        view_->selectionModel()->setCurrentIndex(idx, QItemSelectionModel::ClearAndSelect |
                                                          QItemSelectionModel::Rows);
        view_->scrollTo(idx);
    }
}

void MainWindow::openDialog() {
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open sweep or workspace"), {}, tr("Sweeps and workspaces (*.csv *.tsv *.txt *.moescope)"));
    if (!path.isEmpty()) openPath(path);
}

QWidget* MainWindow::currentView() const {
    return tabs_->currentWidget();
}

void MainWindow::exportDialog() {
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Export view"));
    auto *width = new QSpinBox, *height = new QSpinBox, *dpi = new QSpinBox;
    width->setRange(100, 8000), height->setRange(100, 8000), dpi->setRange(48, 1200);
    width->setValue(currentView()->width()), height->setValue(currentView()->height()), dpi->setValue(96);
    auto* form = new QFormLayout(&dialog);
    form->addRow(tr("Width (px at 96 DPI)"), width);
    form->addRow(tr("Height"), height);
    form->addRow(tr("DPI"), dpi);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    if (dialog.exec() != QDialog::Accepted) return;
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export view"), tabs_->tabText(tabs_->currentIndex()).toLower() + ".png",
        tr("Pictures (*.png *.svg *.pdf)"));
    if (path.isEmpty()) return;
    QString error;
    QWidget* target = currentView();
    if (!exportView(target, path, QSize(width->value(), height->value()), dpi->value(), &error))
        QMessageBox::warning(this, tr("Export failed"), error);
    else
        statusBar()->showMessage(tr("Exported %1").arg(path), 5000);
}

void MainWindow::noteAboutFile(const QString& note) {
    statusBar()->showMessage(note);
    QStringList notes = fileNotice_->toolTip().isEmpty() ? QStringList{} : fileNotice_->toolTip().split('\n');
    notes << note;
    fileNotice_->setToolTip(notes.join('\n'));
    fileNotice_->setText(notes.size() == 1 ? note.left(120)
                                           : tr("%n problem(s) with this file", nullptr, notes.size()));
    fileNotice_->show();
}

bool MainWindow::openPath(const QString& path, QString* error) {
    QString problem;
    fileNotice_->clear(), fileNotice_->setToolTip({}), fileNotice_->hide();
    if (path.endsWith(".moescope")) {
        // A workspace: its runs, its edits from now on, and the views it was left with.
        QString restored;
        auto doc = FileDocument::openWorkspace(path, &problem, &restored);
        if (!doc) return refuseFile(path, problem, error);
        adopt(std::move(doc));
        queueWorkspaceSweeps();
        rememberRecent(path);
        setWindowTitle(tr("MoEScope — %1").arg(QFileInfo(path).fileName()));
        statusBar()->showMessage(tr("%n run(s) from %1", nullptr, doc_->runs()->rowCount()).arg(path));
        if (!restored.isEmpty()) noteAboutFile(restored);
        return true;
    }
    ImportResult r = importRunsFile(path.toStdString(), {});
    bool optima = false;
    if (!r.ok()) {
        // A table of optima need not state sizes: a file that reads only as one, one row a budget, is one.
        if (ImportResult t = importAsOptima(path); t.ok() && isTableOfOptima(t.table))
            r = std::move(t), optima = true;
    }
    if (!r.ok()) return refuseFile(path, importProblem(r), error);
    showTable(path, std::move(r.table), optima);
    return true;
}

bool MainWindow::openOptimaTable(const QString& path, QString* error) {
    fileNotice_->clear(), fileNotice_->setToolTip({}), fileNotice_->hide();
    ImportResult r = importAsOptima(path);
    if (!r.ok()) return refuseFile(path, importProblem(r), error);
    if (!isTableOfOptima(r.table))
        return refuseFile(path,
                          tr("%1 is not a table of optima: a table has one row with a loss per budget, and "
                             "two budgets or more")
                              .arg(QFileInfo(path).fileName()),
                          error);
    showTable(path, std::move(r.table), true);
    return true;
}

QString MainWindow::importProblem(const ImportResult& r) {
    QStringList lines;
    for (const auto& issue : r.errors)
        lines << QString::fromStdString(issue.toString());
    return lines.join('\n');
}

bool MainWindow::refuseFile(const QString& path, const QString& problem, QString* error) {
    if (error)
        *error = problem;
    else
        QMessageBox::warning(this, tr("Cannot open %1").arg(QFileInfo(path).fileName()), problem);
    return false;
}

void MainWindow::showTable(const QString& path, RunTable table, bool optima) {
    // A new document: the defaults, its own largest budget, no answer or undo step of the last file.
    adopt(FileDocument::fromTable(std::move(table), optima));
    setWindowTitle(tr("MoEScope — %1").arg(QFileInfo(path).fileName()));
    statusBar()->showMessage(tr("%n run(s) from %1", nullptr, doc_->runs()->rowCount()).arg(path));
    if (optima)
        noteAboutFile(tr("%1 is a table of optima (one row per budget): its own frontier answers; it has no "
                         "isoFLOP surface, slices or law to show")
                          .arg(QFileInfo(path).fileName()));
}

std::vector<Suggestion> MainWindow::suggestions(int count) const {
    const BudgetAnalysis* a = doc_->shownBudget();
    if (!a) return {};
    SuggestOptions o;
    o.count = count;
    inheritFamily(doc_->snapshot()->runs, o);
    return suggestRuns(*a, o);
}

int MainWindow::queueSuggestions(int count) {
    const auto picks = suggestions(count);
    for (const Suggestion& s : picks)
        trainer_->enqueueConfig(s.arch, s.heads, budget());
    return static_cast<int>(picks.size());
}

void MainWindow::suggestDialog(int count) {
    std::vector<Suggestion> picks;
    try {
        picks = suggestions(count);
    } catch (const std::exception& e) {
        QMessageBox::information(this, tr("Suggest next runs"), windowWords(e.what()));
        return;
    }
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Suggested runs at C = %1").arg(budget(), 0, 'g', 3));
    auto* table = new QTableWidget(int(picks.size()), 8);
    table->setHorizontalHeaderLabels(
        {"d_model", "layers", "E", "S", "N", "D", tr("predicted loss ± spread"),
         tr("H100-hours at %1 % MFU (assumed)").arg(SuggestOptions{}.gpuMfu * 100, 0, 'f', 0)});
    for (int i = 0; i < int(picks.size()); ++i) {
        const Suggestion& s = picks[i];
        const QStringList cells = {
            QString::number(s.arch.d_model),
            QString::number(s.arch.n_layers),
            QString::number(s.arch.experts),
            QString::number(s.sparsity, 'f', 3),
            QString::number(s.params, 'g', 3),
            QString::number(s.tokens, 'g', 3),
            QString("%1 ± %2").arg(s.predictedLoss, 0, 'f', 4).arg(s.lossStd, 0, 'f', 4),
            QString::number(s.gpuHours, 'f', 1)};
        for (int c = 0; c < cells.size(); ++c)
            table->setItem(i, c, new QTableWidgetItem(cells[c]));
    }
    table->resizeColumnsToContents();
    SuggestOptions family;
    const std::vector<std::string> assumed = inheritFamily(doc_->snapshot()->runs, family);
    auto value = [&](const char* name, const QString& words, double v) {
        const bool guess = std::find(assumed.begin(), assumed.end(), name) != assumed.end();
        return words + " " + QString::number(v) + (guess ? tr(" (assumed: no run states one)") : QString());
    };
    const std::string fewer = fewerSuggestionsWhy(picks.size(), count);
    auto* why = new QLabel(
        tr("Chosen where the bootstrap surfaces disagree most about the loss near their optima, spread "
           "apart: measuring there narrows the optimum's interval most. Each spends the budget "
           "(6·N_a·D = C) and trains what the sweep trained: %1, %2, %3.%4")
            .arg(value("vocab", tr("vocabulary"), family.vocab), value("ctx", tr("context"), family.ctx),
                 value("granularity", tr("granularity"), family.granularity),
                 fewer.empty() ? QString()
                               : " " + tr("Fewer than asked: %1.").arg(QString::fromStdString(fewer))));
    why->setWordWrap(true);
    auto* buttons = new QDialogButtonBox;
    buttons->addButton(tr("Queue them"), QDialogButtonBox::AcceptRole);
    buttons->addButton(QDialogButtonBox::Close);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    auto* layout = new QVBoxLayout(&dialog);
    layout->addWidget(why);
    layout->addWidget(table);
    layout->addWidget(buttons);
    dialog.resize(820, 320);
    if (dialog.exec() == QDialog::Accepted)
        for (const Suggestion& s : picks)
            trainer_->enqueueConfig(s.arch, s.heads, budget());
}

void MainWindow::addRuns(const RunTable& landed) {
    // A trained run lands like any import: one undoable step, written to the workspace when one is open.
    ImportRecord record;
    record.path = "moescope-train";
    doc_->workspace()->importRuns(landed, record);
    statusBar()->showMessage(tr("%n trained run(s) added", nullptr, int(landed.runs.size())), 8000);
}

void MainWindow::requestAnalysis() {
    const RunTable& runs = doc_->runs()->runs();
    std::set<std::string> groups;
    for (const Run& r : runs.runs)
        groups.insert(runGroup(runs, r));
    fitDock_->setGroups({groups.begin(), groups.end()});
    // A trained run can join a group only by its label: the groups the runs name in a group column.
    std::set<std::string> labelled;
    if (const int column = runs.labelIndex("group"); column >= 0)
        for (const Run& r : runs.runs)
            if (size_t(column) < r.labels.size() && !r.labels[size_t(column)].empty())
                labelled.insert(r.labels[size_t(column)]);
    trainer_->setGroups({labelled.begin(), labelled.end()});
    doc_->setLaw(fitDock_->law());
    AnalysisPlan plan = doc_->basePlan();
    fitDock_->editPlan(plan);
    // The budget on screen is refitted first (AnalysisRunner delivers it before the rest).
    runner_->request(runs, std::move(plan), budget());
}

void MainWindow::recordFit() {
    // The workspace keeps every fit it was shown with: the whole plan, coefficients with intervals, metrics.
    FitRecord record;
    WorkspaceController* file = doc_->workspace();
    if (!file->isOpen() || !doc_->snapshot() || !lawFitRecord(*doc_->snapshot(), record)) return;
    std::string error;
    if (!file->workspace().addFit(record, error))
        statusBar()->showMessage(tr("The fit could not be recorded: %1").arg(QString::fromStdString(error)));
}

void MainWindow::showSnapshot(std::shared_ptr<const AnalysisSnapshot> s) {
    doc_->show(std::move(s));
    const AnalysisSnapshot* snapshot = doc_->snapshot().get();
    if (!snapshot->partial) recordFit(); // a partial snapshot's law is the previous fit's
    const QSignalBlocker block(budgetBox_);
    budgetBox_->clear();
    for (const auto& b : snapshot->sweep.budgets)
        budgetBox_->addItem(QString("%1 FLOPs (%2 runs)").arg(b.budget, 0, 'g', 3).arg(b.n), b.budget);
    // A table of optima has budgets but no isoFLOP analysis of them: its rows are the budgets to choose.
    const auto* table = dynamic_cast<const OptimaFrontier*>(snapshot->frontier("optima"));
    if (table)
        for (double c : table->level().budgets)
            budgetBox_->addItem(tr("%1 FLOPs (optimum)").arg(c, 0, 'g', 3), c);
    syncBudgetBox();
    // A partial snapshot carries the previous law, outlier scores, backtest and allocation fit: the views of
    // those keep showing them until the full analysis replaces them.
    if (!snapshot->partial) {
        law_->setAnalysis(doc_->snapshot());
        validate_->setAnalysis(doc_->snapshot());
        std::vector<double> z(doc_->runs()->runs().runs.size(), std::nan(""));
        if (snapshot->runs.runs.size() == z.size())
            for (size_t i = 0; i < snapshot->outlierZ.size(); ++i)
                z[snapshot->lawRuns[i]] = snapshot->outlierZ[i];
        doc_->runs()->setOutlierScores(snapshot->outlierZ.empty() ? std::vector<double>{} : std::move(z));
        allocation_->setAnalysis(doc_->snapshot());
        learningRate_->setAnalysis(doc_->snapshot());
    }
    updateViews();
    if (snapshot->partial) {
        statusBar()->showMessage(
            tr("Refitted C = %1 in %2 ms; the other budgets, intervals and the law follow…")
                .arg(budget(), 0, 'g', 3)
                .arg(snapshot->seconds * 1e3, 0, 'f', 0));
        return;
    }
    if (table) {
        statusBar()->showMessage(
            tr("Fitted the frontier of a table of optima (%1 budgets)").arg(table->level().budgets.size()),
            8000);
        return;
    }
    statusBar()->showMessage(tr("Fitted %1 budget(s) and the %2 law in %3 s")
                                 .arg(snapshot->sweep.budgets.size())
                                 .arg(QString::fromStdString(snapshot->lawId))
                                 .arg(snapshot->seconds, 0, 'f', 2),
                             8000);
}

void MainWindow::setBudget(double c) {
    if (!doc_->choose(c)) return;
    syncBudgetBox();
    updateViews();
}

void MainWindow::syncBudgetBox() {
    const QSignalBlocker block(budgetBox_);
    const int i = budgetBox_->findData(budget());
    budgetBox_->setCurrentIndex(i);
    if (i < 0 && budget() > 0) budgetBox_->setEditText(tr("%1 FLOPs (predicted)").arg(budget(), 0, 'g', 3));
}

bool MainWindow::setBudgetText(const QString& text) {
    QString t = text.trimmed();
    const int cut = t.indexOf(' '); // "1e+20 FLOPs (84 runs)": the number leads
    if (cut > 0) t = t.left(cut);
    double c = 0;
    if (!parseNumber(t.toStdString(), c) || !(c > 0) || !std::isfinite(c)) {
        statusBar()->showMessage(tr("Budget '%1': not a positive number of FLOPs (type e.g. 3e21)").arg(text),
                                 10000);
        return false;
    }
    setBudget(c);
    return true;
}

void MainWindow::updateViews() {
    badge_->hide();
    const BudgetAnalysis* b = doc_->shownBudget();
    std::string problem;
    doc_->answer(&problem);
    if (!problem.empty())
        statusBar()->showMessage(
            tr("No prediction at C = %1: %2").arg(budget(), 0, 'g', 3).arg(windowWords(problem)), 10000);
    if (b && budget() != b->budget) {
        const double decades = std::log10(budget() / doc_->snapshot()->largestBudget());
        badge_->setText(decades > 0 ? tr("extrapolated ×10^%1").arg(decades, 0, 'f', 1)
                                    : tr("between swept budgets"));
        badge_->setToolTip(
            tr("C = %1 was not swept: the Fit dock shows the optimum the %2 frontier predicts "
               "there, and Surface and Slices the %3 law's prediction (the nearest swept budget "
               "is C = %4)")
                .arg(budget(), 0, 'g', 3)
                .arg(QString::fromStdString(doc_->snapshot()->recommended))
                .arg(QString::fromStdString(doc_->snapshot()->lawId))
                .arg(b->budget, 0, 'g', 3));
        badge_->show();
    }
    fitDock_->setPrediction(doc_->lastAnswer());
    // A sweep of one level is its curves; runs with no budget have no surface, and the curves' view says why
    // (the 3D view was left blank).
    const AnalysisSnapshot* snapshot = doc_->snapshot().get();
    const bool noSurface = snapshot && (LossCurvesView::wanted(*snapshot) ||
                                        (snapshot->sweep.budgets.empty() && !snapshot->partial));
    surfaceStack_->setCurrentWidget(noSurface ? static_cast<QWidget*>(curves_) : surface_);
    if (noSurface)
        curves_->setAnalysis(doc_->snapshot(), budget());
    else
        surface_->setAnalysis(doc_->snapshot(), budget());
    fitDock_->setAnalysis(doc_->snapshot(), budget());
    // The chart tabs cost more than a frame on 1,000 runs: the one on screen now, the others right after
    // (queued), so what the user looks at lands first.
    slicesStale_ = tabs_->currentWidget() != slices_;
    budgetsStale_ = tabs_->currentWidget() != budgets_;
    if (!slicesStale_) slices_->setAnalysis(doc_->snapshot(), budget());
    if (!budgetsStale_) budgets_->setAnalysis(doc_->snapshot(), budget());
    emit viewsUpdated();
    if (!staleRefreshQueued_ && (slicesStale_ || budgetsStale_)) {
        staleRefreshQueued_ = true;
        QMetaObject::invokeMethod(
            this,
            [this] {
                staleRefreshQueued_ = false;
                refreshStaleTabs();
            },
            Qt::QueuedConnection);
    }
}

void MainWindow::refreshStaleTabs() {
    if (slicesStale_) slices_->setAnalysis(doc_->snapshot(), budget());
    if (budgetsStale_) budgets_->setAnalysis(doc_->snapshot(), budget());
    slicesStale_ = budgetsStale_ = false;
    emit chartTabsUpdated();
}

} // namespace moescope
