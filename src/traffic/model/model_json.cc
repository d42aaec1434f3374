#include "traffic/model/model_json.h"

#include <charconv>
#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <simdjson.h>

namespace traffic::model::internal {
namespace {

using core::Result;
using core::Status;
using simdjson::dom::array;
using simdjson::dom::element;

Status Bad(std::string m) { return Status::Corrupt("model JSON: " + std::move(m)); }

Result<element> Field(element parent, std::string_view key, std::string_view where) {
  element e;
  if (parent[key].get(e) != simdjson::SUCCESS) {
    return Bad(fmt::format("{} has no '{}'", where, key));
  }
  return e;
}

// The field, checked to be an object.
Result<element> ObjectField(element parent, std::string_view key, std::string_view where) {
  TRAFFIC_ASSIGN_OR_RETURN(element e, Field(parent, key, where));
  if (!e.is_object()) return Bad(fmt::format("{}.{} is not an object", where, key));
  return e;
}

Result<array> ArrayField(element parent, std::string_view key, std::string_view where) {
  TRAFFIC_ASSIGN_OR_RETURN(element e, Field(parent, key, where));
  array a;
  if (e.get(a) != simdjson::SUCCESS) return Bad(fmt::format("{}.{} is not an array", where, key));
  return a;
}

// XGBoost writes its parameters as strings holding integers: "num_trees": "15".
Result<std::int64_t> IntParam(element parent, std::string_view key, std::string_view where) {
  TRAFFIC_ASSIGN_OR_RETURN(element e, Field(parent, key, where));
  std::string_view s;
  if (e.get(s) != simdjson::SUCCESS) return Bad(fmt::format("{}.{} is not a string", where, key));
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 0) {
    return Bad(fmt::format("{}.{} is '{}', not a count", where, key, s));
  }
  return v;
}

Result<std::vector<std::int64_t>> IntArray(element tree, std::string_view key, std::size_t size,
                                           std::string_view where) {
  TRAFFIC_ASSIGN_OR_RETURN(array a, ArrayField(tree, key, where));
  if (a.size() != size) {
    return Bad(fmt::format("{}: {} has {} entries, num_nodes is {}", where, key, a.size(), size));
  }
  std::vector<std::int64_t> out;
  out.reserve(size);
  for (element e : a) {
    std::int64_t v = 0;
    if (e.get(v) != simdjson::SUCCESS) return Bad(fmt::format("{}: {} holds a non-integer", where, key));
    out.push_back(v);
  }
  return out;
}

Status NumberArray(element tree, std::string_view key, std::size_t size, std::string_view where) {
  TRAFFIC_ASSIGN_OR_RETURN(array a, ArrayField(tree, key, where));
  if (a.size() != size) {
    return Bad(fmt::format("{}: {} has {} entries, num_nodes is {}", where, key, a.size(), size));
  }
  for (element e : a) {
    double v = 0;
    if (e.get(v) != simdjson::SUCCESS) return Bad(fmt::format("{}: {} holds a non-number", where, key));
  }
  return Status::Ok();
}

Status ValidateTree(element tree, std::size_t index, std::int64_t num_feature) {
  const std::string where = fmt::format("tree {}", index);
  TRAFFIC_ASSIGN_OR_RETURN(element param, ObjectField(tree, "tree_param", where));
  TRAFFIC_ASSIGN_OR_RETURN(std::int64_t n, IntParam(param, "num_nodes", where));
  if (n < 1) return Bad(where + ": num_nodes is 0");
  const auto size = static_cast<std::size_t>(n);
  std::int64_t id = 0;
  if (tree["id"].get(id) != simdjson::SUCCESS || id != static_cast<std::int64_t>(index)) {
    return Bad(where + ": 'id' is missing or not its position");
  }
  TRAFFIC_ASSIGN_OR_RETURN(auto left, IntArray(tree, "left_children", size, where));
  TRAFFIC_ASSIGN_OR_RETURN(auto right, IntArray(tree, "right_children", size, where));
  TRAFFIC_ASSIGN_OR_RETURN(auto parents, IntArray(tree, "parents", size, where));
  TRAFFIC_ASSIGN_OR_RETURN(auto split_indices, IntArray(tree, "split_indices", size, where));
  TRAFFIC_ASSIGN_OR_RETURN(auto default_left, IntArray(tree, "default_left", size, where));
  TRAFFIC_ASSIGN_OR_RETURN(auto split_type, IntArray(tree, "split_type", size, where));
  for (std::string_view key : {"split_conditions", "base_weights", "loss_changes", "sum_hessian"}) {
    TRAFFIC_RETURN_IF_ERROR(NumberArray(tree, key, size, where));
  }
  // A tree: every node but the root is the child of exactly one node, and everything is reachable
  // from the root (so there is no cycle for prediction to loop in).
  std::vector<int> refs(size, 0);
  for (std::size_t i = 0; i < size; ++i) {
    const bool leaf = left[i] == -1;
    if (leaf != (right[i] == -1)) return Bad(fmt::format("{}: node {} has one child", where, i));
    if (split_type[i] != 0) {
      return Bad(fmt::format("{}: node {} is a categorical split (not supported)", where, i));
    }
    if (default_left[i] != 0 && default_left[i] != 1) {
      return Bad(fmt::format("{}: node {} default_left is {}", where, i, default_left[i]));
    }
    if (leaf) continue;
    for (std::int64_t child : {left[i], right[i]}) {
      if (child <= 0 || child >= n) {
        return Bad(fmt::format("{}: node {} has child {} outside 1..{}", where, i, child, n - 1));
      }
      if (parents[child] != static_cast<std::int64_t>(i)) {
        return Bad(fmt::format("{}: node {} is not the parent of its child {}", where, i, child));
      }
      ++refs[child];
    }
    if (split_indices[i] < 0 || split_indices[i] >= num_feature) {
      return Bad(
          fmt::format("{}: node {} splits on feature {}, the model has {}", where, i, split_indices[i], num_feature));
    }
  }
  if (refs[0] != 0) return Bad(where + ": the root is somebody's child");
  std::vector<bool> seen(size, false);
  std::vector<std::size_t> stack = {0};
  std::size_t visited = 0;
  while (!stack.empty()) {
    std::size_t i = stack.back();
    stack.pop_back();
    if (seen[i]) return Bad(fmt::format("{}: node {} is reached twice", where, i));
    seen[i] = true;
    ++visited;
    if (left[i] != -1) {
      stack.push_back(static_cast<std::size_t>(left[i]));
      stack.push_back(static_cast<std::size_t>(right[i]));
    }
  }
  if (visited != size) {
    return Bad(fmt::format("{}: {} of {} nodes are not reachable from the root", where, size - visited, size));
  }
  return Status::Ok();
}

}  // namespace

Status ValidateModelJson(std::string_view json) {
  simdjson::dom::parser parser;
  element root;
  if (auto err = parser.parse(json.data(), json.size()).get(root); err != simdjson::SUCCESS) {
    return Bad(fmt::format("not valid JSON ({})", simdjson::error_message(err)));
  }
  TRAFFIC_ASSIGN_OR_RETURN(element learner, ObjectField(root, "learner", "the file"));
  TRAFFIC_ASSIGN_OR_RETURN(array names, ArrayField(learner, "feature_names", "learner"));
  for (element e : names) {
    if (!e.is_string()) return Bad("learner.feature_names holds a non-string");
  }
  TRAFFIC_ASSIGN_OR_RETURN(element model_param, ObjectField(learner, "learner_model_param", "learner"));
  TRAFFIC_ASSIGN_OR_RETURN(std::int64_t num_feature, IntParam(model_param, "num_feature", "learner_model_param"));
  TRAFFIC_ASSIGN_OR_RETURN(std::int64_t num_class, IntParam(model_param, "num_class", "learner_model_param"));
  TRAFFIC_ASSIGN_OR_RETURN(element booster, ObjectField(learner, "gradient_booster", "learner"));
  std::string_view booster_name;
  if (booster["name"].get(booster_name) != simdjson::SUCCESS || booster_name != "gbtree") {
    return Bad(fmt::format("gradient_booster is '{}', only gbtree is supported", booster_name));
  }
  TRAFFIC_ASSIGN_OR_RETURN(element model, ObjectField(booster, "model", "gradient_booster"));
  TRAFFIC_ASSIGN_OR_RETURN(element tree_param, ObjectField(model, "gbtree_model_param", "model"));
  TRAFFIC_ASSIGN_OR_RETURN(std::int64_t num_trees, IntParam(tree_param, "num_trees", "gbtree_model_param"));
  TRAFFIC_ASSIGN_OR_RETURN(array tree_info, ArrayField(model, "tree_info", "model"));
  TRAFFIC_ASSIGN_OR_RETURN(array trees, ArrayField(model, "trees", "model"));
  if (static_cast<std::int64_t>(tree_info.size()) != num_trees ||
      static_cast<std::int64_t>(trees.size()) != num_trees) {
    return Bad(fmt::format("num_trees is {} but there are {} trees and {} tree_info entries", num_trees, trees.size(),
                           tree_info.size()));
  }
  const std::int64_t groups = num_class > 0 ? num_class : 1;
  for (element e : tree_info) {
    std::int64_t g = 0;
    if (e.get(g) != simdjson::SUCCESS || g < 0 || g >= groups) {
      return Bad(fmt::format("tree_info holds a group outside 0..{}", groups - 1));
    }
  }
  std::size_t index = 0;
  for (element tree : trees) {
    TRAFFIC_RETURN_IF_ERROR(ValidateTree(tree, index, num_feature));
    ++index;
  }
  return Status::Ok();
}

}  // namespace traffic::model::internal
