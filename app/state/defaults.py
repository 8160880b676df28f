"""What a new session sees before it touches a widget: the pages read their defaults here, and
`app.state.default_views` computes those same views once per process, so the first visitor does not wait for them."""

from __future__ import annotations

DEFAULT_TEST_INDEX = 0  # the digit a page explains until the visitor picks one
EVALUATE_METHODS = ["saliency", "integrated_gradients", "deeplift", "guided_backprop", "shap_deep", "lime_image"]
EVALUATE_REPLACEMENT = 1  # index into explain.evaluation.metrics.REPLACEMENTS: the mean training digit
SANITY_METHODS = ["saliency", "integrated_gradients", "guided_backprop", "deconvolution"]
SANITY_DIGITS = 100  # the randomisation checks over the first N test digits
EXPLORE_ROWS = 300  # test digits listed at once (each a thumbnail); the filters narrow the rest
MAP_LAYER = "hidden2"
MAP_NEIGHBOURS = 12  # nearest training digits shown, in the layer and in pixel space
WHATIF_MIN_PROB = 0.5
