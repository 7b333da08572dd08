"""Launching MLX programs over several processes (``mlx.launch``)."""
