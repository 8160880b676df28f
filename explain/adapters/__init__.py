"""Adapters, one module per library family; importing a module registers its methods."""

import warnings

# Captum announces every hook it sets on a ReLU. Ours always land on a private copy of the model
# (see explain/context.py), so the warning says nothing a user can act on.
warnings.filterwarnings("ignore", message=r"Setting (forward, )?backward hooks", category=UserWarning)


def captum_attr():
    """captum.attr, imported when a method first runs: listing the methods needs no captum."""
    from explain.imports import library

    return library("captum.attr", "captum")
