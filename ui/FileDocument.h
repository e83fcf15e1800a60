#pragma once
// The file on screen (LabPlot's project): the plan its analyses start from, the budget chosen on it, the
// analysis it was last shown with and the answer at that budget. Opening a file makes a new document with
// that file's recorded state or the defaults, so nothing of one file (a law, a budget of 3e20, an answer)
// reaches the next; MainWindow wires the views to the current document and holds none of this itself.
#include "core/fit/Analysis.h"
#include "core/fit/Extrapolation.h"

#include <memory>
#include <string>

namespace moescope {

class FileDocument {
public:
    // `plan`: what every analysis starts from (a workspace's last recorded fit, else the defaults);
    // `recordedBudget`: the budget the file was left at, taken when its analysis lands (0: none).
    explicit FileDocument(AnalysisPlan plan = {}, double recordedBudget = 0);

    const AnalysisPlan& basePlan() const { return basePlan_; }
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
    // Chooses a budget: the swept level within 5 % of `c`, or `c` itself, which the answer predicts. False
    // (nothing changes) when the analysis can answer at no budget.
    bool choose(double c);

    // The answer at the budget shown by the recommended frontier: what `moescope-cli predict --budget C`
    // says. A partial analysis carries the previous frontiers, so at the same budget the previous answer
    // stands (no refit on the GUI thread). Null, with `problem` saying why when there is a reason, when
    // there is no answer.
    std::shared_ptr<const Prediction> answer(std::string* problem = nullptr);
    // The answer last computed by answer().
    const std::shared_ptr<const Prediction>& lastAnswer() const { return prediction_; }

private:
    AnalysisPlan basePlan_;
    double budget_ = 0, pendingBudget_ = 0;
    std::shared_ptr<const AnalysisSnapshot> snapshot_;
    std::shared_ptr<const Prediction> prediction_;
    const FrontierMethod* predictedWith_ = nullptr;
    double predictedAt_ = 0;
    std::shared_ptr<const AnalysisSnapshot> predictedFrom_; // keeps predictedWith_ alive
};

} // namespace moescope
