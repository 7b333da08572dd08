// Ends an expansion of elementwise_table.h.
#undef MLX_UNARY
#undef MLX_UNARY_NO_GRAD
#undef MLX_PREDICATE
#undef MLX_BINARY
#undef MLX_BINARY_NO_GRAD
#undef MLX_COMPARISON
