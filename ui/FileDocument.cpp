#include "ui/FileDocument.h"

#include "core/fit/OptimaFrontier.h"

#include <cmath>
#include <stdexcept>

namespace moescope {

FileDocument::FileDocument(AnalysisPlan plan, double recordedBudget)
    : basePlan_(std::move(plan)), pendingBudget_(recordedBudget) {}

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
    if (!method || !(budget_ > 0)) return nullptr;
    try {
        PredictRequest req;
        req.budget = budget_;
        prediction_ = std::make_shared<Prediction>(predictFromSnapshot(*snapshot_, req));
    } catch (const std::invalid_argument& e) {
        if (problem) *problem = e.what();
    }
    return prediction_;
}

} // namespace moescope
