"""``python -m mlx.launch``: the same as the ``mlx.launch`` command."""

from mlx._distributed_utils.launch import main

if __name__ == "__main__":
    main()
