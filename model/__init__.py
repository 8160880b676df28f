"""Digit Lens model package: the MLP, MNIST data, training, evaluation and checkpoints.

Nothing here imports Streamlit, so notebooks, the CLI and the app share one code path.
"""
