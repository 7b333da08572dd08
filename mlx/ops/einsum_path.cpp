// einsum_path: the greedy pairwise contraction order (NumPy's and MLX's
// "greedy" strategy) and a summary of its cost.
//
// Labels are sets of characters; each step contracts two operands into one
// holding the labels still needed by the output or other operands. A step
// is ranked by (-(sizes removed), flops): first pairs that share labels;
// outer products only when no such pair is left. Pairs found in earlier
// steps are kept (with shifted positions) and reconsidered later; after
// the first step only pairs with the newest operand are added. Checked
// against MLX 0.32 on random subscripts (tests/data/einsum_path_mlx.json).
#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "mlx/ops/ops_common.h"
#include "mlx/ops_more.h"

namespace mlx::core {

using detail::fail;

namespace {

using Labels = std::set<char>;
using Sizes = std::map<char, int64_t>;

int64_t size_of(const Labels& l, const Sizes& sizes) {
  int64_t n = 1;
  for (char c : l) {
    n *= sizes.at(c);
  }
  return n;
}

// NumPy's flop model: one multiply per extra term, one add if summing.
int64_t flop_count(const Labels& l, bool inner, int num_terms, const Sizes& sizes) {
  int64_t factor = std::max(1, num_terms - 1) + (inner ? 1 : 0);
  return size_of(l, sizes) * factor;
}

struct Contraction {
  Labels result;    // labels of the new operand
  Labels all;       // every label involved
  bool removes;     // whether some label is summed away
  std::vector<Labels> remaining; // the operand list after the step
};

// Contracting operands `pos` of `inputs` (result appended last).
Contraction contract(const std::vector<int>& pos, const std::vector<Labels>& inputs, const Labels& output) {
  Contraction c;
  Labels kept = output;
  for (int i = 0; i < static_cast<int>(inputs.size()); ++i) {
    if (std::find(pos.begin(), pos.end(), i) != pos.end()) {
      c.all.insert(inputs[i].begin(), inputs[i].end());
    } else {
      kept.insert(inputs[i].begin(), inputs[i].end());
      c.remaining.push_back(inputs[i]);
    }
  }
  for (char l : c.all) {
    if (kept.count(l)) {
      c.result.insert(l);
    }
  }
  c.removes = c.result.size() < c.all.size();
  c.remaining.push_back(c.result);
  return c;
}

struct Candidate {
  int64_t neg_removed, cost;
  std::pair<int, int> pos;
  std::vector<Labels> remaining;
};

std::optional<Candidate> consider(std::pair<int, int> pos, const std::vector<Labels>& inputs,
                                  const Labels& output, const Sizes& sizes, int64_t limit,
                                  int64_t path_cost, int64_t naive_cost) {
  auto c = contract({pos.first, pos.second}, inputs, output);
  int64_t new_size = size_of(c.result, sizes);
  if (new_size > limit) {
    return std::nullopt;
  }
  int64_t removed = size_of(inputs[pos.first], sizes) + size_of(inputs[pos.second], sizes) - new_size;
  int64_t cost = flop_count(c.all, c.removes, 2, sizes);
  if (path_cost + cost > naive_cost) {
    return std::nullopt;
  }
  return Candidate{-removed, cost, pos, std::move(c.remaining)};
}

std::vector<std::vector<int>> greedy_path(std::vector<Labels> inputs, const Labels& output,
                                          const Sizes& sizes, int64_t limit, int64_t naive_cost) {
  int n = inputs.size();
  if (n == 1) {
    return {{0}};
  }
  if (n == 2) {
    return {{0, 1}};
  }
  std::vector<std::pair<int, int>> pairs;
  for (int i = 0; i < n; ++i) {
    for (int j = i + 1; j < n; ++j) {
      pairs.push_back({i, j});
    }
  }
  std::vector<Candidate> known;
  std::vector<std::vector<int>> path;
  int64_t path_cost = 0;
  for (int step = 0; step < n - 1; ++step) {
    auto disjoint = [&](std::pair<int, int> p) {
      for (char c : inputs[p.first]) {
        if (inputs[p.second].count(c)) {
          return false;
        }
      }
      return true;
    };
    for (auto p : pairs) {
      if (!disjoint(p)) {
        if (auto c = consider(p, inputs, output, sizes, limit, path_cost, naive_cost)) {
          known.push_back(std::move(*c));
        }
      }
    }
    if (known.empty()) {
      // Outer products, among this step's pairs only (all pairs at first,
      // then those with the newest operand): MLX's choice, where NumPy
      // would rescan every pair.
      for (auto p : pairs) {
        if (auto c = consider(p, inputs, output, sizes, limit, path_cost, naive_cost)) {
          known.push_back(std::move(*c));
        }
      }
      if (known.empty()) {
        int m = inputs.size();
        std::vector<int> rest(m);
        for (int i = 0; i < m; ++i) {
          rest[i] = i;
        }
        path.push_back(rest);
        break;
      }
    }
    auto best_it = std::min_element(known.begin(), known.end(), [](const Candidate& a, const Candidate& b) {
      return std::tie(a.neg_removed, a.cost) < std::tie(b.neg_removed, b.cost);
    });
    Candidate best = *best_it;
    auto [bx, by] = best.pos;
    // Keep the other candidates, renumbered for the shrunk operand list.
    std::vector<Candidate> kept;
    for (auto& c : known) {
      auto [cx, cy] = c.pos;
      if (cx == bx || cx == by || cy == bx || cy == by) {
        continue;
      }
      auto& sets = c.remaining;
      sets.erase(sets.begin() + (by - (by > cx) - (by > cy)));
      sets.erase(sets.begin() + (bx - (bx > cx) - (bx > cy)));
      sets.insert(sets.end() - 1, best.remaining.back());
      c.pos = {cx - (cx > bx) - (cx > by), cy - (cy > bx) - (cy > by)};
      kept.push_back(std::move(c));
    }
    known = std::move(kept);
    inputs = best.remaining;
    int last = inputs.size() - 1;
    pairs.clear();
    for (int i = 0; i < last; ++i) {
      pairs.push_back({i, last});
    }
    path.push_back({bx, by});
    path_cost += best.cost;
  }
  return path;
}

} // namespace

std::pair<std::vector<std::vector<int>>, std::string> einsum_path(
    const std::string& subscripts, const std::vector<array>& operands) {
  std::string eq;
  for (char c : subscripts) {
    if (c != ' ') {
      eq += c;
    }
  }
  auto arrow = eq.find("->");
  std::string lhs = eq.substr(0, arrow);
  std::vector<std::string> ins;
  {
    size_t start = 0;
    for (size_t comma; (comma = lhs.find(',', start)) != std::string::npos; start = comma + 1) {
      ins.push_back(lhs.substr(start, comma - start));
    }
    ins.push_back(lhs.substr(start));
  }
  if (ins.size() != operands.size()) {
    fail("einsum_path", "Number of operands, ", operands.size(), ", does not match number of input subscripts, ",
         ins.size());
  }
  // Ellipses become one label per broadcast dim, from characters that are
  // not letters, aligned from the right as broadcasting does.
  int max_ell = 0;
  for (size_t i = 0; i < ins.size(); ++i) {
    auto e = ins[i].find("...");
    if (e != std::string::npos) {
      max_ell = std::max<int>(max_ell, operands[i].ndim() - (static_cast<int>(ins[i].size()) - 3));
    }
  }
  auto ell_labels = [](int n) {
    std::string s;
    for (int k = 0; k < n; ++k) {
      s += static_cast<char>('0' + k);
    }
    return s;
  };
  Sizes sizes;
  std::vector<Labels> in_sets;
  std::map<char, int> counts;
  for (size_t i = 0; i < ins.size(); ++i) {
    std::string s = ins[i];
    auto e = s.find("...");
    if (e != std::string::npos) {
      int n = operands[i].ndim() - (static_cast<int>(s.size()) - 3);
      n = std::max(n, 0);
      s = s.substr(0, e) + ell_labels(max_ell).substr(max_ell - n) + s.substr(e + 3);
    }
    if (static_cast<int>(s.size()) != operands[i].ndim()) {
      fail("einsum_path", "Invalid number of subscripts ", s.size(), " for input ", i, " with ",
           operands[i].ndim(), " dimensions.");
    }
    Labels set;
    for (int d = 0; d < operands[i].ndim(); ++d) {
      char c = s[d];
      bool ell = c >= '0' && c <= '9' && ins[i].find("...") != std::string::npos;
      if (!ell && !std::isalpha(static_cast<unsigned char>(c))) {
        fail("einsum_path", "Subscripts must be letters, but got '", c, "'.");
      }
      int64_t dim = operands[i].shape(d);
      auto it = sizes.find(c);
      if (it == sizes.end() || it->second == 1) {
        sizes[c] = dim;
      } else if (dim != 1 && dim != it->second) {
        fail("einsum_path", "Cannot broadcast dimension ", d, " of input ", i, " with shape ",
             detail::shape_str(operands[i].shape()), " to size ", it->second, ".");
      }
      if (set.insert(c).second) {
        counts[c]++;
      }
    }
    in_sets.push_back(set);
  }
  Labels output;
  if (arrow == std::string::npos) {
    // Implicit output: broadcast dims, then the labels seen once.
    for (auto& [c, n] : counts) {
      if (n == 1 || (c >= '0' && c <= '9')) {
        output.insert(c);
      }
    }
  } else {
    std::string rhs = eq.substr(arrow + 2);
    auto e = rhs.find("...");
    if (e != std::string::npos) {
      rhs = rhs.substr(0, e) + ell_labels(max_ell) + rhs.substr(e + 3);
    }
    for (char c : rhs) {
      if (!output.insert(c).second) {
        fail("einsum_path", "Repeat indices not allowed in output.");
      }
    }
    // Output labels no input has add nothing to the cost.
    for (auto it = output.begin(); it != output.end();) {
      it = sizes.count(*it) ? std::next(it) : output.erase(it);
    }
  }
  Labels all;
  int64_t limit = size_of(output, sizes);
  for (auto& s : in_sets) {
    all.insert(s.begin(), s.end());
    limit = std::max(limit, size_of(s, sizes));
  }
  bool inner = all.size() > output.size();
  int64_t naive_cost = flop_count(all, inner, operands.size(), sizes);
  auto path = greedy_path(in_sets, output, sizes, limit, naive_cost);

  // Replay the path for its cost.
  int64_t opt_cost = 0;
  size_t opt_scaling = 0;
  std::vector<Labels> cur = in_sets;
  for (auto& step : path) {
    auto c = contract(step, cur, output);
    opt_cost += flop_count(c.all, c.removes, step.size(), sizes);
    opt_scaling = std::max(opt_scaling, c.all.size());
    cur = c.remaining;
  }
  std::ostringstream os;
  os << "  Complete contraction:  " << subscripts << "\n"
     << "         Naive scaling:  " << all.size() << "\n"
     << "     Optimized scaling:  " << opt_scaling << "\n"
     << "      Naive FLOP count:  " << naive_cost << "\n"
     << "  Optimized FLOP count:  " << opt_cost << "\n";
  return {path, os.str()};
}

} // namespace mlx::core
