#pragma once
// The Fit dock: which parametric law and how to fit it, the coefficients with their 95 % intervals, and the
// goodness of fit of both the law and the isoFLOP surface at the chosen budget.
#include "ui/AnalysisRunner.h"

#include <QWidget>

#include <memory>
#include <string>
#include <vector>

class QComboBox;
class QLabel;
class QSpinBox;
class QTableWidget;

namespace moescope {

struct Prediction;

class FitDock : public QWidget {
    Q_OBJECT
public:
    explicit FitDock(QWidget* parent = nullptr);
    std::string law() const;
    void setLaw(const std::string& id);
    // The run groups the runs fall into (runGroup); the choice offered is auto, all, or one of them.
    void setGroups(const std::vector<std::string>& groups);
    QComboBox* groupCombo() const { return group_; }
    // Writes the dock's choices (law, group, starts, bootstrap) into a plan; the rest keeps the plan's
    // defaults.
    void editPlan(AnalysisPlan& plan) const;
    void setAnalysis(std::shared_ptr<const AnalysisSnapshot> snapshot, double budget);
    // The optimum predicted at a budget that was not swept (shown first by the next setAnalysis); null: none.
    void setPrediction(std::shared_ptr<const Prediction> prediction) { prediction_ = std::move(prediction); }
    QTableWidget* coefficients() const { return table_; }
    QLabel* summary() const { return metrics_; }

signals:
    void refitRequested();
    void suggestRequested(int count);

private:
    QComboBox* law_;
    QComboBox* starts_;
    QComboBox* group_;
    QSpinBox* bootstrap_;
    QSpinBox* suggestCount_;
    QTableWidget* table_;
    QLabel* metrics_;
    std::shared_ptr<const Prediction> prediction_;
};

} // namespace moescope
