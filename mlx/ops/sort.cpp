// Sorting, partitioning, searching and scans; products built on matmul
// (outer, inner, kron, tensordot, einsum) and median.
#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <cctype>

#include "mlx/ops.h"
#include "mlx/ops/ops_common.h"

namespace mlx::core {

using detail::fail;

namespace {

int sort_axis(int axis, int ndim, const char* op) {
  int a = axis < 0 ? axis + ndim : axis;
  if (a < 0 || a >= ndim) {
    std::ostringstream msg;
    msg << "[" << op << "] Axis " << axis << " is out of bounds for array with " << ndim
        << " dimensions.";
    throw std::out_of_range(msg.str());
  }
  return a;
}

} // namespace

array sort(const array& a, int axis, StreamOrDevice s) {
  int ax = sort_axis(axis, a.ndim(), "sort");
  return detail::make_node<Sort>(a.shape(), a.dtype(), {a}, to_stream(s), ax);
}
array sort(const array& a, StreamOrDevice s) { return sort(flatten(a, 0, -1, s), 0, s); }

array argsort(const array& a, int axis, StreamOrDevice s) {
  int ax = sort_axis(axis, a.ndim(), "argsort");
  return detail::make_node<ArgSort>(a.shape(), uint32, {a}, to_stream(s), ax);
}
array argsort(const array& a, StreamOrDevice s) { return argsort(flatten(a, 0, -1, s), 0, s); }

namespace {

int check_kth(const array& a, int kth, int ax, int axis, const char* op) {
  int n = a.shape(ax);
  int k = kth < 0 ? kth + n : kth;
  if (k < 0 || k >= n) {
    std::ostringstream msg;
    msg << "[" << op << "] Received invalid kth " << kth << " along axis " << axis
        << " for array with shape: " << detail::shape_str(a.shape());
    throw std::invalid_argument(msg.str());
  }
  return k;
}

} // namespace

array partition(const array& a, int kth, int axis, StreamOrDevice s) {
  int ax = sort_axis(axis, a.ndim(), "partition");
  int k = check_kth(a, kth, ax, axis, "partition");
  return detail::make_node<Partition>(a.shape(), a.dtype(), {a}, to_stream(s), k, ax);
}
array partition(const array& a, int kth, StreamOrDevice s) {
  return partition(flatten(a, 0, -1, s), kth, 0, s);
}

array argpartition(const array& a, int kth, int axis, StreamOrDevice s) {
  int ax = sort_axis(axis, a.ndim(), "argpartition");
  int k = check_kth(a, kth, ax, axis, "argpartition");
  return detail::make_node<ArgPartition>(a.shape(), uint32, {a}, to_stream(s), k, ax);
}
array argpartition(const array& a, int kth, StreamOrDevice s) {
  return argpartition(flatten(a, 0, -1, s), kth, 0, s);
}

array topk(const array& a, int k, int axis, StreamOrDevice s) {
  int ax = sort_axis(axis, a.ndim(), "topk");
  int n = a.shape(ax);
  if (k < 0 || k > n) {
    std::ostringstream msg;
    msg << "[topk] Received invalid k=" << k << " along axis " << axis
        << " for array with shape: " << detail::shape_str(a.shape());
    throw std::invalid_argument(msg.str());
  }
  if (k == 0) {
    Shape shape = a.shape();
    shape[ax] = 0;
    return zeros(shape, a.dtype(), s);
  }
  auto p = k == n ? a : partition(a, n - k, ax, s);
  Shape start(a.ndim(), 0), stop = a.shape();
  start[ax] = n - k;
  return slice(p, start, stop, s);
}
array topk(const array& a, int k, StreamOrDevice s) { return topk(flatten(a, 0, -1, s), k, 0, s); }

array searchsorted(const array& a, const array& values, bool right, StreamOrDevice s) {
  if (a.ndim() != 1) {
    fail("searchsorted", "The sorted sequence must be 1-D but has ", a.ndim(), " dimensions.");
  }
  Dtype t = promote_types(a.dtype(), values.dtype());
  return detail::make_node<SearchSorted>(values.shape(), uint32, {astype(a, t, s), astype(values, t, s)},
                                         to_stream(s), right);
}

namespace {

array scan(const array& a, int axis, bool reverse, bool inclusive, Scan::ReduceType type, const char* op,
           StreamOrDevice s) {
  int ax = sort_axis(axis, a.ndim(), op);
  Dtype t = a.dtype();
  if (type == Scan::Sum && t == bool_) {
    t = int32;
  } else if (type == Scan::LogAddExp) {
    if (is_complex(t)) {
      fail(op, "Does not support complex inputs.");
    }
    t = detail::at_least_float(t);
  }
  return detail::make_node<Scan>(a.shape(), t, {astype(a, t, s)}, to_stream(s), type, ax, reverse, inclusive);
}

} // namespace

array cumsum(const array& a, int axis, bool reverse, bool inclusive, StreamOrDevice s) {
  return scan(a, axis, reverse, inclusive, Scan::Sum, "cumsum", s);
}
array cumprod(const array& a, int axis, bool reverse, bool inclusive, StreamOrDevice s) {
  return scan(a, axis, reverse, inclusive, Scan::Prod, "cumprod", s);
}
array cummax(const array& a, int axis, bool reverse, bool inclusive, StreamOrDevice s) {
  return scan(a, axis, reverse, inclusive, Scan::Max, "cummax", s);
}
array cummin(const array& a, int axis, bool reverse, bool inclusive, StreamOrDevice s) {
  return scan(a, axis, reverse, inclusive, Scan::Min, "cummin", s);
}
array logcumsumexp(const array& a, int axis, bool reverse, bool inclusive, StreamOrDevice s) {
  return scan(a, axis, reverse, inclusive, Scan::LogAddExp, "logcumsumexp", s);
}

array median(const array& a, const std::vector<int>& axes_in, bool keepdims, StreamOrDevice s) {
  auto axes = detail::normalize_axes(axes_in, a.ndim(), "median");
  Dtype t = detail::at_least_float(a.dtype());
  if (axes.empty()) {
    return astype(a, t, s);
  }
  // Move the reduced axes last and merge them.
  std::vector<int> perm;
  for (int i = 0; i < a.ndim(); ++i) {
    if (!std::binary_search(axes.begin(), axes.end(), i)) {
      perm.push_back(i);
    }
  }
  Shape kept;
  for (int i : perm) {
    kept.push_back(a.shape(i));
  }
  perm.insert(perm.end(), axes.begin(), axes.end());
  auto x = transpose(a, perm, s);
  x = reshape(x, [&] { Shape sh = kept; sh.push_back(-1); return sh; }(), s);
  int n = x.shape(-1);
  if (n == 0) {
    fail("median", "Cannot compute the median of an empty array.");
  }
  auto sorted = sort(x, -1, s);
  int lo = (n - 1) / 2, hi = n / 2;
  auto at = [&](int i) { return take(sorted, i, -1, s); };
  auto m = lo == hi ? astype(at(lo), t, s)
                    : multiply(add(astype(at(lo), t, s), astype(at(hi), t, s), s), array(0.5, t), s);
  if (keepdims) {
    Shape out = a.shape();
    for (int ax : axes) {
      out[ax] = 1;
    }
    m = reshape(m, out, s);
  }
  return m;
}

array median(const array& a, bool keepdims, StreamOrDevice s) {
  std::vector<int> axes(a.ndim());
  std::iota(axes.begin(), axes.end(), 0);
  return median(a, axes, keepdims, s);
}

// ------------------------------------------------------------------ products

array outer(const array& a, const array& b, StreamOrDevice s) {
  auto x = flatten(a, 0, -1, s), y = flatten(b, 0, -1, s);
  return multiply(reshape(x, {-1, 1}, s), reshape(y, {1, -1}, s), s);
}

array inner(const array& a, const array& b, StreamOrDevice s) {
  if (a.ndim() == 0 || b.ndim() == 0) {
    return multiply(a, b, s);
  }
  if (a.shape(-1) != b.shape(-1)) {
    fail("inner", "a and b must have the same last dimension.");
  }
  return tensordot(a, b, {-1}, {-1}, s);
}

array kron(const array& a, const array& b, StreamOrDevice s) {
  if (a.ndim() == 0 || b.ndim() == 0) {
    return multiply(a, b, s);
  }
  int nd = std::max(a.ndim(), b.ndim());
  Shape as(nd - a.ndim(), 1), bs(nd - b.ndim(), 1);
  as.insert(as.end(), a.shape().begin(), a.shape().end());
  bs.insert(bs.end(), b.shape().begin(), b.shape().end());
  // (a0, 1, a1, 1, ...) * (1, b0, 1, b1, ...) -> (a0*b0, a1*b1, ...)
  Shape ae, be, out;
  for (int i = 0; i < nd; ++i) {
    ae.push_back(as[i]);
    ae.push_back(1);
    be.push_back(1);
    be.push_back(bs[i]);
    out.push_back(as[i] * bs[i]);
  }
  return reshape(multiply(reshape(a, ae, s), reshape(b, be, s), s), out, s);
}

array tensordot(const array& a, const array& b, const std::vector<int>& axes_a, const std::vector<int>& axes_b,
                StreamOrDevice s) {
  if (axes_a.size() != axes_b.size()) {
    fail("tensordot", "Must provide the same number of axes for a and b.");
  }
  std::vector<int> xa, xb;
  for (size_t i = 0; i < axes_a.size(); ++i) {
    int ia = axes_a[i] < 0 ? axes_a[i] + a.ndim() : axes_a[i];
    int ib = axes_b[i] < 0 ? axes_b[i] + b.ndim() : axes_b[i];
    if (ia < 0 || ia >= a.ndim() || ib < 0 || ib >= b.ndim()) {
      throw std::out_of_range("[tensordot] Invalid axes for the inputs.");
    }
    if (a.shape(ia) != b.shape(ib)) {
      fail("tensordot", "a and b must have the same shape on the contracted axes.");
    }
    xa.push_back(ia);
    xb.push_back(ib);
  }
  std::vector<int> free_a, free_b;
  Shape out;
  int64_t m = 1, n = 1, k = 1;
  for (int i = 0; i < a.ndim(); ++i) {
    if (std::find(xa.begin(), xa.end(), i) == xa.end()) {
      free_a.push_back(i);
      out.push_back(a.shape(i));
      m *= a.shape(i);
    }
  }
  for (int i = 0; i < b.ndim(); ++i) {
    if (std::find(xb.begin(), xb.end(), i) == xb.end()) {
      free_b.push_back(i);
      out.push_back(b.shape(i));
      n *= b.shape(i);
    }
  }
  for (int i : xa) {
    k *= a.shape(i);
  }
  std::vector<int> pa = free_a, pb = xb;
  pa.insert(pa.end(), xa.begin(), xa.end());
  pb.insert(pb.end(), free_b.begin(), free_b.end());
  auto x = reshape(transpose(a, pa, s), {ShapeElem(m), ShapeElem(k)}, s);
  auto y = reshape(transpose(b, pb, s), {ShapeElem(k), ShapeElem(n)}, s);
  return reshape(matmul(x, y, s), out, s);
}

array tensordot(const array& a, const array& b, int axes, StreamOrDevice s) {
  if (axes < 0) {
    fail("tensordot", "axis must be greater or equal to 0.");
  }
  if (axes > std::min(a.ndim(), b.ndim())) {
    fail("tensordot", "axis ", axes, " is larger than the dimensions of the inputs.");
  }
  std::vector<int> xa, xb;
  for (int i = 0; i < axes; ++i) {
    xa.push_back(a.ndim() - axes + i);
    xb.push_back(i);
  }
  return tensordot(a, b, xa, xb, s);
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
