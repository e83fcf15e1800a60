#include "trainer/TrainerOptions.h"

#include "core/io/CsvWriter.h"
#include "core/io/Json.h"
#include "core/io/PathNames.h"
#include "core/model/NumberParser.h"
#include "trainer/Schedule.h"
#include "trainer/TorchVersion.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <limits>
#include <map>
#include <sys/stat.h>
#include <thread>

namespace moescope::trainer {

namespace {
bool exists(const std::string& path) {
    struct stat st {};
    return !path.empty() && ::stat(path.c_str(), &st) == 0;
}

double number(const std::string& option, const std::string& text) {
    double v = 0;
    std::string reason;
    if (!parseNumber(text, v, &reason)) throw OptionError("option --" + option + ": " + reason);
    return v;
}

// A whole number in [min, max]; the default max is what an int holds, so no option can wrap.
long long whole(const std::string& option, const std::string& text, long long min,
                long long max = std::numeric_limits<int>::max()) {
    const double v = number(option, text);
    if (v != std::floor(v) || v < static_cast<double>(min) || v > static_cast<double>(max))
        throw OptionError("option --" + option + ": expected a whole number from " + std::to_string(min) +
                          " to " + std::to_string(max) + ", got '" + text + "'");
    return static_cast<long long>(v);
}

// Loss weights and decay: zero switches a term off, a negative weight would reward what it penalises.
double nonNegative(const std::string& option, const std::string& text) {
    const double v = number(option, text);
    if (v < 0) throw OptionError("option --" + option + ": must be ≥ 0, got '" + text + "'");
    return v;
}

constexpr long long kMaxCount = 1LL << 53; // steps and seeds: exact in a double

// The WSD options belong together: a cooldown's fraction, kept branch points and a branch mean nothing on a
// cosine schedule, and a branch must start exactly where its own stable phase ends.
void validateSchedule(const TrainerOptions& o) {
    const bool wsd = o.schedule == "wsd";
    for (const char* option : {"decay-frac", "decay-shape", "keep-at", "branch-from", "branch-at"}) {
        const std::string name = option;
        const bool given = name == "decay-frac"    ? o.decayFrac != 0.2
                           : name == "decay-shape" ? o.decayShape != "sqrt"
                           : name == "keep-at"     ? !o.keepAt.empty()
                           : name == "branch-from" ? !o.branchFrom.empty()
                                                   : o.branchAt != 0;
        if (given && !wsd) throw OptionError("option --" + name + ": applies to --schedule wsd only");
    }
    if (!wsd || o.bench) return;
    const long long total = o.plannedSteps(), start = decayStart(o, total);
    for (long long s : o.keepAt)
        if (s >= start)
            throw OptionError("option --keep-at: step " + std::to_string(s) +
                              " is not in the stable phase (" + "the cooldown starts at step " +
                              std::to_string(start) + " of " + std::to_string(total) +
                              "); a branch point must come before it");
    if (o.branchFrom.empty() != (o.branchAt == 0))
        throw OptionError(o.branchFrom.empty() ? "option --branch-at: needs --branch-from PARENT_OUT"
                                               : "option --branch-from: needs --branch-at STEP");
    if (o.branchFrom.empty()) return;
    if (o.branchAt != start)
        throw OptionError("option --branch-at: this run's cooldown starts at step " + std::to_string(start) +
                          " (" + std::to_string(total) + " steps, --decay-frac " + formatNumber(o.decayFrac) +
                          "), so it branches there, not at step " + std::to_string(o.branchAt));
    if (!exists(branchPointPath(o.branchFrom, o.branchAt)))
        throw OptionError("option --branch-from: '" + o.branchFrom + "' keeps no checkpoint at step " +
                          std::to_string(o.branchAt) + " (" + branchPointPath(o.branchFrom, o.branchAt) +
                          "); train the parent with --keep-at " + std::to_string(o.branchAt));
}
} // namespace

std::string defaultCorpus() {
    if (const char* dir = std::getenv("MOESCOPE_CORPUS_DIR")) return std::string(dir) + "/brown.txt";
    const char* cache = std::getenv("XDG_CACHE_HOME");
    const char* home = std::getenv("HOME");
    const std::string base = cache ? cache : std::string(home ? home : ".") + "/.cache";
    return base + "/moescope/corpus/brown.txt";
}

Architecture TrainerOptions::architecture() const {
    Architecture a;
    a.d_model = dModel;
    a.n_layers = layers;
    a.experts = experts;
    a.active_experts = active;
    a.granularity = granularity;
    a.ctx = ctx;
    a.vocab = vocab;
    return a;
}

long long TrainerOptions::plannedSteps() const {
    if (steps > 0) return steps;
    const double d = tokens > 0 ? tokens : budget / flopsPerToken6Na(architecture());
    return static_cast<long long>(std::llround(d / static_cast<double>(tokensPerStep())));
}

std::string resumeSignature(const TrainerOptions& o) {
    Json j = Json::object();
    j.set("d-model", o.dModel);
    j.set("layers", o.layers);
    j.set("heads", o.heads);
    j.set("experts", o.experts);
    j.set("active", o.active);
    j.set("granularity", o.granularity);
    j.set("ctx", o.ctx);
    j.set("vocab", o.vocab);
    // Sequences per step, not its split into micro-batches: the out-of-memory advice is to resume with a
    // smaller --batch and a larger --grad-accum, which trains the same steps on the same data.
    // Ranks split the step's sequences between them, so a run resumes with any number of ranks that
    // keeps batch × grad-accum × world.
    j.set("batch", o.batch * o.gradAccum * o.world);
    j.set("lr", o.lr);
    j.set("warmup", o.warmup);
    j.set("warmup-steps", static_cast<double>(warmupSteps(o, o.plannedSteps())));
    j.set("schedule", o.schedule);
    if (o.schedule == "wsd") {
        j.set("decay-frac", o.decayFrac);
        j.set("decay-shape", o.decayShape);
    }
    j.set("lb", o.lb);
    j.set("z", o.z);
    j.set("wd", o.wd);
    j.set("seed", static_cast<double>(o.seed));
    j.set("val-frac", o.valFrac);
    j.set("steps", static_cast<double>(o.plannedSteps()));
    j.set("data", o.data.empty() ? defaultCorpus() : o.data);
    j.set("tokenizer", o.tokenizer);
    return j.dump();
}

std::string branchSignature(const TrainerOptions& o) {
    Json full, shared = Json::object();
    std::string error;
    Json::parse(resumeSignature(o), full, error);
    for (const auto& [option, value] : full.members())
        if (option != "steps" && option != "warmup" && option != "decay-frac" && option != "decay-shape")
            shared.set(option, value);
    return shared.dump();
}

std::string branchPointPath(const std::string& outDir, long long step) {
    return outDir + "/branch-points/step-" + std::to_string(step) + ".pt";
}

TrainerOptions parseTrainerOptions(const std::vector<std::string>& args) {
    TrainerOptions o;
    using Setter = std::function<void(const std::string&)>;
    const std::map<std::string, Setter> valued = {
        {"d-model", [&](const std::string& v) { o.dModel = static_cast<int>(whole("d-model", v, 1)); }},
        {"layers", [&](const std::string& v) { o.layers = static_cast<int>(whole("layers", v, 1)); }},
        {"heads", [&](const std::string& v) { o.heads = static_cast<int>(whole("heads", v, 1)); }},
        {"experts", [&](const std::string& v) { o.experts = static_cast<int>(whole("experts", v, 1)); }},
        {"active", [&](const std::string& v) { o.active = static_cast<int>(whole("active", v, 1)); }},
        {"granularity", [&](const std::string& v) { o.granularity = number("granularity", v); }},
        {"ctx", [&](const std::string& v) { o.ctx = static_cast<int>(whole("ctx", v, 2)); }},
        {"vocab", [&](const std::string& v) { o.vocab = static_cast<int>(whole("vocab", v, 2)); }},
        {"batch", [&](const std::string& v) { o.batch = static_cast<int>(whole("batch", v, 1)); }},
        {"grad-accum",
         [&](const std::string& v) { o.gradAccum = static_cast<int>(whole("grad-accum", v, 1)); }},
        {"steps", [&](const std::string& v) { o.steps = whole("steps", v, 1, kMaxCount); }},
        {"tokens", [&](const std::string& v) { o.tokens = number("tokens", v); }},
        {"budget", [&](const std::string& v) { o.budget = number("budget", v); }},
        {"lr", [&](const std::string& v) { o.lr = number("lr", v); }},
        {"warmup", [&](const std::string& v) { o.warmup = static_cast<int>(whole("warmup", v, 0)); }},
        {"schedule",
         [&](const std::string& v) {
             if (v != "cosine" && v != "wsd")
                 throw OptionError("option --schedule: expected cosine or wsd, got '" + v + "'");
             o.schedule = v;
         }},
        {"decay-frac",
         [&](const std::string& v) {
             o.decayFrac = number("decay-frac", v);
             if (!(o.decayFrac > 0 && o.decayFrac <= 1))
                 throw OptionError(
                     "option --decay-frac: the cooldown's share of the steps, in (0, 1]; got '" + v + "'");
         }},
        {"decay-shape",
         [&](const std::string& v) {
             if (v != "linear" && v != "cosine" && v != "sqrt")
                 throw OptionError("option --decay-shape: expected linear, cosine or sqrt, got '" + v + "'");
             o.decayShape = v;
         }},
        {"keep-at",
         [&](const std::string& v) {
             o.keepAt.clear();
             size_t from = 0;
             while (from <= v.size()) {
                 const size_t comma = std::min(v.find(',', from), v.size());
                 o.keepAt.push_back(whole("keep-at", v.substr(from, comma - from), 1, kMaxCount));
                 if (o.keepAt.size() > 1000) throw OptionError("option --keep-at: more than 1000 steps");
                 from = comma + 1;
             }
         }},
        {"branch-from", [&](const std::string& v) { o.branchFrom = v; }},
        {"branch-at", [&](const std::string& v) { o.branchAt = whole("branch-at", v, 1, kMaxCount); }},
        {"lb", [&](const std::string& v) { o.lb = nonNegative("lb", v); }},
        {"z", [&](const std::string& v) { o.z = nonNegative("z", v); }},
        {"wd", [&](const std::string& v) { o.wd = nonNegative("wd", v); }},
        {"seed",
         [&](const std::string& v) {
             o.seed = static_cast<unsigned long long>(whole("seed", v, 0, kMaxCount));
         }},
        {"data", [&](const std::string& v) { o.data = v; }},
        {"tokenizer", [&](const std::string& v) { o.tokenizer = v; }},
        {"val-frac", [&](const std::string& v) { o.valFrac = number("val-frac", v); }},
        {"eval-every",
         [&](const std::string& v) { o.evalEvery = static_cast<int>(whole("eval-every", v, 1)); }},
        {"eval-batches",
         [&](const std::string& v) { o.evalBatches = static_cast<int>(whole("eval-batches", v, 1)); }},
        {"checkpoint-every",
         [&](const std::string& v) { o.checkpointEvery = whole("checkpoint-every", v, 0, kMaxCount); }},
        {"stop-at", [&](const std::string& v) { o.stopAt = whole("stop-at", v, 1, kMaxCount); }},
        {"device", [&](const std::string& v) { o.device = v; }},
        {"dtype", [&](const std::string& v) { o.dtype = v; }},
        {"experts-gemm",
         [&](const std::string& v) {
             if (v != "auto" && v != "grouped" && v != "loop")
                 throw OptionError("option --experts-gemm: expected auto, grouped or loop, got '" + v + "'");
             if (v == "grouped" && !MOESCOPE_TORCH_AT_LEAST(2, 8))
                 throw OptionError("option --experts-gemm: grouped needs LibTorch 2.8 or newer "
                                   "(at::_grouped_mm); this build has " TORCH_VERSION);
             o.expertsGemm = v;
         }},
        {"adamw",
         [&](const std::string& v) {
             if (v != "auto" && v != "fused" && v != "loop")
                 throw OptionError("option --adamw: expected auto, fused or loop, got '" + v + "'");
             o.adamw = v;
         }},
        {"loss",
         [&](const std::string& v) {
             if (v != "auto" && v != "full" && v != "chunked")
                 throw OptionError("option --loss: expected auto, full or chunked, got '" + v + "'");
             o.loss = v;
         }},
        {"norm",
         [&](const std::string& v) {
             if (v != "auto" && v != "fused" && v != "plain")
                 throw OptionError("option --norm: expected auto, fused or plain, got '" + v + "'");
             if (v == "fused" && !MOESCOPE_TORCH_AT_LEAST(2, 4))
                 throw OptionError(
                     "option --norm: fused needs LibTorch 2.4 or newer (at::rms_norm); this build "
                     "has " TORCH_VERSION);
             o.norm = v;
         }},
        {"out", [&](const std::string& v) { o.out = v; }},
        {"name",
         [&](const std::string& v) {
             std::string error;
             if (!checkPathName(v, "option --name", error)) throw OptionError(error);
             o.name = v;
         }},
        {"bench-steps",
         [&](const std::string& v) { o.benchSteps = static_cast<int>(whole("bench-steps", v, 1)); }},
        {"bench-trace", [&](const std::string& v) { o.benchTrace = v; }},
        // No more threads than the machine has cores: --threads 100000 would spawn them all.
        {"threads",
         [&](const std::string& v) {
             const long long cores = std::max(1u, std::thread::hardware_concurrency());
             o.threads = static_cast<int>(whole("threads", v, 0, cores));
         }},
        {"nproc", [&](const std::string& v) { o.nproc = static_cast<int>(whole("nproc", v, 1, 256)); }},
        {"dist-timeout",
         [&](const std::string& v) {
             o.distTimeout = number("dist-timeout", v);
             if (!(o.distTimeout > 0)) throw OptionError("option --dist-timeout: must be positive seconds");
         }},
    };
    int lengthOptions = 0;
    for (size_t i = 0; i < args.size(); ++i) {
        std::string a = args[i];
        if (a.rfind("--", 0) != 0) throw OptionError("unexpected argument '" + a + "'");
        a = a.substr(2);
        std::string value;
        bool inlineValue = false;
        if (const auto eq = a.find('='); eq != std::string::npos)
            value = a.substr(eq + 1), a = a.substr(0, eq), inlineValue = true;
        if (a == "resume") {
            o.resume = true;
            continue;
        }
        if (a == "bench") {
            o.bench = true;
            continue;
        }
        if (a == "help") throw OptionError("help");
        const auto it = valued.find(a);
        if (it == valued.end()) throw OptionError("unknown option --" + a);
        if (!inlineValue) {
            if (i + 1 >= args.size()) throw OptionError("option --" + a + " needs a value");
            value = args[++i];
        }
        lengthOptions += a == "steps" || a == "tokens" || a == "budget";
        it->second(value);
    }
    if (lengthOptions > 1)
        throw OptionError("options --steps, --tokens and --budget exclude each other: give one");
    return o;
}

void validate(const TrainerOptions& o) {
    if (o.active > o.experts)
        throw OptionError("option --active: K = " + std::to_string(o.active) +
                          " exceeds --experts E = " + std::to_string(o.experts));
    if (o.dModel % o.heads != 0)
        throw OptionError("option --heads: d_model " + std::to_string(o.dModel) + " is not divisible by " +
                          std::to_string(o.heads) + " heads");
    if ((o.dModel / o.heads) % 2 != 0)
        throw OptionError("option --heads: the head size d_model/heads must be even for RoPE");
    if (o.granularity <= 0) throw OptionError("option --granularity: must be positive");
    const double hidden = 4.0 * o.dModel / o.granularity;
    if (hidden < 1 || hidden != std::floor(hidden))
        throw OptionError("option --granularity: expert hidden size 4·d/G = " + std::to_string(hidden) +
                          " is not a whole number");
    if (o.valFrac <= 0 || o.valFrac >= 0.5) throw OptionError("option --val-frac: must lie in (0, 0.5)");
    if (o.lr <= 0) throw OptionError("option --lr: must be positive");
    if (o.tokens < 0 || o.budget < 0)
        throw OptionError(o.tokens < 0 ? "option --tokens: must be positive"
                                       : "option --budget: must be positive");
    if (o.device != "auto" && o.device != "cpu" && o.device.rfind("cuda", 0) != 0)
        throw OptionError("option --device: expected auto, cpu or cuda[:i], got '" + o.device + "'");
    if (o.dtype != "auto" && o.dtype != "fp32" && o.dtype != "bf16")
        throw OptionError("option --dtype: expected auto, fp32 or bf16, got '" + o.dtype + "'");
    validateSchedule(o);
    if (!o.bench) {
        if (o.steps == 0 && o.tokens == 0 && o.budget == 0)
            throw OptionError("the run needs a length: give --steps, --tokens or --budget");
        if (o.plannedSteps() < 1) {
            const std::string which = o.budget > 0 ? "--budget" : "--tokens";
            throw OptionError("option " + which + ": too small for one step (one step is " +
                              std::to_string(o.tokensPerStep()) + " tokens = " +
                              std::to_string(flopsPerToken6Na(o.architecture()) * o.tokensPerStep()) +
                              " FLOPs by 6·N_a·D)");
        }
        const std::string data = o.data.empty() ? defaultCorpus() : o.data;
        if (!exists(data))
            throw OptionError(o.data.empty() ? "option --data: not given, and the default corpus " + data +
                                                   " is missing (run `make setup` to fetch it)"
                                             : "option --data: '" + data + "' does not exist");
        if (!o.tokenizer.empty() && !exists(o.tokenizer))
            throw OptionError("option --tokenizer: '" + o.tokenizer + "' does not exist");
    }
}

std::string trainerUsage() {
    return R"(usage: moescope-train [options]       (JSON Lines events on stdout)
architecture: --d-model 256 --layers 4 --heads 4 --experts 8 --active 1 --granularity 1 --ctx 256 --vocab 256
length:       --steps N | --tokens D | --budget FLOPS    (D = C / (6·N_a))
batching:     --batch 16 --grad-accum 1
optimiser:    --lr 3e-3 --warmup STEPS --wd 1e-5 --lb 0.01 --z 0.001 --seed 1
schedule:     --schedule cosine|wsd   (wsd: warm-up, stable, cooldown to 0 over the last --decay-frac 0.2
              of the steps, --decay-shape sqrt|linear|cosine)
              --keep-at S1,S2   keep stable-phase checkpoints for cooldown branches
              --branch-from PARENT_OUT --branch-at STEP   train only the cooldown from the parent's step
data:         --data PATH (text file/folder, .bin uint16 tokens) [--tokenizer SP.model] --val-frac 0.05
eval:         --eval-every 100 --eval-batches 8
run:          --device auto|cpu|cuda[:i] --dtype auto|fp32|bf16 --out DIR --name NAME --resume
              --experts-gemm auto|grouped|loop   --adamw auto|fused|loop (fused: CUDA, LibTorch >= 2.4)
              --loss auto|full|chunked   (chunked: the cross-entropy a block of rows at a time, never the
              full logits; auto: chunked on CUDA)   --norm auto|fused|plain (fused: at::rms_norm,
              LibTorch >= 2.4; auto: fused on CUDA)
              --checkpoint-every N --stop-at STEP --threads N
data parallel: --nproc N   N local ranks (Gloo on CPU, NCCL on CUDA); --batch is per rank
              --dist-timeout 300   seconds a rank waits for the others
              under torchrun or srun: RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT
              (or SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID) are honoured
benchmark:    --bench [--bench-steps 10]   tokens/s, TFLOP/s by Eq. 9, MFU
              --bench-trace FILE   then two more steps under LibTorch's profiler, as a Chrome trace
devices:      --devices [--json]   what this build can train on: cpu, each cuda:i with name, memory, peak
)";
}

} // namespace moescope::trainer
