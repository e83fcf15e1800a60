#pragma once
// The Fit dock: which parametric law and how to fit it, the coefficients with their 95 % intervals, and the
// goodness of fit of both the law and the isoFLOP surface at the chosen budget.
#include "ui/AnalysisRunner.h"

#include <QWidget>

#include <memory>
#include <optional>
#include <string>
#include <vector>

class QComboBox;
class QLabel;
class QPushButton;
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
    // Shows a plan's choices (a reopened workspace's recorded fit), adding a starts or group entry the combos
    // lack rather than showing another.
    void loadPlan(const AnalysisPlan& plan);
    void setAnalysis(std::shared_ptr<const AnalysisSnapshot> snapshot, double budget);
    // The answer at the chosen budget (shown by the next setAnalysis); null: none.
    void setPrediction(std::shared_ptr<const Prediction> prediction) { prediction_ = std::move(prediction); }
    QTableWidget* coefficients() const { return table_; }
    QLabel* summary() const { return metrics_; }
    // The answer panel: the optimum at the chosen budget (setPrediction), and what its Copy buttons copy.
    QLabel* answer() const { return answer_; }
    // Shown while the dock's settings differ from those of the fit on screen ("stale — Refit").
    QLabel* staleMark() const { return stale_; }
    QSpinBox* bootstrapBox() const { return bootstrap_; }
    QPushButton* copyJsonButton() const { return copyJson_; }
    QPushButton* copyCommandButton() const { return copyCommand_; }
    QString answerJson() const;     // as `moescope-cli predict --json` prints it, without the plan
    QString trainerCommand() const; // moescope-train and its arguments for the nearest model

signals:
    void refitRequested();
    void suggestRequested(int count);

private:
    QComboBox* law_;
    QComboBox* starts_;
    QComboBox* group_;
    std::vector<std::string> groups_; // what group_ lists (setGroups)
    QSpinBox* bootstrap_;
    QSpinBox* suggestCount_;
    QTableWidget* table_;
    QLabel* metrics_;
    QLabel* answer_;
    QLabel* stale_;
    std::optional<AnalysisPlan> shownPlan_; // the plan of the fit on screen
    void updateStale();
    QPushButton* copyJson_;
    QPushButton* copyCommand_;
    std::shared_ptr<const Prediction> prediction_;
    // The answer, and where the chosen budget was swept, how its own isoFLOP optimum (the Surface tab's
    // marker) differs from it and why.
    void showAnswer(const AnalysisSnapshot* snapshot, double budget);
    // Why a fitted snapshot gives no answer, in the window's words.
    static QString noAnswerWhy(const AnalysisSnapshot& snapshot);
};

} // namespace moescope
