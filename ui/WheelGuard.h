#pragma once
// Scrolling a dock must not change its settings: a spin box or combo box under the pointer took the wheel
// (Bootstrap 20 → 21, the fit marked stale). Guarded, such a widget takes the wheel only once it has focus
// (a click or Tab gives it); otherwise the wheel goes on to the scroll area around it.
class QWidget;

namespace moescope {

// Guards every spin box and combo box below `root` that exists now.
void guardWheel(QWidget* root);

} // namespace moescope
