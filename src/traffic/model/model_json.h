// Internal: a structural check of an XGBoost (1.7) JSON tree model, run before the bytes reach
// XGBoost. XGBoost's loader trusts the structure: a file that is valid JSON but inconsistent
// (tree_info shorter than num_trees, a child index out of range, a cycle) crashes or hangs the
// process instead of failing. A corrupted or hand-edited model must be a Status, so we check
// what XGBoost would index with before it does.
#pragma once

#include <string_view>

#include "traffic/core/status.h"

namespace traffic::model::internal {

// OK if `json` is a gbtree model whose counts, array lengths, indices and tree shapes are
// consistent (numerical splits only). Otherwise kCorrupt naming the first problem, e.g.
// "tree 3: left_children has 5 entries, num_nodes is 7".
core::Status ValidateModelJson(std::string_view json);

}  // namespace traffic::model::internal
