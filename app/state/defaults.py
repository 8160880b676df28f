"""What a new session sees before it touches a widget: the pages read their defaults here, and
`app.state.default_views` computes those same views once per process, so the first visitor does not wait for them."""

from __future__ import annotations

DEFAULT_TEST_INDEX = 0  # the digit a page explains until the visitor picks one
EVALUATE_METHODS = ["saliency", "integrated_gradients", "deeplift", "guided_backprop", "shap_deep", "lime_image"]
EVALUATE_REPLACEMENT = 1  # index into explain.evaluation.metrics.REPLACEMENTS: the mean training digit
SANITY_METHODS = ["saliency", "integrated_gradients", "guided_backprop", "deconvolution"]
LEADERBOARD_METHODS = ["saliency", "integrated_gradients", "deeplift", "gradient_shap"]
# Why each page starts with its own method set (issue 28: Draw 4, Evaluate 6, Compare 19 "without saying
# why"); shown in the method picker's help next to the default.
WHY_COMPARE_METHODS = "Starts with every method: this page is for setting them side by side."
WHY_EVALUATE_METHODS = ("Starts with six methods, one of each family (gradients, path integrals, DeepLift, "
                        "guided backprop, SHAP, LIME): the score card compares families; each runs its metrics.")
WHY_SANITY_METHODS = ("Starts with two methods that depend on every layer (Saliency, Integrated Gradients) and "
                      "two known to barely depend on the upper ones (Guided Backprop, Deconvolution): the "
                      "checks' verdicts are easy to tell apart.")
WHY_LEADERBOARD_METHODS = ("Starts with four fast methods: recomputing is done over many digits, so the "
                           "slow ones would take minutes.")
SANITY_DIGITS = 100  # the randomisation checks over the first N test digits
EXPLORE_ROWS = 300  # test digits listed at once (each a thumbnail); the filters narrow the rest
MAP_LAYER = "hidden2"
MAP_NEIGHBOURS = 12  # nearest training digits shown, in the layer and in pixel space
WHATIF_MIN_PROB = 0.5
