#pragma once
#include "core/fit/RunSuggester.h"
#include "ui/AnalysisRunner.h"
#include "ui/FileDocument.h"
#include "ui/RunTableModel.h"

#include <QMainWindow>

#include <memory>
#include <utility>
#include <vector>

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QSortFilterProxyModel;
class QStackedWidget;
class QTabWidget;
class QTableView;
class QUndoGroup;

namespace moescope {

class AllocationChart;
class LearningRateChart;
class BudgetCharts;
class SweepPlanDialog;
class FitDock;
class LawChart;
class LossCurvesView;
class RunFilterProxy;
class SliceCharts;
class SurfaceView;
class TrainerPanel;
class ValidateView;
struct Prediction;
struct ImportResult;
class WorkspaceController;
class ImportWizard;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);

    // Opens a sweep CSV or a .moescope workspace; false with a message box (or `error`) on failure.
    // (menu title, path) of every sweep in datasets/ ($MOESCOPE_DATASETS overrides where that is).
    static std::vector<std::pair<QString, QString>> exampleDatasets();
    // Trainer › Plan sweep…: the dialog (shown, deleted on close), its Queue wired to the trainer dock.
    SweepPlanDialog* planSweepDialog();
    // The sweeps a workspace's queue holds (plan-sweep --queue), into the trainer dock.
    void queueWorkspaceSweeps();
    bool openPath(const QString& path, QString* error = nullptr);
    // A file whose rows are the optima of their budgets (one row per budget, sizes optional), said so by
    // the user: its own frontier answers (AnalysisPlan::optimaTable). openPath takes a file that reads only
    // as such a table as one.
    bool openOptimaTable(const QString& path, QString* error = nullptr);
    // The current document: the file on screen with its runs, workspace, plan, budget and answer.
    FileDocument* document() const { return doc_.get(); }
    RunTableModel* runModel() const { return doc_->runs(); }
    QTableView* runView() const { return view_; }
    QLineEdit* runFilter() const { return filter_; }
    QLabel* runFilterError() const { return filterError_; }
    QComboBox* keepMode() const { return keepMode_; }
    QLineEdit* keepColumns() const { return keepColumns_; }
    AnalysisRunner* runner() const { return runner_; }
    SurfaceView* surface() const { return surface_; }
    LossCurvesView* lossCurves() const { return curves_; } // the Surface tab for a sweep of one level
    SliceCharts* slices() const { return slices_; }
    BudgetCharts* budgets() const { return budgets_; }
    LawChart* law() const { return law_; }
    LearningRateChart* learningRate() const { return learningRate_; }
    AllocationChart* allocation() const { return allocation_; }
    ValidateView* validate() const { return validate_; }
    QComboBox* budgetBox() const { return budgetBox_; }
    // Shown when the budget lies past the sweep: "extrapolated ×10^d".
    QLabel* extrapolatedBadge() const { return badge_; }
    // The answer at the chosen budget, swept or not, by the recommended frontier (what `moescope-cli predict`
    // says); null when no method could be fitted.
    const Prediction* prediction() const { return doc_->lastAnswer().get(); }
    FitDock* fitDock() const { return fitDock_; }
    TrainerPanel* trainer() const { return trainer_; }
    WorkspaceController* workspace() const { return doc_->workspace(); }
    QTabWidget* tabs() const { return tabs_; }
    double budget() const { return doc_->budget(); }
    // Chooses the budget: a swept level (the nearest within 5 %) or any other, which the views answer with
    // the recommended frontier's prediction and the nearest swept surface.
    void setBudget(double c);
    // The budget box's typed text: a number (1e21, 3e21, 5.5e+20) chooses it; anything else is refused with a
    // message in the status bar. False when refused.
    bool setBudgetText(const QString& text);
    QWidget* currentView() const;
    // Lands what an accepted wizard defines, as one undoable import.
    bool importFromWizard(const ImportWizard& wizard);
    // The runs that would most narrow the optimum at the current budget; queued in the Trainer when asked.
    std::vector<Suggestion> suggestions(int count) const;
    int queueSuggestions(int count);

signals:
    void viewsUpdated();
    // The chart tabs that were not on screen at viewsUpdated are up to date too (queued right after it).
    void chartTabsUpdated();

protected:
    void dragEnterEvent(QDragEnterEvent* e) override;
    void dropEvent(QDropEvent* e) override;

private:
    // Shown in the status bar and kept beside it until another file is opened.
    void noteAboutFile(const QString& note);
    // Makes `doc` the file on screen: the views, the Edit menu and the controls follow it, then it is
    // analysed. The previous document (its runs, undo steps, answer) goes.
    void adopt(std::unique_ptr<FileDocument> doc);
    // Shows an imported file's runs (a table of optima when `optima`) on a fresh workspace and plan.
    void showTable(const QString& path, RunTable table, bool optima);
    bool refuseFile(const QString& path, const QString& problem, QString* error); // false, said once
    static QString importProblem(const ImportResult& r);
    void buildMenus();
    void warn(const QString& title, const QString& message);
    void buildRunsDock();
    void openDialog();
    void exportDialog();
    void requestAnalysis();
    void showSnapshot(std::shared_ptr<const AnalysisSnapshot> s);
    void updateViews();
    void syncBudgetBox(); // the box shows the document's budget: its swept entry, or the typed value
    void selectRunInTable(int sourceRow);
    void addRuns(const RunTable& runs);
    void suggestDialog(int count);
    void importDialog();
    bool importWithWizard(const QString& path);
    void saveAsDialog();
    void rememberRecent(const QString& path);
    void rebuildRecentMenu();
    void recordFit();
    void keepPerGroup(); // the Runs dock's Keep row, applied through the undo stack
    void showKeep(const QString& mode, const QString& columns); // the Keep row as a file left it

    RunFilterProxy* proxy_;
    QLabel* filterError_; // why the expression in the filter box cannot filter
    QTableView* view_;
    QLineEdit* filter_;
    QComboBox* keepMode_;    // every row / lowest loss per / mean loss per
    QLineEdit* keepColumns_; // the group's columns
    AnalysisRunner* runner_;
    QTabWidget* tabs_;
    SurfaceView* surface_;
    LossCurvesView* curves_;
    QStackedWidget* surfaceStack_;
    SliceCharts* slices_;
    BudgetCharts* budgets_;
    LawChart* law_;
    LearningRateChart* learningRate_;
    AllocationChart* allocation_;
    ValidateView* validate_;
    FitDock* fitDock_;
    TrainerPanel* trainer_;
    QUndoGroup* undo_; // Edit › Undo and Redo act on the current document's stack
    // The file on screen (a new one for every file opened).
    std::unique_ptr<FileDocument> doc_;
    QMenu* recent_ = nullptr;
    QComboBox* budgetBox_;
    QLabel* badge_;
    QLabel* fileNotice_; // problems opening the current file found (a refused queue, an unreadable plan)
    QProgressBar* busy_;
    // Chart tabs not on screen when the views last changed: refreshed right after the visible views.
    bool slicesStale_ = false, budgetsStale_ = false, staleRefreshQueued_ = false;
    void refreshStaleTabs();
};

} // namespace moescope
