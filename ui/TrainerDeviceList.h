#pragma once
// The trainer dock's device list (#31): asks each trainer build — the one beside this program and a CUDA
// build when there is one (build-cuda/, or $MOESCOPE_TRAIN_CUDA) — what it can train on
// (`moescope-train --devices --json`), without blocking the window, and merges the answers
// (core/jobs/TrainerDevices.h).
#include "core/jobs/TrainerDevices.h"

#include <QObject>
#include <QStringList>

#include <vector>

namespace moescope {

class TrainerDeviceList : public QObject {
    Q_OBJECT
public:
    explicit TrainerDeviceList(QObject* parent = nullptr);
    // The CUDA trainer build: $MOESCOPE_TRAIN_CUDA, else the one `make` builds in build-cuda/ beside this
    // build, else an installed moescope-train-cuda next to this program; empty when there is none.
    static QString cudaTrainerPath();
    // Asks the trainers again; listed() follows once all have answered (or failed, which is logged).
    void refresh();
    const std::vector<TrainerDevice>& devices() const { return devices_; }
    // The trainer that trains runs on `device` (its id, "auto" or "cuda").
    QString trainerFor(const QString& device) const;
    const TrainerDevice* find(const QString& id) const;

signals:
    void listed();
    void problem(const QString& message);

private:
    std::vector<TrainerDevice> devices_;
    std::vector<std::vector<TrainerDevice>> answers_;
    int pending_ = 0, generation_ = 0;
};

} // namespace moescope
