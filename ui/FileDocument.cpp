#include "ui/FileDocument.h"

#include "core/fit/OptimaFrontier.h"
#include "core/store/FitRecording.h"
#include "ui/RunTableModel.h"
#include "ui/WorkspaceController.h"

#include <QObject>

#include <cmath>
#include <stdexcept>

namespace moescope {

FileDocument::FileDocument(AnalysisPlan plan, double recordedBudget)
    : runs_(std::make_unique<RunTableModel>()),
      workspace_(std::make_unique<WorkspaceController>(runs_.get())), basePlan_(std::move(plan)),
      pendingBudget_(recordedBudget) {}

FileDocument::~FileDocument() = default;

std::unique_ptr<FileDocument> FileDocument::openWorkspace(const QString& path, QString* error,
                                                          QString* note) {
    auto doc = std::make_unique<FileDocument>();
    WorkspaceController& file = *doc->workspace_;
    if (!file.open(path, error)) return nullptr;
    bool ok = false;
    const int tab = file.setting("view").toInt(&ok);
    doc->view_.tab = ok ? tab : -1;
    doc->view_.keepMode = file.setting("keep", "none");
    doc->view_.keepColumns = file.setting("keep_columns");
    // An untrusted file's budget: a positive finite number of FLOPs, or none.
    const double budget = file.setting("budget").toDouble();
    doc->pendingBudget_ = budget > 0 && std::isfinite(budget) ? budget : 0;
    // The fit on screen is the one the workspace recorded last: its whole plan, not the defaults; without
    // one, the law the file was left with.
    doc->basePlan_.law = file.setting("law", "auto").toStdString();
    if (const auto fits = file.workspace().fits(); !fits.empty()) {
        AnalysisPlan plan;
        std::string why;
        if (planOfRecord(fits.back(), plan, why))
            doc->basePlan_ = std::move(plan);
        else if (note)
            *note = QObject::tr("its last fit's settings could not be read (%1): fitted with the defaults")
                        .arg(QString::fromStdString(why));
    }
    return doc;
}

std::unique_ptr<FileDocument> FileDocument::fromTable(RunTable table, bool optima) {
    AnalysisPlan plan;
    plan.optimaTable = optima;
    auto doc = std::make_unique<FileDocument>(std::move(plan));
    doc->runs_->setRuns(std::move(table));
    return doc;
}

QUndoStack* FileDocument::undoStack() const {
    return workspace_->undoStack();
}

// Each written only when it changed: every edit asks for an analysis, which sets the law again.
void FileDocument::setTab(int tab) {
    if (tab == view_.tab) return;
    view_.tab = tab;
    workspace_->setSetting("view", QString::number(tab));
}

void FileDocument::setLaw(const std::string& law) {
    if (law == basePlan_.law) return;
    basePlan_.law = law;
    workspace_->setSetting("law", QString::fromStdString(law));
}

void FileDocument::setKeep(const QString& mode, const QString& columns) {
    view_.keepMode = mode, view_.keepColumns = columns;
    workspace_->setSetting("keep", mode);
    workspace_->setSetting("keep_columns", columns);
}

void FileDocument::writeView() {
    if (view_.tab >= 0) workspace_->setSetting("view", QString::number(view_.tab));
    workspace_->setSetting("law", QString::fromStdString(basePlan_.law));
    setKeep(view_.keepMode, view_.keepColumns);
    writeBudget();
}

void FileDocument::writeBudget() {
    if (const double c = budgetToKeep(); c > 0) workspace_->setSetting("budget", QString::number(c, 'g', 17));
}

void FileDocument::show(std::shared_ptr<const AnalysisSnapshot> snapshot) {
    snapshot_ = std::move(snapshot);
    // A table of optima has budgets but no isoFLOP analysis of them: its rows are the budgets to choose.
    if (const auto* table = dynamic_cast<const OptimaFrontier*>(snapshot_->frontier("optima"))) {
        budget_ =
            pendingBudget_ > 0 ? pendingBudget_ : (budget_ > 0 ? budget_ : table->level().budgets.back());
        pendingBudget_ = 0;
    } else if (snapshot_->sweep.budgets.empty()) {
        budget_ = 0;
    } else if (pendingBudget_ > 0 && snapshot_->budget(pendingBudget_)) {
        budget_ = snapshot_->budget(pendingBudget_)->budget;
        pendingBudget_ = 0;
    } else if (budget_ <= 0 || !snapshot_->budget(budget_)) {
        budget_ = snapshot_->sweep.budgets.back().budget;
    } else if (const double nearest = snapshot_->budget(budget_)->budget;
               std::fabs(std::log(nearest / budget_)) <= std::log(1.05)) {
        budget_ = nearest; // a typed budget that was not swept stays a prediction
    }
}

bool FileDocument::choose(double c) {
    if (!snapshot_ || !(c > 0)) return false;
    const BudgetAnalysis* b = snapshot_->budget(c);
    // Without an analysed budget a frontier (a law's) may still answer at C.
    if (!b && snapshot_->frontiers.empty()) return false;
    budget_ = b && std::fabs(std::log(b->budget / c)) <= std::log(1.05) ? b->budget : c;
    writeBudget();
    return true;
}

std::shared_ptr<const Prediction> FileDocument::answer(std::string* problem) {
    const FrontierMethod* method = snapshot_ ? snapshot_->frontier(snapshot_->recommended) : nullptr;
    const bool same =
        snapshot_ && snapshot_->partial && prediction_ && method == predictedWith_ && budget_ == predictedAt_;
    if (same) return prediction_;
    prediction_.reset();
    predictedFrom_ = snapshot_;
    predictedWith_ = method;
    predictedAt_ = budget_;
    // Without a method the design may still answer, quantity by quantity undetermined (as the CLI does).
    if (!snapshot_ || !(budget_ > 0)) return nullptr;
    const BudgetAnswer* swept = snapshot_->answerAt(budget_);
    const BudgetAnswer a = swept ? *swept : answerAtBudget(*snapshot_, budget_);
    prediction_ = a.answer;
    if (problem) *problem = a.problem;
    return prediction_;
}

} // namespace moescope
