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

#include "mlx/ops/common.h"
#include "mlx/ops.h"

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
  Labels result;                 // labels of the new operand
  Labels all;                    // every label involved
  bool removes;                  // whether some label is summed away
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
                                  const Labels& output, const Sizes& sizes, int64_t limit, int64_t path_cost,
                                  int64_t naive_cost) {
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

std::pair<std::vector<std::vector<int>>, std::string> einsum_path(const std::string& subscripts,
                                                                  const std::vector<array>& operands) {
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
    fail("einsum_path", "Number of operands, ", operands.size(),
         ", does not match number of input subscripts, ", ins.size());
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

// einsum: each operand's repeated labels become diagonals, labels absent
// from the output and from the other operands are summed out, then operands
// are combined pairwise with tensordot-style contraction via broadcasting
// multiply + sum (or matmul when a pair shares summed labels).
array einsum(const std::string& subscripts_in, const std::vector<array>& operands, StreamOrDevice s) {
  std::string subs;
  for (char c : subscripts_in) {
    if (c != ' ') {
      subs.push_back(c);
    }
  }
  std::string lhs = subs, rhs;
  bool explicit_out = false;
  auto arrow = subs.find("->");
  if (arrow != std::string::npos) {
    lhs = subs.substr(0, arrow);
    rhs = subs.substr(arrow + 2);
    explicit_out = true;
  }
  std::vector<std::string> ins;
  {
    size_t pos = 0;
    while (true) {
      auto c = lhs.find(',', pos);
      ins.push_back(lhs.substr(pos, c == std::string::npos ? std::string::npos : c - pos));
      if (c == std::string::npos) {
        break;
      }
      pos = c + 1;
    }
  }
  if (ins.size() != operands.size()) {
    fail("einsum", "Number of subscripts (", ins.size(), ") does not match the number of operands (",
         operands.size(), ").");
  }
  // Expand ellipses into fresh upper-case-free labels.
  int max_ell = 0;
  for (size_t i = 0; i < ins.size(); ++i) {
    auto e = ins[i].find("...");
    if (e != std::string::npos) {
      max_ell = std::max<int>(max_ell, operands[i].ndim() - int(ins[i].size() - 3));
    }
  }
  std::string ell_labels;
  for (int i = 0; i < max_ell; ++i) {
    ell_labels.push_back(char(1 + i)); // non-printable, never a user label
  }
  auto expand = [&](std::string t, int nd) {
    auto e = t.find("...");
    if (e == std::string::npos) {
      return t;
    }
    int n = nd - int(t.size() - 3);
    if (n < 0) {
      fail("einsum", "Subscript ", t, " has too many labels for operand of ", nd, " dimensions.");
    }
    return t.substr(0, e) + ell_labels.substr(max_ell - n) + t.substr(e + 3);
  };
  std::map<char, int> dims, count;
  for (size_t i = 0; i < ins.size(); ++i) {
    ins[i] = expand(ins[i], operands[i].ndim());
    if (static_cast<int>(ins[i].size()) != operands[i].ndim()) {
      fail("einsum", "Operand ", i, " has ", operands[i].ndim(), " dimensions but subscripts '", ins[i],
           "' have ", ins[i].size(), ".");
    }
    for (size_t j = 0; j < ins[i].size(); ++j) {
      char c = ins[i][j];
      if (c > 3 && !std::isalpha(static_cast<unsigned char>(c))) {
        fail("einsum", "Invalid subscript character '", c, "'.");
      }
      int d = operands[i].shape(j);
      auto it = dims.find(c);
      if (it != dims.end() && it->second != d && it->second != 1 && d != 1) {
        fail("einsum", "Cannot broadcast dimension ", d, " for label '", c, "' of size ", it->second, ".");
      }
      dims[c] = it == dims.end() ? d : std::max(it->second, d);
      count[c]++;
    }
  }
  if (explicit_out) {
    auto e = rhs.find("...");
    if (e != std::string::npos) {
      rhs = rhs.substr(0, e) + ell_labels + rhs.substr(e + 3);
    }
    for (char c : rhs) {
      if (!dims.count(c)) {
        fail("einsum", "Output subscript '", c, "' does not appear in the inputs.");
      }
    }
  } else {
    rhs = ell_labels;
    for (auto& [c, n] : count) {
      if (n == 1 && c > 3) {
        rhs.push_back(c);
      }
    }
  }
  // Bring every operand to the full label set (sorted), diagonals taken and
  // unused labels summed out first.
  std::string all;
  for (auto& [c, d] : dims) {
    all.push_back(c);
  }
  std::vector<array> terms;
  for (size_t i = 0; i < ins.size(); ++i) {
    array x = operands[i];
    std::string lab = ins[i];
    // Diagonals of repeated labels (diagonal() appends the merged axis).
    for (bool changed = true; changed;) {
      changed = false;
      for (size_t j = 0; j < lab.size() && !changed; ++j) {
        size_t k = lab.find(lab[j], j + 1);
        if (k != std::string::npos) {
          char c = lab[j];
          x = diagonal(x, 0, int(j), int(k), s);
          lab.erase(k, 1);
          lab.erase(j, 1);
          lab.push_back(c);
          changed = true;
        }
      }
    }
    // Labels used nowhere else and not in the output are summed now.
    std::vector<int> sum_axes;
    std::string kept;
    for (size_t j = 0; j < lab.size(); ++j) {
      char c = lab[j];
      int others = 0;
      for (size_t o = 0; o < ins.size(); ++o) {
        if (o != i && ins[o].find(c) != std::string::npos) {
          ++others;
        }
      }
      if (others == 0 && rhs.find(c) == std::string::npos) {
        sum_axes.push_back(int(j));
      } else {
        kept.push_back(c);
      }
    }
    if (!sum_axes.empty()) {
      x = sum(x, sum_axes, false, s);
    }
    lab = kept;
    // Permute into the sorted label order and insert size-1 dims.
    std::vector<int> perm;
    Shape shape;
    for (char c : all) {
      auto p = lab.find(c);
      if (p != std::string::npos) {
        perm.push_back(int(p));
      }
    }
    x = transpose(x, perm, s);
    std::string sorted_lab;
    for (int p : perm) {
      sorted_lab.push_back(lab[p]);
    }
    for (char c : all) {
      auto p = sorted_lab.find(c);
      shape.push_back(p == std::string::npos ? 1 : x.shape(int(p)));
    }
    terms.push_back(reshape(x, shape, s));
  }
  // Multiply the terms, summing a label as soon as no later term uses it.
  array acc = terms[0];
  std::vector<bool> summed(all.size(), false);
  auto later_uses = [&](size_t from, char c) {
    for (size_t o = from; o < ins.size(); ++o) {
      if (ins[o].find(c) != std::string::npos) {
        return true;
      }
    }
    return false;
  };
  for (size_t i = 1; i <= terms.size(); ++i) {
    if (i < terms.size()) {
      acc = multiply(acc, terms[i], s);
    }
    std::vector<int> ax;
    for (size_t j = 0; j < all.size(); ++j) {
      if (!summed[j] && rhs.find(all[j]) == std::string::npos && !later_uses(i + 1, all[j])) {
        ax.push_back(int(j));
        summed[j] = true;
      }
    }
    if (!ax.empty()) {
      acc = sum(acc, ax, true, s);
    }
  }
  // Drop summed dims and order as rhs.
  Shape squeezed;
  std::string lab;
  for (size_t j = 0; j < all.size(); ++j) {
    if (!summed[j]) {
      lab.push_back(all[j]);
      squeezed.push_back(acc.shape(int(j)));
    }
  }
  acc = reshape(acc, squeezed, s);
  std::vector<int> perm;
  Shape final_shape;
  for (char c : rhs) {
    perm.push_back(int(lab.find(c)));
  }
  acc = transpose(acc, perm, s);
  for (char c : rhs) {
    final_shape.push_back(dims[c]);
  }
  return broadcast_to(acc, final_shape, s);
}

} // namespace mlx::core
