#include "array_indexing.h"
#include "array_type.h"

#include <limits>
#include <numeric>
#include <optional>
#include <sstream>

namespace {

[[noreturn]] void unsupported() { throw py::value_error("Cannot index mlx array using the given type."); }

bool is_array_index(py::handle h) { return is_array(h) || py::isinstance<py::list>(h); }

// An integer index: a Python int or anything with __index__ (NumPy integer
// scalars, 0-d integer NumPy arrays); not a bool, not an mx.array.
bool is_int_index(py::handle h) {
  if (py::isinstance<py::bool_>(h) || is_array(h)) {
    return false;
  }
  if (py::isinstance<py::int_>(h)) {
    return true;
  }
  if (!PyIndex_Check(h.ptr())) {
    return false;
  }
  PyObject* v = PyNumber_Index(h.ptr());
  if (!v) {
    PyErr_Clear();
    return false;
  }
  Py_DECREF(v);
  return true;
}

// The value of an integer index; MLX takes 32-bit ones only.
long long int_index_value(py::handle h) {
  auto v = py::reinterpret_steal<py::object>(PyNumber_Index(h.ptr()));
  if (!v) {
    throw py::error_already_set();
  }
  int overflow = 0;
  long long x = PyLong_AsLongLongAndOverflow(v.ptr(), &overflow);
  if (overflow || x > std::numeric_limits<int32_t>::max() || x < std::numeric_limits<int32_t>::min()) {
    throw py::value_error("Slice indices must be 32-bit integers.");
  }
  return x;
}

// A slice whose parts are Python ints or None (NumPy integers allowed, as in
// MLX); other parts and values beyond 32 bits raise ValueError.
// Whether a slice's parts are None or Python ints within int32 (the
// common case, used as it is).
bool plain_slice(PyObject* h) {
  auto* sl = reinterpret_cast<PySliceObject*>(h);
  for (PyObject* p : {sl->start, sl->stop, sl->step}) {
    if (p == Py_None) {
      continue;
    }
    if (!PyLong_CheckExact(p)) {
      return false;
    }
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(p, &overflow);
    if (overflow || v > std::numeric_limits<int32_t>::max() || v < std::numeric_limits<int32_t>::min()) {
      return false;
    }
  }
  return true;
}

py::object checked_slice(py::handle h) {
  if (plain_slice(h.ptr())) {
    return py::reinterpret_borrow<py::object>(h);
  }
  auto part = [](py::object p) -> py::object {
    if (p.is_none()) {
      return p;
    }
    if (!is_int_index(p)) {
      throw py::value_error("Slice indices must be integers or None.");
    }
    return py::int_(int_index_value(p));
  };
  auto start = part(h.attr("start")), stop = part(h.attr("stop")), step = part(h.attr("step"));
  return py::reinterpret_steal<py::object>(PySlice_New(start.ptr(), stop.ptr(), step.ptr()));
}

// One item of an index tuple, resolved against the array.
struct Item {
  enum Kind { Slice, Int, Array, NewAxis } kind;
  int dim = -1; // the array dim it consumes (not NewAxis)
  Py_ssize_t start = 0, stop = 0, step = 1, len = 0;
  std::optional<array> idx; // Int (0-d) and Array
};

struct Plan {
  std::vector<Item> items; // every dim of the array appears once, in order, plus NewAxis
  bool advanced = false;   // any Array item
  Shape adv_shape;         // broadcast shape of the Int/Array items (when advanced)
  bool adv_first = false;  // advanced dims go first (not adjacent in the index)
};

array to_index_array(py::handle h) {
  array x = is_array(h) ? py::cast<array>(h) : to_array(h);
  if (x.dtype() == bool_) {
    throw py::value_error("boolean indices are not yet supported");
  }
  if (!is_integral(x.dtype())) {
    throw std::invalid_argument("[gather] Got indices with invalid dtype. Indices must be integral.");
  }
  return x;
}

Plan make_plan(const array& a, py::handle index) {
  std::vector<py::handle> raw;
  if (py::isinstance<py::tuple>(index)) {
    for (auto h : py::reinterpret_borrow<py::tuple>(index)) {
      raw.push_back(h);
    }
  } else {
    raw.push_back(index);
  }
  int consumed = 0;
  bool has_ellipsis = false;
  for (auto h : raw) {
    if (h.is_none()) {
      continue;
    }
    if (h.ptr() == Py_Ellipsis) {
      if (has_ellipsis) {
        throw py::value_error("An index can only have a single ellipsis (...)");
      }
      has_ellipsis = true;
      continue;
    }
    if (!is_int_index(h) && !py::isinstance<py::slice>(h) && !is_array_index(h)) {
      unsupported();
    }
    ++consumed;
  }
  if (consumed > a.ndim()) {
    std::ostringstream msg;
    msg << "Too many indices for array with " << a.ndim() << " dimensions.";
    throw py::value_error(msg.str()); // ValueError, as in MLX
  }
  Plan plan;
  int dim = 0;
  auto full = [&](int d) {
    Item it{Item::Slice, d, 0, a.shape(d), 1, a.shape(d)};
    return it;
  };
  for (auto h : raw) {
    if (h.is_none()) {
      plan.items.push_back(Item{Item::NewAxis});
    } else if (h.ptr() == Py_Ellipsis) {
      for (int i = 0; i < a.ndim() - consumed; ++i) {
        plan.items.push_back(full(dim++));
      }
    } else if (is_int_index(h)) {
      long long i = int_index_value(h);
      long long n = a.shape(dim);
      long long j = i < 0 ? i + n : i;
      if (j < 0 || j >= n) {
        std::ostringstream msg;
        msg << "Index " << i << " is out of bounds for axis " << dim << " with size " << n << ".";
        throw py::index_error(msg.str());
      }
      Item it{Item::Int, dim++};
      it.start = j;
      it.idx = array(static_cast<int32_t>(j));
      plan.items.push_back(it);
    } else if (py::isinstance<py::slice>(h)) {
      Item it{Item::Slice, dim};
      auto sl = checked_slice(h);
      if (PySlice_GetIndicesEx(sl.ptr(), a.shape(dim), &it.start, &it.stop, &it.step, &it.len) != 0) {
        throw py::error_already_set();
      }
      ++dim;
      plan.items.push_back(it);
    } else {
      Item it{Item::Array, dim++};
      it.idx = to_index_array(h);
      plan.advanced = true;
      plan.items.push_back(it);
    }
  }
  for (; dim < a.ndim(); ++dim) {
    plan.items.push_back(full(dim));
  }
  if (plan.advanced) {
    Shape shape;
    int first = -1, last = -1;
    for (int i = 0; i < static_cast<int>(plan.items.size()); ++i) {
      auto& it = plan.items[i];
      if (it.kind == Item::Int || it.kind == Item::Array) {
        shape = broadcast_shapes(shape, it.idx->shape());
        first = first < 0 ? i : first;
        last = i;
      }
    }
    plan.adv_shape = shape;
    for (int i = first; i <= last; ++i) {
      auto k = plan.items[i].kind;
      if (k == Item::Slice || k == Item::NewAxis) {
        plan.adv_first = true;
      }
    }
  }
  return plan;
}

// The output layout of a[index]: a token per output dim, -1 for the block
// of advanced dims, -2 for a new axis, otherwise the sliced dim of `a`.
std::vector<int> out_tokens(const Plan& p) {
  std::vector<int> t;
  bool placed = false;
  if (p.adv_first) {
    t.push_back(-1);
    placed = true;
  }
  for (auto& it : p.items) {
    if (it.kind == Item::NewAxis) {
      t.push_back(-2);
    } else if (it.kind == Item::Slice) {
      t.push_back(it.dim);
    } else if (p.advanced && !placed) {
      t.push_back(-1);
      placed = true;
    }
  }
  return t;
}

Shape out_shape(const Plan& p) {
  Shape shape;
  for (int tok : out_tokens(p)) {
    if (tok == -1) {
      shape.insert(shape.end(), p.adv_shape.begin(), p.adv_shape.end());
    } else if (tok == -2) {
      shape.push_back(1);
    } else {
      for (auto& it : p.items) {
        if (it.kind == Item::Slice && it.dim == tok) {
          shape.push_back(static_cast<ShapeElem>(it.len));
        }
      }
    }
  }
  return shape;
}

// Basic indexing only: a strided view.
array basic_get(const array& a, const Plan& p, Shape* slice_shape = nullptr) {
  Shape start(a.ndim(), 0), stop = a.shape(), step(a.ndim(), 1), sshape;
  for (auto& it : p.items) {
    if (it.kind == Item::NewAxis) {
      continue;
    }
    if (it.kind == Item::Int) {
      start[it.dim] = static_cast<ShapeElem>(it.start);
      stop[it.dim] = static_cast<ShapeElem>(it.start + 1);
    } else {
      start[it.dim] = static_cast<ShapeElem>(it.start);
      // A negative stop of a reversed slice means "before index 0".
      stop[it.dim] = static_cast<ShapeElem>(it.stop < 0 ? it.stop - a.shape(it.dim) : it.stop);
      step[it.dim] = static_cast<ShapeElem>(it.step);
    }
  }
  return slice(a, start, stop, step);
}

// Index arrays for every dim of `a`, broadcast to the output shape without
// its new axes (for scatter-based updates).
std::vector<array> full_index_arrays(const array& a, const Plan& p, Shape& r_shape) {
  auto tokens = out_tokens(p);
  // Position of each token in the output without new axes.
  std::vector<int> pos;
  Shape r;
  int adv_pos = -1;
  for (int tok : tokens) {
    if (tok == -2) {
      continue;
    }
    if (tok == -1) {
      adv_pos = static_cast<int>(r.size());
      r.insert(r.end(), p.adv_shape.begin(), p.adv_shape.end());
    } else {
      for (auto& it : p.items) {
        if (it.kind == Item::Slice && it.dim == tok) {
          r.push_back(static_cast<ShapeElem>(it.len));
        }
      }
    }
  }
  int nr = static_cast<int>(r.size());
  std::vector<array> out(a.ndim(), array(0));
  int rpos = 0;
  for (int tok : tokens) {
    if (tok == -2) {
      continue;
    }
    if (tok == -1) {
      rpos += static_cast<int>(p.adv_shape.size());
      continue;
    }
    for (auto& it : p.items) {
      if (it.kind == Item::Slice && it.dim == tok) {
        Shape sh(nr, 1);
        sh[rpos] = static_cast<ShapeElem>(it.len);
        auto ar = it.len == 0
                      ? zeros({0}, int32)
                      : arange(double(it.start), double(it.start + it.len * it.step), double(it.step), int32);
        out[it.dim] = reshape(ar, sh);
      }
    }
    ++rpos;
  }
  for (auto& it : p.items) {
    if (it.kind == Item::Int || it.kind == Item::Array) {
      // Place the index's dims (right-aligned in adv_shape) at adv_pos.
      Shape sh(nr, 1);
      int na = static_cast<int>(p.adv_shape.size());
      int off = na - it.idx->ndim();
      for (int d = 0; d < it.idx->ndim(); ++d) {
        sh[adv_pos + off + d] = it.idx->shape(d);
      }
      out[it.dim] = reshape(*it.idx, sh);
    }
  }
  r_shape = r;
  return broadcast_arrays(out);
}

// The update value broadcast to the shape of a[index].
array value_for(const array& a, py::handle v, const Shape& shape) {
  array x = is_array(v) ? py::cast<array>(v) : to_array_like(v, a);
  x = astype(x, a.dtype());
  // Leading size-1 dims beyond the target rank are dropped (as MLX does).
  int extra = x.ndim() - static_cast<int>(shape.size());
  if (extra > 0) {
    Shape sh = x.shape();
    for (int i = 0; i < extra; ++i) {
      if (sh[i] != 1) {
        std::ostringstream msg;
        msg << "Cannot broadcast array of shape " << py::str(py::cast(x).attr("shape")).cast<std::string>()
            << " into shape " << py::str(py::cast(shape)).cast<std::string>() << ".";
        throw py::value_error(msg.str());
      }
    }
    x = reshape(x, Shape(sh.begin() + extra, sh.end()));
  }
  return broadcast_to(x, shape);
}

// A boolean array (or list of bools) used as an index, or nullopt.
std::optional<array> as_bool_mask(py::handle h) {
  if (!is_array_index(h)) {
    return std::nullopt;
  }
  array m = is_array(h) ? py::cast<array>(h) : to_array(h);
  if (m.dtype() != bool_) {
    return std::nullopt;
  }
  if (m.ndim() == 0) {
    // MLX's message; a 0-d mask is only taken whole by __setitem__.
    throw py::value_error("boolean indices are not yet supported");
  }
  return m;
}

// The whole index of a[index] = v as a 0-d boolean (Python or NumPy bool, 0-d
// bool array), or nullopt.
std::optional<bool> as_scalar_mask(py::handle h) {
  if (py::isinstance<py::bool_>(h)) {
    return h.cast<bool>();
  }
  if (is_array(h)) {
    auto m = py::cast<array>(h);
    if (m.ndim() == 0 && m.dtype() == bool_) {
      return to_scalar(m).cast<bool>();
    }
    return std::nullopt;
  }
  if (py::isinstance<py::buffer>(h) && !py::isinstance<py::list>(h)) {
    auto m = to_array(h);
    if (m.ndim() == 0 && m.dtype() == bool_) {
      return to_scalar(m).cast<bool>();
    }
  }
  return std::nullopt;
}

// A NumPy (or other buffer) boolean array used as the whole index.
std::optional<array> as_buffer_mask(py::handle h) {
  if (!py::isinstance<py::buffer>(h) || is_array(h)) {
    return std::nullopt;
  }
  auto m = to_array(h);
  if (m.dtype() != bool_ || m.ndim() == 0) {
    return std::nullopt;
  }
  return m;
}

// The index with each boolean mask replaced by the integer arrays of its
// true positions (NumPy's rule). Evaluates the masks: the result's shape
// depends on their values.
py::object expand_bool_masks(const array& a, py::handle index) {
  bool is_tuple = py::isinstance<py::tuple>(index);
  std::vector<py::object> items;
  if (is_tuple) {
    for (auto h : py::reinterpret_borrow<py::tuple>(index)) {
      items.push_back(py::reinterpret_borrow<py::object>(h));
    }
  } else {
    items.push_back(py::reinterpret_borrow<py::object>(index));
  }
  // Dims each item consumes (an ellipsis takes what the others leave).
  std::vector<std::optional<array>> masks;
  int consumed = 0;
  for (auto& item : items) {
    masks.push_back(as_bool_mask(item));
    if (masks.back()) {
      consumed += masks.back()->ndim();
    } else if (!item.is_none() && item.ptr() != Py_Ellipsis) {
      consumed += 1;
    }
  }
  py::list out;
  bool any = false;
  int dim = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    auto& item = items[i];
    auto& m = masks[i];
    if (!m) {
      out.append(item);
      if (item.ptr() == Py_Ellipsis) {
        dim += std::max(a.ndim() - consumed, 0);
      } else if (!item.is_none()) {
        dim += 1;
      }
      continue;
    }
    for (int d = 0; d < m->ndim(); ++d, ++dim) {
      if (dim >= a.ndim() || m->shape(d) != a.shape(dim)) {
        std::ostringstream msg;
        msg << "boolean index did not match indexed array along axis " << dim << "; size of axis is "
            << (dim < a.ndim() ? a.shape(dim) : 0) << " but size of corresponding boolean axis is "
            << m->shape(d) << ".";
        throw py::index_error(msg.str());
      }
    }
    any = true;
    for (auto& idx : nonzero(*m)) {
      out.append(py::cast(idx));
    }
  }
  if (!any) {
    return py::reinterpret_borrow<py::object>(index);
  }
  return py::tuple(out);
}

// A 0-d array takes only None, Ellipsis and () as (parts of) an index.
void check_zero_dim(const array& a, py::handle index) {
  if (a.ndim() != 0) {
    return;
  }
  auto consumes = [](py::handle h) { return !h.is_none() && h.ptr() != Py_Ellipsis; };
  bool bad = false;
  if (py::isinstance<py::tuple>(index)) {
    for (auto h : py::reinterpret_borrow<py::tuple>(index)) {
      bad |= consumes(h);
    }
  } else {
    bad = consumes(index);
  }
  if (bad) {
    throw py::value_error("too many indices for array: array is 0-dimensional");
  }
}

enum class AtOp { Set, Add, Multiply, Max, Min };

array update(const array& a, py::handle index, py::handle v, AtOp op) {
  // A boolean mask as the whole index: MLX's masked scatter (values taken
  // in order), a static-shape graph.
  if (op == AtOp::Set && !py::isinstance<py::tuple>(index)) {
    // a[True] = v sets every element, a[False] = v none (after checking
    // that v broadcasts).
    if (auto b = as_scalar_mask(index)) {
      auto val = value_for(a, v, a.shape());
      return *b ? val : a;
    }
    auto m = as_buffer_mask(index);
    if (!m) {
      m = as_bool_mask(index);
    }
    if (m) {
      // MLX's checks and messages (ValueError).
      if (m->ndim() > a.ndim()) {
        throw py::value_error("[masked_scatter] The mask cannot have more dimensions than the target.");
      }
      if (!std::equal(m->shape().begin(), m->shape().end(), a.shape().begin())) {
        auto dims = [](const Shape& sh) {
          std::ostringstream os;
          os << "(";
          for (size_t i = 0; i < sh.size(); ++i) {
            os << (i ? "," : "") << sh[i];
          }
          os << ")";
          return os.str();
        };
        throw py::value_error(
            "[masked_scatter] The boolean mask should have the same shape as the beginning of the "
            "indexed array but the mask has shape " +
            dims(m->shape()) + " and the array has shape " + dims(a.shape()));
      }
      array val = is_array(v) ? py::cast<array>(v) : to_array_like(v, a);
      return masked_scatter(a, *m, val);
    }
  }
  auto expanded = expand_bool_masks(a, index);
  index = expanded;
  check_zero_dim(a, index);
  auto plan = make_plan(a, index);
  Shape shape = out_shape(plan);
  auto val = value_for(a, v, shape);
  if (!plan.advanced && op == AtOp::Set) {
    Shape sshape;
    for (auto& it : plan.items) {
      if (it.kind == Item::Int) {
        sshape.push_back(1);
      } else if (it.kind == Item::Slice) {
        sshape.push_back(static_cast<ShapeElem>(it.len));
      }
    }
    Shape start(a.ndim(), 0), stop = a.shape(), step(a.ndim(), 1);
    for (auto& it : plan.items) {
      if (it.kind == Item::Int) {
        start[it.dim] = static_cast<ShapeElem>(it.start);
        stop[it.dim] = static_cast<ShapeElem>(it.start + 1);
      } else if (it.kind == Item::Slice) {
        start[it.dim] = static_cast<ShapeElem>(it.start);
        stop[it.dim] = static_cast<ShapeElem>(it.stop < 0 ? it.stop - a.shape(it.dim) : it.stop);
        step[it.dim] = static_cast<ShapeElem>(it.step);
      }
    }
    return slice_update(a, reshape(val, sshape), start, stop, step);
  }
  Shape r;
  auto idx = full_index_arrays(a, plan, r);
  Shape ushape = r;
  ushape.insert(ushape.end(), a.ndim(), 1);
  auto upd = reshape(val, ushape);
  std::vector<int> axes(a.ndim());
  std::iota(axes.begin(), axes.end(), 0);
  switch (op) {
    case AtOp::Set:
      return scatter(a, idx, upd, axes);
    case AtOp::Add:
      return scatter_add(a, idx, upd, axes);
    case AtOp::Multiply:
      return scatter_prod(a, idx, upd, axes);
    case AtOp::Max:
      return scatter_max(a, idx, upd, axes);
    default:
      return scatter_min(a, idx, upd, axes);
  }
}

// a.at[index]: updates that return a new array, duplicates accumulating.
struct ArrayAt {
  array a;
  py::object index;
  bool has_index = false;
  array apply(py::handle v, AtOp op) const {
    if (!has_index) {
      throw py::value_error("[ArrayAt] Index must be set with at[...] before applying an update.");
    }
    return update(a, index, v, op);
  }
};

} // namespace

// An index of plain slices (None or small int parts, positive steps, none
// empty) and at most one Ellipsis, as a KV cache's a[..., i:j, :]: the
// slice straight away, without the general plan. Empty when the index is
// anything else (the general path handles it, and its errors).
std::optional<array> slices_only(const array& a, py::handle index) {
  constexpr int kMax = 8;
  PyObject* items[kMax];
  int n = 1;
  if (PySlice_Check(index.ptr())) {
    items[0] = index.ptr();
  } else if (PyTuple_CheckExact(index.ptr()) && PyTuple_GET_SIZE(index.ptr()) <= kMax) {
    n = static_cast<int>(PyTuple_GET_SIZE(index.ptr()));
    for (int i = 0; i < n; ++i) {
      items[i] = PyTuple_GET_ITEM(index.ptr(), i);
    }
  } else {
    return std::nullopt;
  }
  int slices = 0;
  bool ellipsis = false;
  for (int i = 0; i < n; ++i) {
    if (items[i] == Py_Ellipsis && !ellipsis) {
      ellipsis = true;
    } else if (PySlice_Check(items[i]) && plain_slice(items[i])) {
      ++slices;
    } else {
      return std::nullopt;
    }
  }
  if (a.ndim() == 0 || slices > a.ndim()) {
    return std::nullopt;
  }
  Shape start(a.ndim(), 0), stop = a.shape(), step(a.ndim(), 1);
  int dim = 0;
  for (int i = 0; i < n; ++i) {
    if (items[i] == Py_Ellipsis) {
      dim += a.ndim() - slices;
      continue;
    }
    Py_ssize_t b, e, st, len;
    if (PySlice_GetIndicesEx(items[i], a.shape(dim), &b, &e, &st, &len) != 0) {
      PyErr_Clear();
      return std::nullopt;
    }
    if (st <= 0 || len == 0) {
      return std::nullopt;
    }
    start[dim] = static_cast<ShapeElem>(b);
    stop[dim] = static_cast<ShapeElem>(e);
    step[dim] = static_cast<ShapeElem>(st);
    ++dim;
  }
  return slice(a, start, stop, step);
}

array get_item(const array& a, py::handle index) {
  if (auto fast = slices_only(a, index)) {
    return *fast;
  }
  auto expanded = expand_bool_masks(a, index);
  index = expanded;
  check_zero_dim(a, index);
  auto plan = make_plan(a, index);
  if (!plan.advanced) {
    return reshape(basic_get(a, plan), out_shape(plan));
  }
  // Slice the non-advanced dims, gather along the advanced ones.
  auto x = basic_get(a, [&] {
    Plan q = plan;
    for (auto& it : q.items) {
      if (it.kind == Item::Int) {
        it = Item{Item::Slice, it.dim, 0, a.shape(it.dim), 1, a.shape(it.dim)};
      } else if (it.kind == Item::Array) {
        it = Item{Item::Slice, it.dim, 0, a.shape(it.dim), 1, a.shape(it.dim)};
      }
    }
    return q;
  }());
  std::vector<array> idx;
  std::vector<int> axes;
  Shape sizes = x.shape();
  for (auto& it : plan.items) {
    if (it.kind == Item::Int || it.kind == Item::Array) {
      idx.push_back(*it.idx);
      axes.push_back(it.dim);
      sizes[it.dim] = 1;
    }
  }
  auto g = gather(x, idx, axes, sizes);
  // g: adv_shape + x.shape with 1 at the advanced dims. Drop those, giving
  // adv block followed by the sliced dims in order.
  int na = static_cast<int>(plan.adv_shape.size());
  std::vector<int> drop;
  for (int d : axes) {
    drop.push_back(na + d);
  }
  g = squeeze(g, drop);
  // Order as the output tokens (without new axes), then add the new axes.
  auto tokens = out_tokens(plan);
  std::vector<int> perm;
  std::vector<int> slice_dims;
  for (auto& it : plan.items) {
    if (it.kind == Item::Slice) {
      slice_dims.push_back(it.dim);
    }
  }
  for (int tok : tokens) {
    if (tok == -1) {
      for (int i = 0; i < na; ++i) {
        perm.push_back(i);
      }
    } else if (tok >= 0) {
      int k = static_cast<int>(std::find(slice_dims.begin(), slice_dims.end(), tok) - slice_dims.begin());
      perm.push_back(na + k);
    }
  }
  g = transpose(g, perm);
  return reshape(g, out_shape(plan));
}

void set_item(array& a, py::handle index, py::handle value) {
  a.overwrite_descriptor(update(a, index, value, AtOp::Set));
}

void add_indexing_methods(py::module_& m, py::class_<array>& cls) {
  py::class_<ArrayAt>(m, "ArrayAt", "The helper behind array.at: indexed updates returning new arrays.")
      .def("__getitem__", [](const ArrayAt& at, py::object idx) { return ArrayAt{at.a, idx, true}; })
      .def(
          "add", [](const ArrayAt& at, py::object v) { return at.apply(v, AtOp::Add); }, py::arg("value"))
      .def(
          "subtract",
          [](const ArrayAt& at, py::object v) {
            array x = is_array(v) ? py::cast<array>(v) : to_array_like(v, at.a);
            return at.apply(py::cast(negative(x)), AtOp::Add);
          },
          py::arg("value"))
      .def(
          "multiply", [](const ArrayAt& at, py::object v) { return at.apply(v, AtOp::Multiply); },
          py::arg("value"))
      .def(
          "divide",
          [](const ArrayAt& at, py::object v) {
            array x = is_array(v) ? py::cast<array>(v) : to_array_like(v, at.a);
            return at.apply(py::cast(reciprocal(x)), AtOp::Multiply);
          },
          py::arg("value"))
      .def(
          "maximum", [](const ArrayAt& at, py::object v) { return at.apply(v, AtOp::Max); }, py::arg("value"))
      .def(
          "minimum", [](const ArrayAt& at, py::object v) { return at.apply(v, AtOp::Min); },
          py::arg("value"));
  cls.def_property_readonly(
      "at", [](const array& a) { return ArrayAt{a, py::none(), false}; },
      "Indexed updates that return a new array: a.at[idx].add(v), subtract, multiply, divide, maximum, "
      "minimum. Duplicate indices accumulate.");
  cls.def("__setitem__", [](array& a, py::object idx, py::object v) { set_item(a, idx, v); });
}
