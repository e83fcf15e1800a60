// Writes the bundled sample sweep: synthetic isoFLOP runs of concrete MoE architectures, losses drawn from
// Abnar et al.'s published law (Table 3) plus noise. See datasets/sample_sweep.md.
#include "core/fit/SyntheticSweep.h"
#include "core/io/AtomicFile.h"
#include "core/io/CsvWriter.h"

#include <cstdio>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s OUT.csv\n", argv[0]);
        return 2;
    }
    moescope::SyntheticSweepSpec spec;
    spec.budgets = {1e18, 3e18, 1e19, 3e19, 1e20};
    spec.noise = 0.005;
    spec.seed = 2025;
    std::string error;
    if (!moescope::writeFileAtomically(argv[1], moescope::runTableToCsv(moescope::makeSyntheticSweep(spec)),
                                       error)) {
        std::fprintf(stderr, "%s\n", error.c_str());
        return 1;
    }
    return 0;
}
