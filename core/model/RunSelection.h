#pragma once
// Which rows of a real sweep the fits use, when a sweep holds more than one row per model:
//   checkpoints  rows sharing a run key (--run-key name,seed) are one run's curve at growing D; the last
//                point (most tokens) is the run's result and the others are kept, excluded, unless
//                --all-checkpoints keeps every point (Chinchilla Approach 1). Each point remembers its curve,
//                so a bootstrap resamples whole curves.
//   best-per     rows sharing the group columns (--best-per size,experts) differ only in what was swept
//                beside them (a learning rate, a seed): the lowest loss is kept, the others are excluded with
//                the reason.
//   mean-per     the same groups, averaged: a new run holds the mean loss, the members are excluded.
// Nothing is dropped: excluded rows stay in the table (and the workspace) with the reason, so a user can
// choose differently later.
#include "core/model/Run.h"

#include <string>
#include <vector>

namespace moescope {

struct RunSelection {
    enum class Per { None, Best, Mean };
    Per per = Per::None;
    std::vector<std::string> groupColumns;
    std::vector<std::string> runKey;
    bool allCheckpoints = false;

    bool empty() const { return per == Per::None && runKey.empty(); }
};

// "a,b , c" -> {"a","b","c"}; false with `error` naming the option when empty or with an empty name.
bool parseColumnList(const std::string& option, const std::string& text, std::vector<std::string>& out,
                     std::string& error);

// Applies the selection to the runs the user has not excluded; false with `error` naming an unknown column.
bool applySelection(RunTable& table, const RunSelection& selection, std::string& error);

// The reasons applySelection writes start with these, so a new choice can undo an old one.
constexpr const char* kNotBestReason = "not the best of its group";
constexpr const char* kAveragedReason = "averaged into its group's mean";
constexpr const char* kCheckpointReason = "checkpoint: not the run's last point";
// Undoes a best-per/mean-per choice: members excluded by it are included again and the mean runs it added
// (marked by `meanOf` non-empty) are removed.
void clearGroupSelection(RunTable& table);

} // namespace moescope

namespace moescope {

// The run group a run belongs to: runs that differ in corpus, vocabulary, context length or tokenizer
// cannot share one fit. A column named `group` says it outright; otherwise it is inferred from vocab, ctx
// and the columns named corpus, dataset or tokenizer ("vocab=32000, ctx=2048, corpus=c4"). Empty when the
// run states none of them.
std::string runGroup(const RunTable& table, const Run& run);

} // namespace moescope
