#include "ui/WheelGuard.h"

#include <QAbstractSpinBox>
#include <QComboBox>
#include <QEvent>
#include <QObject>
#include <QWidget>

namespace moescope {

namespace {

class WheelFilter : public QObject {
public:
    using QObject::QObject;

protected:
    bool eventFilter(QObject* watched, QEvent* event) override {
        if (event->type() != QEvent::Wheel) return false;
        auto* w = qobject_cast<QWidget*>(watched);
        if (!w || w->hasFocus()) return false;
        event->ignore(); // unhandled: it propagates to the parent, the scroll area
        return true;
    }
};

} // namespace

void guardWheel(QWidget* root) {
    auto* filter = new WheelFilter(root);
    auto guard = [filter](QWidget* w) {
        w->setFocusPolicy(Qt::StrongFocus); // not Qt::WheelFocus: the wheel alone never focuses it
        w->installEventFilter(filter);
    };
    for (auto* spin : root->findChildren<QAbstractSpinBox*>())
        guard(spin);
    for (auto* combo : root->findChildren<QComboBox*>())
        guard(combo);
}

} // namespace moescope
