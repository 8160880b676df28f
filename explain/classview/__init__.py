"""What a whole class looks like to the model: mean maps per class and per kind of mistake, the
strategies (clusters of one class's maps) and how much methods disagree (Krishna et al. 2022), over the
10,000 test digits with one batched explain call per method. No Streamlit here."""

from explain.classview.disagreement import METRICS, disagreement, mean_curves, pairwise_curves, top_k_ranks
from explain.classview.views import ClassViews, MethodView, Strategies, class_views, load_views, strategies

__all__ = ["METRICS", "ClassViews", "MethodView", "Strategies", "class_views", "disagreement", "load_views",
           "mean_curves", "pairwise_curves", "strategies", "top_k_ranks"]
