#pragma once
// The file on screen (LabPlot's project): its runs, the workspace file they are written through to with the
// undo stack of their edits, the plan its analyses start from, the budget, law, tab and Keep row it was left
// with, the analysis it was last shown with and the answer at that budget. Opening a file makes a new
// document with that file's recorded state or the defaults, so nothing of one file (a law, a budget of 3e20,
// an answer, an undo step) reaches the next; MainWindow wires the views to the current document and holds
// none of this itself.
#include "core/fit/Analysis.h"
#include "core/fit/Extrapolation.h"

#include <QString>

#include <memory>
#include <string>

class QUndoStack;

namespace moescope {

class RunTableModel;
class WorkspaceController;

// How the file was left on screen, besides its plan and budget.
struct FileView {
    int tab = -1;                                // the view tab (-1: none recorded, the window's stays)
    QString keepMode = "none", keepColumns = {}; // the Runs dock's Keep row (RunSelection's per and columns)
};

class FileDocument {
public:
    // `plan`: what every analysis starts from (a workspace's last recorded fit, else the defaults);
    // `recordedBudget`: the budget the file was left at, taken when its analysis lands (0: none).
    // Its runs start empty, in memory, until a workspace is opened or they are saved.
    explicit FileDocument(AnalysisPlan plan = {}, double recordedBudget = 0);
    ~FileDocument();
    // A workspace as a new document: its runs, its edits from now on, and the plan, budget, law, tab and
    // Keep row it was left with. Null with `error` when it cannot be read (the current document stays);
    // `note` says what of its state could not be read back (it then starts with the defaults).
    static std::unique_ptr<FileDocument> openWorkspace(const QString& path, QString* error, QString* note);
    // An imported file's rows as a new document, in memory (a table of optima when `optima`).
    static std::unique_ptr<FileDocument> fromTable(RunTable table, bool optima);

    RunTableModel* runs() const { return runs_.get(); }
    WorkspaceController* workspace() const { return workspace_.get(); }
    QUndoStack* undoStack() const;

    const AnalysisPlan& basePlan() const { return basePlan_; }
    const FileView& view() const { return view_; }
    // What the window shows of the file, written through to its workspace (when it has one) at once.
    void setTab(int tab);
    void setLaw(const std::string& law);
    void setKeep(const QString& mode, const QString& columns);
    // Writes the whole view (tab, law, budget, Keep) into the workspace: after Save As made a new one.
    void writeView();

    // The budget shown: a swept level, or any other C the answer is predicted at (0: none yet).
    double budget() const { return budget_; }
    // The budget to remember for the file: the recorded one until it has landed, then the one shown.
    double budgetToKeep() const { return pendingBudget_ > 0 ? pendingBudget_ : budget_; }
    const std::shared_ptr<const AnalysisSnapshot>& snapshot() const { return snapshot_; }
    // The swept budget the views draw at the budget shown: that budget, or the nearest swept one.
    const BudgetAnalysis* shownBudget() const { return snapshot_ ? snapshot_->budget(budget_) : nullptr; }

    // Takes an analysis and settles the budget on it: the recorded one once it is there, the chosen one
    // where it was swept (a typed one that was not stays a prediction), else the largest swept budget (a
    // table of optima's largest row).
    void show(std::shared_ptr<const AnalysisSnapshot> snapshot);
    // Chooses a budget (and records it with the file): the swept level within 5 % of `c`, or `c` itself,
    // which the answer predicts. False (nothing changes) when the analysis can answer at no budget.
    bool choose(double c);

    // The answer at the budget shown by the recommended frontier: what `moescope-cli predict --budget C`
    // says. A partial analysis carries the previous frontiers, so at the same budget the previous answer
    // stands (no refit on the GUI thread). Null, with `problem` saying why when there is a reason, when
    // there is no answer.
    std::shared_ptr<const Prediction> answer(std::string* problem = nullptr);
    // The answer last computed by answer().
    const std::shared_ptr<const Prediction>& lastAnswer() const { return prediction_; }

private:
    void writeBudget();

    // The runs outlive the controller that edits them (declared first, destroyed last).
    std::unique_ptr<RunTableModel> runs_;
    std::unique_ptr<WorkspaceController> workspace_;
    AnalysisPlan basePlan_;
    FileView view_;
    double budget_ = 0, pendingBudget_ = 0;
    std::shared_ptr<const AnalysisSnapshot> snapshot_;
    std::shared_ptr<const Prediction> prediction_;
    const FrontierMethod* predictedWith_ = nullptr;
    double predictedAt_ = 0;
    std::shared_ptr<const AnalysisSnapshot> predictedFrom_; // keeps predictedWith_ alive
};

} // namespace moescope
