#pragma once
// The optimum learning rate against N_a (#33): each cell's optimum (a size and token count whose runs try
// several rates), and the law η*(N_a, D) fitted across them with its 95 % band, drawn at the cells' median
// D. Runs without a learning-rate column, or cells that place no optimum, say so instead.
#include "ui/AnalysisRunner.h"

#include <QWidget>

class QChartView;

namespace moescope {

class LearningRateChart : public QWidget {
    Q_OBJECT
public:
    explicit LearningRateChart(QWidget* parent = nullptr);
    void setAnalysis(std::shared_ptr<const AnalysisSnapshot> snapshot);
    QChartView* view() const { return view_; }

private:
    QChartView* view_;
};

} // namespace moescope
