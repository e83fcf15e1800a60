// moescope-cli: the headless face of MoEScope (ARCHITECTURE.md §5).
#include "app/cli/CliArgs.h"
#include "app/cli/Commands.h"
#include "app/cli/EscapingStreambuf.h"

#include <exception>
#include <iostream>
#include <map>
#include <string>

namespace {
const char* kUsage = R"usage(usage: moescope-cli COMMAND [options]
  import FILE [--map FIELD=COLUMN]... [--where EXPR] [--skip-invalid] [--workspace W.moescope] [--json]
           FILE: CSV (any delimiter), JSON Lines or a JSON array of objects (nested keys become a.b)
           [--set NAME=VALUE]... [--lookup COLUMN:TABLE.csv]... [--derive NAME=EXPR]...   (new columns; a
            NAME that is a field feeds it: --derive 'loss=ln(`eval/ppl`)' --set vocab=50304)
           [--best-per COLS | --mean-per COLS]   (one run per group: lowest loss or mean; others kept, excluded)
           [--run-key COLS [--all-checkpoints]]   (rows of one run are its curve; its last point counts)
           (fit, optimum, suggest and render read sweep files with the same options)
  flops --d-model D --layers L [--experts E] [--active K] [--granularity G] [--ctx 2048] [--vocab 50432] [--json]
  fit FILE --law auto|chinchilla|abnar|li|clark|ludziejewski [--where EXPR] [--holdout auto|none|EXPR | --train EXPR]
           [--group auto|all|NAME]   (one run group per fit: runs of another vocab, ctx or corpus stay out)
           [--exclude-outliers Z]   (leave out runs whose robust leave-one-out z exceeds Z; flagged at 3.5)
           [--starts fast|full|N] [--bootstrap K] [--seed S] [--huber-delta D] [--map ...] [--json]
  fit FILE --law isoflop [--where EXPR] [--budget C] [--degrees A,B,C] [--bootstrap K] [--leave-one-sparsity-out]
           [--json]
           EXPR: a filter over the runs' columns, e.g. "router_type=='S-Base' or sparsity in (0, 0.5)", with
           == != < <= > >= and or not in (...), + - * / ^, ln log10 exp sqrt min max, `odd column names`
           (defaults, shared with the window: --holdout auto = the largest of 3+ sparsity levels, --starts fast,
            --bootstrap 100 for a law and for isoFLOP surfaces, --seed 42, --huber-delta 1e-3)
  optimum (FILE --law LAW|isoflop | --preset LAW|epoch) --budget C [--max-params N] [--max-sparsity S] [--experts E]
           [--aspect 128] [--vocab 32000] [--ctx 2048] [--granularity 1] [--active 1] [--json]
  predict FILE --budget C [--sparsity S] [--law auto|isoflop|LAW] [--max-params N] [--loss-floor E] [--json]
           [--optima]   (FILE is a table of optima: one row per budget with its loss, and N* where known)
           (the optimum at any budget, with 95 % intervals; auto: the method a backtest on the smaller
            budgets recommends; warns how far it extrapolates and why to doubt it)
  backtest FILE [--train EXPR] [--laws all|isoflop,abnar,...] [--tolerance 0.01] [--n-tolerance 0.3] [--loss-floor E]
           [--json]
           (fit on the runs EXPR selects, default all but the largest budget; compare the predicted L*, N* with
            each held-out budget's own isoFLOP optimum and every law's held-out runs)
  suggest FILE --budget C [--count 4] [--bootstrap 100] [--json]   (runs that most narrow the optimum)
           [--slurm SCRIPT --shared-dir DIR [--trainer PATH] [--train-args '...'] [--gpus-per-task N]]
           (N > 1: each run one task of N GPUs, trained data-parallel by moescope-train --nproc N)
  plan-sweep --budgets C1,C2,... [--sparsities 0,0.75] [--sizes 5] [--spread 0.7] [--around FILE | --preset LAW]
           [--vocab 256] [--ctx 128] [--aspect 32] [--granularity 1] [--active 1] [--batch 16] [--min-steps 100]
           [--device cpu|cuda] [--flops-per-second F] [--out PLAN.json] [--json]
           [--queue W.moescope [--group NAME]]   (the window's trainer dock picks the runs up, as group NAME)
           [--slurm SCRIPT --shared-dir DIR [--trainer PATH] [--train-args '...'] [--gpus-per-task N]]
           [--law auto|isoflop|LAW]   (with --around: the method to centre on; auto: the one a backtest picks)
           [--batch law] [--hparams steplaw|deepseek|FILE]   (each run's rate, batch from a learning-rate law)
           [--lr-ladder K [--ladder-factor 3]]   (K rates per size of the smallest budget; the others follow)
           [--wsd [--decay-frac 0.2]]   (one stable run per size, each smaller budget a cooldown branch of it)
           (an isoFLOP calibration sweep: sizes spread in log N around the predicted optimum, each spending C)
  run-sweep PLAN.json --out DIR [--data PATH] [--device D] [--threads N] [--train-args '...'] [--group NAME]
           [--stop-after K] [--trainer PATH] [--json]   (trains the plan one run at a time; run it again to
            continue a stopped sweep: finished runs are kept; results in DIR/runs.csv, one group)
  run-sweep PLAN.json --out DIR --lease-jobs JOBS.json [--train-args '...'] [--group NAME] [--json]
           (the runs that can train now on a lent machine: scripts/sweep_lease.py trains them there and packs
            the results, `sweep_lease.py collect PACK --into DIR` unpacks them here)
  hparams FILE [--lr-column NAME] [--bootstrap 1000] [--json]   (each (N_a, D) cell's optimum lr and batch,
           and the laws lr*(N_a, D), batch*(D) across cells with 95 % intervals)
  hparams --preset steplaw|deepseek --active N_a --tokens D [--ctx 2048] [--json]   (a published law)
  import-results DIR [--workspace W.moescope] [--json]   (every runs.csv the trainer wrote under DIR)
  render FILE --view surface|slices|budgets|law|allocation|validate [--budget C] --out F.png|.svg|.pdf [--size 1200x800]
           [--dpi 96] [--camera perspective|top|front|side] [--over total|active]   (surface only; needs an X server: xvfb-run -a on a headless machine)
  tokenize CORPUS --out DIR [--vocab 4096 | --model SP.model] [--json]   (SentencePiece -> DIR/tokens.bin)
exit codes: 0 success, 1 unreadable input or internal failure, 2 invalid input or options
)usage";

// The usage block's lines for one command: its own lines and their indented continuations.
std::string commandUsage(const std::string& command) {
    std::string out = "usage: moescope-cli\n", line;
    bool mine = false;
    for (const char* p = kUsage; *p; ++p) {
        if (*p != '\n') {
            line += *p;
            continue;
        }
        if (line.rfind("  ", 0) == 0 && line.size() > 2 && line[2] != ' ')
            mine = line.compare(2, command.size() + 1, command + " ") == 0;
        if (mine || line.rfind("exit codes", 0) == 0) out += line + "\n";
        line.clear();
    }
    return out;
}

} // namespace

int main(int argc, char** argv) {
    using namespace moescope::cli;
    EscapingStreambuf escaped(std::cerr.rdbuf());
    std::ostream err(&escaped);
    const std::map<std::string, int (*)(const Args&, std::ostream&, std::ostream&)> commands = {
        {"import", importCommand},
        {"flops", flopsCommand},
        {"fit", fitCommand},
        {"tokenize", tokenizeCommand},
        {"optimum", optimumCommand},
        {"render", renderCommand},
        {"suggest", suggestCommand},
        {"import-results", importResultsCommand},
        {"predict", predictCommand},
        {"backtest", backtestCommand},
        {"plan-sweep", planSweepCommand},
        {"run-sweep", runSweepCommand},
        {"hparams", hparamsCommand}};
    if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
        err << kUsage;
        return argc < 2 ? 2 : 0;
    }
    const auto it = commands.find(argv[1]);
    if (it == commands.end()) {
        err << "moescope-cli: unknown command '" << argv[1] << "'\n" << kUsage;
        return 2;
    }
    for (int i = 2; i < argc; ++i)
        if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") {
            std::cout << commandUsage(argv[1]);
            return 0;
        }
    try {
        return it->second(Args(argv + 2, argv + argc), std::cout, err);
    } catch (const UsageError& e) {
        err << "moescope-cli " << argv[1] << ": " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        err << "moescope-cli " << argv[1] << ": internal error: " << e.what() << "\n";
        return 1;
    }
}
