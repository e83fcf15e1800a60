#pragma once
// Data parallelism across processes with PyTorch's own engine (c10d): a TCPStore rendezvous, then Gloo on
// CPU or NCCL on CUDA. Each rank trains on its rows of every global batch; gradients are averaged with
// bucketed all-reduces after backward. Expert parameters a rank's tokens never reached have no gradient
// there, so per-parameter hooks would leave buckets unfinished: the buckets go out together once backward is
// done, and the all-reduces overlap one another rather than the backward pass.
#include <torch/torch.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace moescope::trainer {

// Where this process sits in a job: RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT (torchrun,
// `moescope-train --nproc`), else SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID; one process when none is set.
struct DistEnv {
    int rank = 0, world = 1, localRank = 0;
    std::string masterAddr = "127.0.0.1";
    int masterPort = 29500;
    // WORLD_SIZE was set: a launcher started this process, which joins the group even as its only rank
    // where the build has the device's engine (WORLD_SIZE=1 exercises the NCCL or Gloo path on one device).
    bool launched = false;
};
// Throws OptionError naming the variable that is malformed or inconsistent.
DistEnv distEnvFromEnvironment();

class DataParallel {
public:
    // Joins the group (waits up to `timeout` for every rank); std::runtime_error saying which step failed.
    DataParallel(const DistEnv& env, const torch::Device& device, std::chrono::milliseconds timeout);
    ~DataParallel();
    // Whether this build has the collectives' engine for `device`: NCCL on CUDA, Gloo on CPU.
    static bool builtFor(const torch::Device& device);
    int rank() const { return env_.rank; }
    int world() const { return env_.world; }
    // "nccl" or "gloo": the collectives' engine.
    std::string backend() const;
    // Rank 0's values into every rank's tensors (the initial weights).
    void broadcast(const std::vector<torch::Tensor>& tensors);
    // Every parameter's gradient replaced by the mean over ranks (a missing gradient counts as zeros).
    void averageGradients(const std::vector<torch::Tensor>& parameters);
    // The element-wise sum over ranks, in place.
    void sum(torch::Tensor& t);

private:
    struct Group;
    DistEnv env_;
    std::unique_ptr<Group> group_;
};

// `moescope-train --nproc N`: runs N local ranks of this program with `args` (rendezvous on a free local
// port) and waits; when a rank fails the others are stopped and the failure is reported. Returns the exit
// code (rank 0's when all succeed).
int launchLocalRanks(int nproc, const std::vector<std::string>& args);

} // namespace moescope::trainer
