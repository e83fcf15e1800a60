#pragma once
// Li et al.'s allocation law: r* vs C per sparsity, the published law and the law fitted from the runs.
#include "ui/AnalysisRunner.h"

#include <QWidget>

class QChartView;

namespace moescope {

class AllocationChart : public QWidget {
    Q_OBJECT
public:
    explicit AllocationChart(QWidget* parent = nullptr);
    void setAnalysis(std::shared_ptr<const AnalysisSnapshot> snapshot);
    QChartView* view() const { return view_; }

private:
    QChartView* view_;
};

} // namespace moescope
