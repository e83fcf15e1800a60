#include "ui/SweepPlanDialog.h"

#include "ui/ChartSupport.h"
#include "ui/WindowWords.h"

#include "core/fit/Extrapolation.h"
#include "core/jobs/DurationText.h"
#include "core/model/NumberParser.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLegend>
#include <QLegendMarker>
#include <QLineEdit>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QPushButton>
#include <QScatterSeries>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QValueAxis>

#include <cmath>
#include <map>

namespace moescope {

namespace {

// "1e12, 3e12" → numbers; false with the item that is not one.
bool numberList(const QString& text, std::vector<double>& out, QString& bad) {
    out.clear();
    for (const QString& item : text.split(',', Qt::SkipEmptyParts)) {
        double v = 0;
        if (!parseNumber(item.trimmed().toStdString(), v)) return bad = item.trimmed(), false;
        out.push_back(v);
    }
    return true;
}

QSpinBox* spinBox(int lo, int hi, int value) {
    auto* s = new QSpinBox;
    s->setRange(lo, hi);
    s->setValue(value);
    return s;
}

QLogValueAxis* logAxis(const QString& title) {
    auto* a = new QLogValueAxis;
    a->setLabelFormat("%.0e");
    a->setTitleText(title);
    return a;
}

QString duration(double seconds) {
    return QString::fromStdString(durationText(seconds));
}

// How a planned run trains: from scratch, as a stable run keeping branch points, as a branch, on a ladder.
QString trainsText(const SweepRun& r) {
    if (!r.ladder.empty()) return QObject::tr("ladder rate");
    if (!r.branchFrom.empty())
        return QObject::tr("cooldown from step %1 of %2")
            .arg(r.branchAt)
            .arg(QString::fromStdString(r.branchFrom));
    if (!r.keepAt.empty()) return QObject::tr("stable run, %1 branch point(s)").arg(r.keepAt.size());
    return QObject::tr("from scratch");
}

} // namespace

SweepPlanDialog::SweepPlanDialog(std::shared_ptr<const AnalysisSnapshot> snapshot, const RunTable& runs,
                                 QWidget* parent)
    : QDialog(parent), snapshot_(std::move(snapshot)), runs_(runs),
      budgets_(new QLineEdit("1e11, 3e11, 1e12")), sparsities_(new QLineEdit("0, 0.75")),
      name_(new QLineEdit("calibration")), sizes_(spinBox(1, 50, 5)), vocab_(spinBox(2, 1 << 20, 256)),
      ctx_(spinBox(8, 1 << 16, 128)), batch_(spinBox(1, 4096, 16)), spread_(new QDoubleSpinBox),
      aspect_(new QDoubleSpinBox), device_(new QComboBox), centre_(new QComboBox), schedule_(new QComboBox),
      ladder_(spinBox(0, 9, 0)), table_(new QTableWidget), chart_(new QChartView), summary_(new QLabel),
      queue_(new QPushButton(tr("Queue"))) {
    setWindowTitle(tr("Plan an isoFLOP sweep"));
    const std::pair<QWidget*, const char*> names[] = {
        {budgets_, "budgets"},   {sparsities_, "sparsities"}, {name_, "sweep_name"},
        {sizes_, "sizes"},       {vocab_, "vocab"},           {ctx_, "ctx"},
        {batch_, "batch"},       {spread_, "spread"},         {aspect_, "aspect"},
        {device_, "device"},     {centre_, "centre"},         {queue_, "queue"},
        {schedule_, "schedule"}, {ladder_, "lr_ladder"}};
    for (const auto& [w, n] : names)
        w->setObjectName(n);
    spread_->setRange(0.05, 3);
    spread_->setSingleStep(0.1);
    spread_->setValue(0.7);
    aspect_->setRange(1, 1024);
    aspect_->setValue(32);
    device_->addItems({"cpu", "cuda"});
    schedule_->addItem(tr("independent runs (cosine)"), "independent");
    schedule_->addItem(tr("stable runs + cooldown branches (WSD)"), "wsd");
    schedule_->setToolTip(
        tr("One warm-up–stable–decay run per size, trained for the largest budget it serves, "
           "and a cooldown branch from it for each smaller budget (Hägele et al. 2024)"));
    ladder_->setSpecialValueText(tr("none"));
    ladder_->setToolTip(tr("Learning rates tried on each size of the smallest budget; the later runs train "
                           "at the law's rate corrected by what these find"));
    // The runs' own family, when there are runs: a sweep meant to extend them trains what they trained —
    // the fitted group's, where there is a fit (the other groups' runs are excluded in its runs).
    const bool haveRuns = !runs_.runs.empty();
    if (snapshot_) fitted_ = familyOf(snapshot_->runs);
    if (haveRuns) {
        const ArchitectureFamily f = snapshot_ ? fitted_ : familyOf(runs_);
        vocab_->setValue(int(f.vocab));
        ctx_->setValue(int(f.ctx));
        aspect_->setValue(f.aspect);
    }
    if (snapshot_ && !snapshot_->frontiers.empty())
        centre_->addItem(tr("the fit (%1)").arg(QString::fromStdString(snapshot_->recommended)), "fit");
    centre_->addItem(tr("D = 20·N_a (no fit)"), "heuristic");
    for (const std::string& id : presetIds())
        centre_->addItem(tr("preset %1").arg(QString::fromStdString(id)), QString::fromStdString(id));

    auto* form = new QFormLayout;
    form->addRow(tr("budgets (FLOPs)"), budgets_);
    form->addRow(tr("sparsities"), sparsities_);
    form->addRow(tr("sizes per curve"), sizes_);
    form->addRow(tr("spread (decades each side)"), spread_);
    form->addRow(tr("centre on"), centre_);
    form->addRow(tr("vocabulary"), vocab_);
    form->addRow(tr("context"), ctx_);
    form->addRow(tr("d_model / layers"), aspect_);
    form->addRow(tr("batch"), batch_);
    form->addRow(tr("device"), device_);
    form->addRow(tr("runs"), schedule_);
    form->addRow(tr("learning-rate ladder"), ladder_);
    form->addRow(tr("sweep name (its run group)"), name_);
    table_->setColumnCount(12);
    table_->setHorizontalHeaderLabels({tr("C"), tr("S"), tr("d_model"), tr("layers"), tr("E"), tr("N"),
                                       tr("N_a"), tr("D"), tr("steps"), tr("lr"), tr("trains"), tr("time")});
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    chart_->setMinimumSize(360, 260);
    summary_->setWordWrap(true);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    buttons->addButton(queue_, QDialogButtonBox::AcceptRole);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(queue_, &QPushButton::clicked, this, [this] {
        if (plan_.runs.empty()) return;
        emit queueRequested(plan_, sweepName());
        accept();
    });
    auto* top = new QHBoxLayout;
    top->addLayout(form);
    top->addWidget(chart_, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(table_, 1);
    layout->addWidget(summary_);
    layout->addWidget(buttons);
    for (QLineEdit* e : {budgets_, sparsities_, name_})
        connect(e, &QLineEdit::textChanged, this, &SweepPlanDialog::replan);
    for (QSpinBox* s : {sizes_, vocab_, ctx_, batch_, ladder_})
        connect(s, &QSpinBox::valueChanged, this, &SweepPlanDialog::replan);
    for (QDoubleSpinBox* s : {spread_, aspect_})
        connect(s, &QDoubleSpinBox::valueChanged, this, &SweepPlanDialog::replan);
    for (QComboBox* c : {device_, centre_, schedule_})
        connect(c, &QComboBox::currentIndexChanged, this, &SweepPlanDialog::replan);
    replan();
}

QString SweepPlanDialog::error() const {
    return error_;
}

QString SweepPlanDialog::sweepName() const {
    return name_->text().trimmed().isEmpty() ? QString("sweep") : name_->text().trimmed();
}

SweepOptions SweepPlanDialog::options(QString* error) const {
    SweepOptions o;
    QString bad;
    if (!numberList(budgets_->text(), o.budgets, bad)) *error = tr("budgets: '%1' is not a number").arg(bad);
    if (!numberList(sparsities_->text(), o.sparsities, bad))
        *error = tr("sparsities: '%1' is not a number").arg(bad);
    o.sizes = sizes_->value();
    o.spread = spread_->value();
    o.batch = batch_->value();
    o.device = device_->currentText().toStdString();
    o.family.vocab = vocab_->value();
    o.family.ctx = ctx_->value();
    o.family.aspect = aspect_->value();
    o.wsd = schedule_->currentData().toString() == "wsd";
    o.lrLadder = ladder_->value(); // one rate is no ladder: the planner says so
    return o;
}

void SweepPlanDialog::replan() {
    QString problem, compute;
    SweepOptions o = options(&problem);
    plan_ = {};
    if (problem.isEmpty()) {
        const QString centre = centre_->currentData().toString();
        try {
            SweepCentre c = heuristicCentre(o.family);
            if (centre == "fit")
                c = frontierCentre(snapshot_->frontiers, o.family,
                                   "the fit (" + snapshot_->recommended + ")");
            else if (centre != "heuristic") {
                const auto preset = makePreset(centre.toStdString());
                c = lawCentre(*preset->law, preset->parameters, o.family, "preset " + centre.toStdString());
            }
            plan_ = planSweep(o, c);
            // The other way of training the same grid, for its compute beside this one's.
            SweepOptions other = o;
            other.wsd = !o.wsd;
            const SweepPlan alternative = planSweep(other, c);
            const SweepPlan& wsd = o.wsd ? plan_ : alternative;
            compute =
                tr(". Independent runs: %1 FLOPs (6·N_a·D), about %2; stable runs + cooldowns: %3 FLOPs, "
                   "%4 % of their points from scratch, about %5")
                    .arg((o.wsd ? alternative : plan_).trainedFlops, 0, 'g', 3)
                    .arg(duration((o.wsd ? alternative : plan_).totalSeconds()))
                    .arg(wsd.trainedFlops, 0, 'g', 3)
                    .arg(100 * wsd.trainedFlops / wsd.independentFlops, 0, 'f', 0)
                    .arg(duration(wsd.totalSeconds()));
        } catch (const std::invalid_argument& e) {
            problem = windowWords(e.what());
        }
    }
    error_ = problem;
    queue_->setEnabled(problem.isEmpty() && !plan_.runs.empty());
    table_->setRowCount(int(plan_.runs.size()));
    for (int i = 0; i < int(plan_.runs.size()); ++i) {
        const SweepRun& r = plan_.runs[size_t(i)];
        const QString cells[] = {QString::number(r.budget, 'g', 3),
                                 QString::number(r.sparsity, 'g', 3),
                                 QString::number(r.config.arch.d_model),
                                 QString::number(r.config.arch.n_layers),
                                 QString::number(r.config.arch.experts),
                                 QString::number(r.config.params, 'g', 3),
                                 QString::number(r.config.activeParams, 'g', 3),
                                 QString::number(r.config.tokens, 'g', 3),
                                 QString::number(r.steps),
                                 r.lr > 0
                                     ? QString::number(r.lr, 'g', 3) + (r.lrFromLadder ? tr(" (ladder)") : "")
                                     : tr("default"),
                                 trainsText(r),
                                 duration(r.estimatedSeconds)};
        for (int c = 0; c < 12; ++c)
            table_->setItem(i, c, new QTableWidgetItem(cells[c]));
    }
    const QString plotNote = showPlot();
    if (!problem.isEmpty())
        summary_->setText(tr("Cannot plan: %1").arg(problem));
    else
        summary_->setText(tr("%1 runs around %2; about %3 on %4 (at %5 FLOP/s)%6%7%8")
                              .arg(plan_.runs.size())
                              .arg(QString::fromStdString(plan_.centreSource))
                              .arg(duration(plan_.totalSeconds()))
                              .arg(device_->currentText())
                              .arg(plan_.flopsPerSecond, 0, 'g', 2)
                              .arg(plan_.warnings.empty()
                                       ? QString()
                                       : tr(". Note: %1").arg(windowWords(plan_.warnings.front())))
                              .arg(plotNote.isEmpty() ? QString() : ". " + plotNote)
                              .arg(compute));
}

bool SweepPlanDialog::planMatchesFit() const {
    return snapshot_ && vocab_->value() == int(fitted_.vocab) && ctx_->value() == int(fitted_.ctx);
}

QString SweepPlanDialog::showPlot() {
    auto* chart = new QChart;
    QString note;
    const bool haveLaw = snapshot_ && snapshot_->law && snapshot_->lawFit;
    if (haveLaw && planMatchesFit()) {
        note = plotOnSurface(chart);
    } else {
        plotAgainstRuns(chart);
        if (snapshot_ && !planMatchesFit())
            note = tr("The fit is of runs with vocabulary %1 and context %2, not %3 and %4: a centre on the "
                      "fit is only a guess for these models%5")
                       .arg(fitted_.vocab)
                       .arg(fitted_.ctx)
                       .arg(vocab_->value())
                       .arg(ctx_->value())
                       .arg(haveLaw ? tr(", and the chart shows their sizes, not a loss its law cannot "
                                         "predict for them")
                                    : QString());
    }
    chart->legend()->setAlignment(Qt::AlignBottom);
    installChart(chart_, chart); // as every view's chart: hover tips, updated in place when it can be
    return note;
}

QString SweepPlanDialog::plotOnSurface(QChart* chart) {
    // The fitted law's surface along N at each planned (budget, sparsity), the planned runs on it.
    const ParametricLaw& law = *snapshot_->law;
    const std::vector<double>& p = snapshot_->lawFit->parameters;
    chart->setTitle(tr("Predicted loss of the planned runs by the fitted %1 law")
                        .arg(QString::fromStdString(snapshot_->lawId)));
    QLogValueAxis* x = logAxis(tr("N (parameters)"));
    auto* y = new QValueAxis;
    y->setTitleText(tr("predicted loss"));
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    QString problem;
    const SweepOptions o = options(&problem);
    std::map<std::pair<double, double>, std::vector<const SweepRun*>> curves;
    for (const SweepRun& r : plan_.runs)
        curves[{r.budget, r.sparsity}].push_back(&r);
    double lo = 1e300, hi = -1e300, nLo = 1e300, nHi = 0, worst = -1e300;
    for (const auto& [key, runs] : curves) {
        PlanOptions at;
        at.budget = key.first;
        at.family = o.family;
        const double experts = expertsFor(key.second, o.family);
        auto* curve = new QLineSeries;
        // Short enough that a legend of six budgets is not six elided "C 1e+1…".
        curve->setName(tr("%1, S %2")
                           .arg(QString::number(key.first, 'g', 2).replace("e+", "e"))
                           .arg(key.second, 0, 'g', 2));
        auto* points = new QScatterSeries;
        points->setMarkerSize(9);
        const double dLo = runs.front()->config.arch.d_model / 1.5,
                     dHi = runs.back()->config.arch.d_model * 1.5;
        for (int i = 0; i <= 60; ++i) {
            const PlannedConfig c = configFor(law, p, dLo * std::pow(dHi / dLo, i / 60.0), experts, at);
            if (std::isfinite(c.predictedLoss)) curve->append(c.params, c.predictedLoss);
        }
        for (const SweepRun* r : runs) {
            PlanOptions own = at; // the planned model's own depth
            own.family.aspect = r->config.arch.d_model / r->config.arch.n_layers;
            const double loss = configFor(law, p, r->config.arch.d_model, experts, own).predictedLoss;
            if (!std::isfinite(loss)) continue;
            points->append(r->config.params, loss);
            worst = std::max(worst, loss);
            lo = std::min(lo, loss), hi = std::max(hi, loss);
            nLo = std::min(nLo, r->config.params), nHi = std::max(nHi, r->config.params);
        }
        for (QXYSeries* s : {static_cast<QXYSeries*>(curve), static_cast<QXYSeries*>(points)}) {
            chart->addSeries(s);
            s->attachAxis(x);
            s->attachAxis(y);
        }
        points->setColor(curve->color());
        chart->legend()->markers(points).front()->setVisible(false); // one entry per curve
    }
    if (nHi > 0) {
        x->setRange(nLo / 2, nHi * 2);
        const double pad = 0.15 * (hi - lo) + 0.01;
        y->setRange(lo - pad, hi + pad);
    }
    // A uniform guess over the vocabulary scores ln V: a law that predicts more was not fitted on models
    // like these.
    const double uniform = std::log(double(o.family.vocab));
    if (worst > uniform)
        return tr("The %1 law predicts losses up to %2 nats for these runs, more than ln %3 = %4 (a uniform "
                  "guess over the vocabulary): it was not fitted on models like these")
            .arg(QString::fromStdString(snapshot_->lawId))
            .arg(worst, 0, 'f', 2)
            .arg(o.family.vocab)
            .arg(uniform, 0, 'f', 2);
    return {};
}

void SweepPlanDialog::plotAgainstRuns(QChart* chart) {
    // No fitted law to place them on: where the planned sizes land against the runs already swept.
    chart->setTitle(tr("planned N per budget"));
    QLogValueAxis* c = logAxis(tr("C (FLOPs)"));
    QLogValueAxis* n = logAxis(tr("N (parameters)"));
    chart->addAxis(c, Qt::AlignBottom);
    chart->addAxis(n, Qt::AlignLeft);
    double lo = 1e300, hi = 0, nLo = 1e300, nHi = 0;
    auto add = [&](QScatterSeries* s, double budget, double params) {
        s->append(budget, params);
        lo = std::min(lo, budget), hi = std::max(hi, budget), nLo = std::min(nLo, params),
        nHi = std::max(nHi, params);
    };
    auto* existing = new QScatterSeries;
    existing->setName(tr("runs swept"));
    existing->setColor(Qt::gray);
    existing->setMarkerSize(6);
    for (const Run& r : runs_.runs)
        if (!r.excluded && r.has(Field::Flops) && r.has(Field::Params))
            add(existing, r.get(Field::Flops), r.get(Field::Params));
    std::map<double, QScatterSeries*> bySparsity;
    for (const SweepRun& r : plan_.runs) {
        auto*& s = bySparsity[r.sparsity];
        if (!s) {
            s = new QScatterSeries;
            s->setName(tr("planned, S = %1").arg(r.sparsity, 0, 'g', 3));
            s->setMarkerSize(9);
        }
        add(s, r.budget, r.config.params);
    }
    std::vector<QScatterSeries*> all = {existing};
    for (auto& [_, s] : bySparsity)
        all.push_back(s);
    for (QScatterSeries* s : all) {
        chart->addSeries(s);
        s->attachAxis(c);
        s->attachAxis(n);
    }
    if (hi > 0) {
        c->setRange(lo / 2, hi * 2);
        n->setRange(nLo / 2, nHi * 2);
    }
}

} // namespace moescope
