#include "ui/FitDock.h"

#include "ui/WindowWords.h"

#include "core/fit/Extrapolation.h"
#include "core/fit/RunSuggester.h"
#include "core/jobs/TrainerJob.h"

#include <QClipboard>
#include <QComboBox>
#include <QFormLayout>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace moescope {

FitDock::FitDock(QWidget* parent)
    : QWidget(parent), law_(new QComboBox), starts_(new QComboBox), group_(new QComboBox),
      bootstrap_(new QSpinBox), suggestCount_(new QSpinBox), table_(new QTableWidget(0, 4)),
      metrics_(new QLabel), answer_(new QLabel), stale_(new QLabel),
      copyJson_(new QPushButton(tr("Copy as JSON"))),
      copyCommand_(new QPushButton(tr("Copy trainer command"))) {
    law_->addItem(tr("automatic"), "auto");
    for (const auto& id : lawIds())
        law_->addItem(QString::fromStdString(id), QString::fromStdString(id));
    starts_->addItem(tr("fast (preset + 64 Halton points)"), "fast");
    starts_->addItem(tr("full grid of the recipe"), "full");
    const AnalysisPlan defaults;
    starts_->setCurrentIndex(starts_->findData(QString::fromStdString(startsName(defaults.lawFit))));
    bootstrap_->setRange(0, 1000);
    bootstrap_->setValue(defaults.lawFit.bootstrap);
    bootstrap_->setToolTip(tr("Refits on resampled runs for the 95 % intervals"));
    auto* refit = new QPushButton(tr("Refit"));
    connect(refit, &QPushButton::clicked, this, &FitDock::refitRequested);
    suggestCount_->setRange(1, 32);
    suggestCount_->setValue(4);
    auto* suggest = new QPushButton(tr("Suggest next runs…"));
    suggest->setToolTip(tr("Configs at this budget that would most narrow the optimum's bootstrap interval"));
    connect(suggest, &QPushButton::clicked, this, [this] { emit suggestRequested(suggestCount_->value()); });
    group_->setToolTip(tr("Runs of another corpus, vocabulary, context or tokenizer cannot share a fit"));
    setGroups({});
    connect(group_, &QComboBox::activated, this, &FitDock::refitRequested);
    auto* form = new QFormLayout;
    form->addRow(tr("Law"), law_);
    form->addRow(tr("Run group"), group_);
    form->addRow(tr("Starts"), starts_);
    form->addRow(tr("Bootstrap"), bootstrap_);
    table_->setHorizontalHeaderLabels({tr("parameter"), tr("value"), tr("95% low"), tr("95% high")});
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    table_->verticalHeader()->hide();
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    metrics_->setWordWrap(true);
    metrics_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // The answer first: the optimum at the chosen budget, and ways to take it elsewhere.
    answer_->setWordWrap(true);
    answer_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    copyJson_->setToolTip(tr("The answer as `moescope-cli predict --json` prints it"));
    copyCommand_->setToolTip(tr("moescope-train arguments for the nearest model at this budget"));
    connect(copyJson_, &QPushButton::clicked, this, [this] {
        if (prediction_) QGuiApplication::clipboard()->setText(answerJson());
    });
    connect(copyCommand_, &QPushButton::clicked, this, [this] {
        if (prediction_) QGuiApplication::clipboard()->setText(trainerCommand());
    });
    stale_->setText(tr("<b>stale</b>: the settings below changed since this fit — Refit to update"));
    stale_->setStyleSheet("QLabel { color: #b35900; }");
    stale_->setWordWrap(true);
    // Shown or not, it keeps its place, two lines high whatever it wraps to: appearing, it pushed every
    // control down a line under the pointer.
    QSizePolicy keep = stale_->sizePolicy();
    keep.setRetainSizeWhenHidden(true);
    keep.setHorizontalPolicy(QSizePolicy::Ignored); // nor does its width hint resize the dock when shown
    stale_->setSizePolicy(keep);
    stale_->setFixedHeight(2 * stale_->fontMetrics().lineSpacing() + 4);
    stale_->hide();
    connect(law_, &QComboBox::currentIndexChanged, this, &FitDock::updateStale);
    connect(starts_, &QComboBox::currentIndexChanged, this, &FitDock::updateStale);
    connect(group_, &QComboBox::currentIndexChanged, this, &FitDock::updateStale);
    connect(bootstrap_, &QSpinBox::valueChanged, this, &FitDock::updateStale);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(stale_);
    layout->addWidget(answer_);
    auto* copyRow = new QHBoxLayout;
    copyRow->addWidget(copyJson_);
    copyRow->addWidget(copyCommand_);
    layout->addLayout(copyRow);
    layout->addLayout(form);
    layout->addWidget(refit);
    auto* suggestRow = new QHBoxLayout;
    suggestRow->addWidget(suggestCount_);
    suggestRow->addWidget(suggest, 1);
    layout->addLayout(suggestRow);
    layout->addWidget(table_, 1);
    layout->addWidget(metrics_);
}

std::string FitDock::law() const {
    return law_->currentData().toString().toStdString();
}

void FitDock::setLaw(const std::string& id) {
    const int i = law_->findData(QString::fromStdString(id));
    if (i >= 0) law_->setCurrentIndex(i);
}

void FitDock::setGroups(const std::vector<std::string>& groups) {
    // Every run edit asks again: refilling an unchanged combo would relayout and repaint the whole dock.
    if (groups == groups_ && group_->count() > 0) return;
    groups_ = groups;
    const QString current = group_->currentData().toString();
    group_->clear();
    group_->addItem(tr("the largest group (auto)"), "auto");
    group_->addItem(tr("all runs together"), "all");
    for (const auto& g : groups)
        group_->addItem(g.empty() ? tr("(no group)") : QString::fromStdString(g), QString::fromStdString(g));
    const int keep = group_->findData(current.isEmpty() ? QString("auto") : current);
    group_->setCurrentIndex(keep >= 0 ? keep : 0);
    group_->setEnabled(groups.size() > 1);
}

void FitDock::editPlan(AnalysisPlan& plan) const {
    plan.law = law();
    plan.group = group_->currentData().toString().toStdString();
    parseStarts(starts_->currentData().toString().toStdString(), plan.lawFit); // the combo holds fast, full
    plan.lawFit.bootstrap = bootstrap_->value();
}

void FitDock::loadPlan(const AnalysisPlan& plan) {
    setLaw(plan.law);
    const QString starts = QString::fromStdString(startsName(plan.lawFit));
    if (starts_->findData(starts) < 0) starts_->addItem(tr("%1 random starts").arg(starts), starts);
    starts_->setCurrentIndex(starts_->findData(starts));
    bootstrap_->setValue(plan.lawFit.bootstrap);
    const QString group = QString::fromStdString(plan.group);
    if (group_->findData(group) < 0) group_->addItem(group.isEmpty() ? tr("(no group)") : group, group);
    group_->setCurrentIndex(group_->findData(group));
}

QString FitDock::answerJson() const {
    return prediction_ ? QString::fromStdString(predictionJson(*prediction_).dump()) : QString();
}

QString FitDock::trainerCommand() const {
    if (!prediction_ || !(prediction_->architecture.params > 0)) return {};
    TrainerJob job;
    job.arch = prediction_->architecture.arch;
    job.heads = prediction_->architecture.heads;
    job.budget = prediction_->point.budget;
    job.name = defaultJobName(job);
    if (const auto& t = prediction_->training) job.extra = trainerOptions(*t); // as the answer shows them
    QStringList words{"moescope-train"};
    for (const auto& a : trainerArguments(job, "runs/" + job.name))
        words << QString::fromStdString(shellQuote(a));
    return words.join(' ');
}

QString FitDock::noAnswerWhy(const AnalysisSnapshot& s) {
    std::string why = whyNoBudget(s);
    if (why.empty())
        why = s.messages.empty() ? "no method could be fitted to these runs" : s.messages.front();
    const QString law = s.lawFit
                            ? tr(" The Law tab shows the %1 law's fit.").arg(QString::fromStdString(s.lawId))
                            : QString();
    return tr("<b>No answer at a budget</b>: %1.%2").arg(windowWords(why).toHtmlEscaped(), law);
}

void FitDock::showAnswer(const AnalysisSnapshot* snapshot, double budget) {
    const Prediction* p = prediction_.get();
    copyJson_->setEnabled(p);
    copyCommand_->setEnabled(p && p->architecture.params > 0);
    if (!p) {
        if (!snapshot)
            answer_->setText(tr("<b>No answer yet</b>: import a sweep (File › Import sweep…) or open an "
                                "example (File › Open Example)."));
        else
            answer_->setText(noAnswerWhy(*snapshot));
        return;
    }
    const FrontierPoint& f = p->point;
    QStringList lines;
    lines << tr("<b>Answer at C = %1</b> %2%3")
                 .arg(f.budget, 0, 'g', 3)
                 .arg(f.method == "none" ? tr("— no method answers these runs")
                                         : tr("by the %1 frontier").arg(QString::fromStdString(f.method)))
                 .arg(p->extrapolationDecades > 0 ? tr(" — <b>extrapolated %1 decade(s)</b> past the sweep")
                                                        .arg(p->extrapolationDecades, 0, 'f', 2)
                                                  : QString());
    // A quantity the design cannot determine is "—" (its reason below), an interval that cannot be had says
    // so: never a nan on screen.
    const auto& undetermined = p->design.undetermined;
    auto shown = [&](const char* key, const Band& b, char format, int digits, bool band) {
        if (undetermined.count(key) || !std::isfinite(b.value)) return QString("—");
        QString text = QString::number(b.value, format, digits);
        if (!band) return text;
        if (!(std::isfinite(b.lo) && std::isfinite(b.hi))) return text + tr(" (no interval)");
        return text + QString(" [%1, %2]")
                          .arg(QString::number(b.lo, format, digits), QString::number(b.hi, format, digits));
    };
    const bool perParameter = !undetermined.count("n_star") && !undetermined.count("tokens_star") &&
                              std::isfinite(f.tokens.value / f.params.value);
    lines << tr("N* %1, N_a* %2, S* %3, D* %4 tokens%5, L* %6")
                 .arg(shown("n_star", f.params, 'g', 3, true),
                      shown("active_params_star", f.activeParams, 'g', 3, false),
                      std::isfinite(f.sparsity) ? QString::number(f.sparsity, 'f', 3) : QString("—"),
                      shown("tokens_star", f.tokens, 'g', 3, false),
                      perParameter ? tr(" (%1 per parameter)").arg(f.tokens.value / f.params.value, 0, 'f', 1)
                                   : QString(),
                      shown("loss_star", f.loss, 'f', 4, true));
    QStringList reasons;
    for (const auto& [key, why] : undetermined)
        if (const QString said = windowWords(why); key != "sparsity_star" && !reasons.contains(said))
            reasons << said;
    for (const QString& why : reasons)
        lines << tr("<b>undetermined</b>: %1").arg(why.toHtmlEscaped());
    // S* on the largest level swept is where the data stops, not where the optimum is known to be: the
    // Fit summary said so below while the answer gave S* 0.984 bare.
    if (p->design.sparsity.levels > 1 && f.sparsity >= p->design.sparsity.max - 1e-9)
        lines << tr("<span style='color:#b35900'>⚠ S* %1 is the largest sparsity swept: a sparser model may "
                    "do better, which these runs cannot say</span>")
                     .arg(f.sparsity, 0, 'f', 3);
    if (std::isfinite(p->computeMultiplier))
        lines << tr("worth %1× the compute of the dense optimum at the same loss")
                     .arg(p->computeMultiplier, 0, 'f', 2);
    if (p->architecture.params > 0) {
        const PlannedConfig& a = p->architecture;
        lines << tr("nearest model: d_model %1, %2 layers, %3 heads, E %4, K %5 (N %6) — about %7 H100-hours "
                    "at an assumed %8 % MFU")
                     .arg(a.arch.d_model)
                     .arg(a.arch.n_layers)
                     .arg(a.heads)
                     .arg(a.arch.experts)
                     .arg(a.arch.active_experts)
                     .arg(a.params, 0, 'g', 3)
                     .arg(gpuHours(a.flops), 0, 'g', 3)
                     .arg(SuggestOptions{}.gpuMfu * 100, 0, 'f', 0);
    }
    if (p->training) {
        const TrainingAdvice& t = *p->training;
        const bool band = std::isfinite(t.lrBand.lo) && std::isfinite(t.lrBand.hi);
        lines << tr("train with: lr %1%2, batch %3 tokens (%4 sequences), warm-up %5 of %6 steps — <i>%7</i>")
                     .arg(t.lr, 0, 'g', 3)
                     .arg(band ? QString(" [%1, %2]").arg(t.lrBand.lo, 0, 'g', 3).arg(t.lrBand.hi, 0, 'g', 3)
                               : QString())
                     .arg(t.batchTokens, 0, 'g', 3)
                     .arg(t.batchSequences)
                     .arg(t.warmupSteps)
                     .arg(t.steps)
                     .arg(windowWords(t.source).toHtmlEscaped());
    }
    if (!p->recommendation.why.empty())
        lines << tr("<i>method: %1</i>").arg(windowWords(p->recommendation.why).toHtmlEscaped());
    // One optimum per method, each named: the surface's marker is this budget's own isoFLOP fit, the answer
    // the frontier's across every budget; where they differ the panel says so (the surface's value lay
    // outside the answer's interval, unlabelled).
    const BudgetAnalysis* swept = snapshot ? snapshot->budget(budget) : nullptr;
    if (swept && std::fabs(std::log(swept->budget / f.budget)) < 1e-9 && f.method != "isoflop" &&
        std::isfinite(swept->optimum.params.value) && std::isfinite(swept->optimum.loss.value) &&
        (std::fabs(std::log(swept->optimum.params.value / f.params.value)) > 0.01 ||
         std::fabs(swept->optimum.loss.value - f.loss.value) > 5e-4))
        lines << tr("this budget's own isoFLOP surface (the Surface tab's marker) puts its optimum at N %1, "
                    "S %2, L %3: a fit of this budget's runs alone, where the %4 frontier answers from every "
                    "budget")
                     .arg(swept->optimum.params.value, 0, 'g', 4)
                     .arg(swept->optimum.sparsity.value, 0, 'g', 4)
                     .arg(swept->optimum.loss.value, 0, 'f', 4)
                     .arg(QString::fromStdString(f.method));
    for (const auto& w : p->warnings)
        lines << tr("<span style='color:#b35900'>⚠ %1</span>").arg(windowWords(w).toHtmlEscaped());
    answer_->setText(lines.join("<br>"));
}

void FitDock::updateStale() {
    if (!shownPlan_) return stale_->hide();
    AnalysisPlan now = *shownPlan_;
    editPlan(now);
    stale_->setVisible(planJson(now).dump() != planJson(*shownPlan_).dump());
}

void FitDock::setAnalysis(std::shared_ptr<const AnalysisSnapshot> s, double budget) {
    shownPlan_ = s ? std::optional<AnalysisPlan>(s->plan) : std::nullopt;
    updateStale();
    table_->setRowCount(0);
    showAnswer(s.get(), budget);
    QStringList lines;
    if (s && s->lawFit) {
        const LawFit& f = *s->lawFit;
        table_->setRowCount(static_cast<int>(f.reported.size()));
        for (int i = 0; i < static_cast<int>(f.reported.size()); ++i) {
            const auto& [name, value] = f.reported[i];
            table_->setItem(i, 0, new QTableWidgetItem(QString::fromStdString(name)));
            table_->setItem(i, 1, new QTableWidgetItem(QString::number(value, 'g', 5)));
            if (f.ci95.count(name)) {
                table_->setItem(i, 2, new QTableWidgetItem(QString::number(f.ci95.at(name).first, 'g', 5)));
                table_->setItem(i, 3, new QTableWidgetItem(QString::number(f.ci95.at(name).second, 'g', 5)));
            }
        }
        lines << tr("<b>%1</b>: %2")
                     .arg(QString::fromStdString(f.law), QString::fromStdString(s->law->formula()));
        lines << tr("objective %1, R² %2, RMSE %3 on %4 runs; %5 starts, %6 s")
                     .arg(f.objective, 0, 'g', 4)
                     .arg(f.metrics.r2, 0, 'f', 4)
                     .arg(f.metrics.rmse, 0, 'g', 3)
                     .arg(f.metrics.n)
                     .arg(f.starts)
                     .arg(f.seconds, 0, 'f', 2);
        const QString solver = tr("solver: %1 after %2 iterations")
                                   .arg(QString::fromStdString(f.termination.type))
                                   .arg(f.termination.iterations);
        // A start that did not converge is said loudly, with Ceres' own words.
        lines << (f.termination.converged
                      ? solver
                      : tr("<b>%1</b> — %2")
                            .arg(solver, QString::fromStdString(f.termination.message).toHtmlEscaped()));
        if (f.heldout)
            lines << tr("held out (%1): R² %2, RMSE %3 on %4 runs")
                         .arg(QString::fromStdString(s->heldOutLabel))
                         .arg(f.heldout->r2, 0, 'f', 4)
                         .arg(f.heldout->rmse, 0, 'g', 3)
                         .arg(f.heldout->n);
        if (f.law == "li")
            lines << tr("<i>Li et al.'s printed τ = 13.7 makes absolute losses implausible; read the preset "
                        "as relative.</i>");
    }
    if (const BudgetAnalysis* a = s ? s->budget(budget) : nullptr) {
        lines << tr("<b>isoFLOP surface at C = %1</b>: degrees %2 (CV MSE %3), Pearson %4, held-out Pearson "
                    "%5 (n=%6)")
                     .arg(a->budget, 0, 'g', 3)
                     .arg(QString::fromStdString(a->degrees.toString()))
                     .arg(a->cvMse, 0, 'g', 3)
                     .arg(a->pearson, 0, 'f', 4)
                     .arg(a->heldout.pearson, 0, 'f', 4)
                     .arg(a->heldout.n);
        if (a->optimum.edge)
            lines << tr("optimum N* %1, N_a* %2, S* %3, L* %4 — <b>at the edge of the data</b>: %5")
                         .arg(a->optimum.params.value, 0, 'g', 3)
                         .arg(a->optimum.activeParams.value, 0, 'g', 3)
                         .arg(a->optimum.sparsity.value, 0, 'f', 3)
                         .arg(a->optimum.loss.value, 0, 'f', 4)
                         .arg(windowWords(a->optimum.edgeWhy).toHtmlEscaped());
        else
            lines << tr("optimum N* %1 [%2, %3], N_a* %4, S* %5 [%6, %7], L* %8")
                         .arg(a->optimum.params.value, 0, 'g', 3)
                         .arg(a->optimum.params.lo, 0, 'g', 3)
                         .arg(a->optimum.params.hi, 0, 'g', 3)
                         .arg(a->optimum.activeParams.value, 0, 'g', 3)
                         .arg(a->optimum.sparsity.value, 0, 'f', 3)
                         .arg(a->optimum.sparsity.lo, 0, 'f', 3)
                         .arg(a->optimum.sparsity.hi, 0, 'f', 3)
                         .arg(a->optimum.loss.value, 0, 'f', 4);
    }
    // A warning the answer above already gives is not given twice.
    const auto inAnswer = [&](const std::string& w) {
        return prediction_ && std::find(prediction_->warnings.begin(), prediction_->warnings.end(), w) !=
                                  prediction_->warnings.end();
    };
    if (s && s->lawFit)
        for (const auto& w : s->lawFit->warnings)
            if (!inAnswer(w))
                lines << tr("<span style='color:#b35900'>⚠ %1</span>").arg(windowWords(w).toHtmlEscaped());
    if (s)
        for (const auto& m : s->messages)
            lines << windowWords(m).toHtmlEscaped();
    metrics_->setText(lines.join("<br>"));
}

} // namespace moescope
