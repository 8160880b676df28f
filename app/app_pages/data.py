"""Data: the training data as an explanation — which training digits taught the model its answer (TracIn), and
which labels it doubts (confident learning + self-influence), with marks a visitor keeps and exports."""

from __future__ import annotations

import time

import numpy as np
import streamlit as st

from app.components.image_strip import image_strip, upscale
from app.sections.lazy_tabs import lazy_tabs
from app.state.atlas import neighbours, train_split
from app.state.caches import test_probabilities
from app.state.inputs import pick_input
from app.state.models import active_model
from app.state.resources import test_split
from app.state.session import TRACIN_CANCELLED
from app.state.trainingdata import (
    MARKS,
    build_run_index,
    corrected_accuracy,
    cv_job,
    index_for,
    influence_of,
    marks,
    marks_csv,
    shipped_cascade,
    shipped_data_randomisation,
    start_cv_job,
    suspects,
    tracin_source,
)
from explain.registry import get_method
from explain.trainingdata.label_issues import RANKINGS, label_issues
from explain.trainingdata.tracin import TracInIndex
from model.jobs import JobRefused
from model.network import layer_display_name

# Suspect labels first: they open from shipped results at once; TracIn's index is built on first request.
SECTIONS = ("Suspect labels", "Which digits taught it this", "Data randomisation")
RANK_NAMES = {"combined": "both signals (mean percentile)", "confident_learning": "confident learning (cleanlab)",
              "self_influence": "TracIn self-influence"}
WHY_DIFFERENT = ("Similarity asks which training digits the network *sees* as alike now; influence asks whose "
                 "*training steps* moved this answer — a look-alike the model already fits well has a tiny gradient "
                 "and barely counts, while an unusual (or mislabelled) digit can push hard without looking alike.")

st.title("Data")
st.caption("Every explanation elsewhere is about pixels or layers. Here it is about the training data: which of the "
           "60,000 training digits taught the model its answer, and which labels it doubts.")
loaded = active_model()
source = tracin_source(loaded)
cset = source.checkpoints
if cset is None:
    st.info(f"No TracIn (proponents, opponents, self-influence) for this model: {source.why_not}. Suspect labels "
            "use confident learning alone.", icon=":material/info:")
last_hidden = loaded.model.hidden_layers()[-1].name
hidden_key = f"hidden{len(loaded.model.config.hidden)}"


def tracin_ready(key: str) -> TracInIndex | None:
    """The TracIn index of the active model's set: the shipped set's under a spinner; a Train-page run's built
    here with a progress bar and Cancel (seconds, once while the server keeps it); None if cancelled."""
    if cset is None:
        return None
    index = index_for(source)
    if index is not None or not source.own:
        return index
    if TRACIN_CANCELLED.get() == cset.digest:
        box = st.empty()
        with box.container():
            st.caption("Preparing TracIn for this model was cancelled.")
            again = st.button("Prepare TracIn for this model", key=f"{key}-tracin-build", icon=":material/play_arrow:")
        if not again:
            return None
        TRACIN_CANCELLED.pop()
        box.empty()
    slot = st.empty()
    if slot.button("Cancel", key=f"{key}-tracin-cancel", icon=":material/stop:",
                   help="Stop preparing TracIn; nothing is kept"):
        TRACIN_CANCELLED.set(cset.digest)
        slot.empty()
        st.rerun()
    text = (f"Preparing TracIn over this model's own {len(cset.checkpoints)} checkpoints and the 60,000 training "
            "digits (once per model)…")
    bar = st.progress(0.0, text=text)
    start = time.perf_counter()
    index = build_run_index(cset, lambda f: bar.progress(f, text=f"{text} {time.perf_counter() - start:.0f} s"))
    bar.empty()
    slot.empty()
    return index


def show_influence(x: np.ndarray, target: int | None, k: int, key: str) -> None:
    """Proponents and opponents of the model's answer for x, beside its nearest training digits."""
    index = tracin_ready(key)
    if index is None:
        st.caption("No checkpoints for this model: no proponents." if cset is None else
                   "TracIn is not prepared for this model: no proponents.")
        return
    inf = influence_of(loaded, source, np.asarray(x, dtype=np.float32), target, k, index)
    train = train_split()
    st.markdown(f"**Proponents of class {inf.target}** — training digits whose training steps raised it "
                "(label · TracIn score)")
    image_strip([upscale(img, 72) for img in train.images[inf.proponents].numpy()],
                [f"{lab} · {s:+.3g}" for lab, s in zip(inf.proponent_labels, inf.proponent_scores)], key=f"{key}-pro")
    st.markdown(f"**Opponents** — training digits whose training steps lowered class {inf.target}")
    image_strip([upscale(img, 72) for img in train.images[inf.opponents].numpy()],
                [f"{lab} · {s:+.3g}" for lab, s in zip(inf.opponent_labels, inf.opponent_scores)], key=f"{key}-con")
    nb = neighbours(loaded, np.asarray(x, dtype=np.float32), hidden_key, k, "cosine")
    st.markdown(f"**Nearest training digits in {layer_display_name(hidden_key)}** (label · cosine distance)")
    image_strip([upscale(img, 72) for img in train.images[nb.indices].numpy()],
                [f"{lab} · {d:.3f}" for lab, d in zip(nb.labels, nb.distances)], key=f"{key}-nb")
    shared = len(set(inf.proponents.tolist()) & set(nb.indices.tolist()))
    st.caption(f"{WHY_DIFFERENT} Here {shared} of the {k} strongest proponents are also among the {k} nearest digits.")


def taught() -> None:
    current = pick_input("data")
    if current is None:
        st.info("Choose an input above (a drawing, a test digit or an upload).")
        return
    if cset is None:
        return
    c1, c2 = st.columns(2)
    choice = c1.selectbox("For class", ["predicted", *range(10)], key="data-target",
                          format_func=lambda c: "the predicted class" if c == "predicted" else str(c))
    k = int(c2.slider("Digits per row", 4, 24, 8, key="data-k"))
    among = "all 60,000 training digits" if source.rows is None else \
        f"the {len(source.rows):,} training digits this run trained on"
    st.caption(f"TracIn over {among} and all layers, summed over {len(cset.checkpoints)} "
               f"checkpoints (epochs {', '.join(map(str, cset.epochs))}). Where they come from: {cset.note}.")
    show_influence(current.x, None if choice == "predicted" else int(choice), k, "data-inf")


def suspect_labels() -> None:
    a, b, c, d = st.columns([1, 2, 1, 1])
    split = a.radio("Split", ["test", "train"], horizontal=True, key="data-split")
    rankings = list(RANKINGS) if cset is not None else ["confident_learning"]
    rank_by = b.radio("Rank by", rankings, format_func=RANK_NAMES.get, horizontal=True, key="data-rank")
    classes = ["any", *range(10)]
    given_f = c.selectbox("Given label", classes, key="data-given")
    suggested_f = d.selectbox("Suggested label", classes, key="data-suggested")
    # A run's set needs its index for the training digits' self-influence (the bundled set's is shipped).
    index = tracin_ready("data-signal") if source.own and split == "train" else None
    signal_set = None if source.own and split == "train" and index is None else cset
    ranked = suspects(loaded, signal_set, split, rank_by if rank_by in rankings else rankings[0], index)
    if split == "train":
        rerun = crossval_section()
        if rerun is not None:
            with st.spinner("Ranking the labels with this session's cross-validation…"):
                ranked = label_issues("train", model=loaded.model, checkpoints=signal_set, probs=rerun,
                                      rank_by=ranked.rank_by, index=index)
    issues = ranked.where(None if given_f == "any" else int(given_f), None if suggested_f == "any" else int(suggested_f))
    images = (train_split() if split == "train" else test_split()).images
    n = min(24, len(issues.index))
    st.caption(f"{len(issues.index):,} {split} digits, most doubtful first by {RANK_NAMES[issues.rank_by]}. "
               "Confident learning: cleanlab's label quality on out-of-sample probabilities "
               + ("(the model's own: it never trained on the test set)" if split == "test" else
                  "(5-fold cross-validated short trainings)")
               + "; self-influence: how hard the training had to push on the digit under its given label. "
                 "Combined: the mean of the two percentile ranks.")
    if n == 0:
        st.info("No digit has this pair of given and suggested labels.")
        return
    shown = issues.index[:n]
    image_strip([upscale(img, 64) for img in images[shown].numpy()],
                [f"#{i}: {g}→{s}" for i, g, s in zip(shown, issues.given[:n], issues.suggested[:n])],
                key="data-gallery")
    mine = marks()
    st.dataframe({"digit": [int(i) for i in shown], "given": issues.given[:n], "suggested": issues.suggested[:n],
                  "suspicion": issues.suspicion[:n], "label quality": issues.quality[:n],
                  "self-influence": issues.self_influence[:n] if issues.self_influence is not None else [None] * n,
                  "cleanlab flags it": issues.flagged[:n],
                  "your mark": [mine.get((split, int(i)), "") for i in shown]},
                 hide_index=True, key="data-table",
                 column_config={"suspicion": st.column_config.ProgressColumn("suspicion", min_value=0, max_value=1,
                                                                           format="%.3f"),
                                "label quality": st.column_config.NumberColumn(format="%.4f"),
                                "self-influence": st.column_config.NumberColumn(format="%.3g")})
    pick = st.selectbox("Inspect a suspect", [int(i) for i in shown], key="data-pick",
                        format_func=lambda i: f"#{i}: labelled {int(issues.given[list(shown).index(i)])}, "
                                              f"suggested {int(issues.suggested[list(shown).index(i)])}")
    row = list(shown).index(pick)
    left, right = st.columns([1, 3])
    with left:
        image_strip([upscale(images[pick].numpy(), 112)], [f"{split} #{pick}"], key="data-one")
        st.metric("Given → suggested", f"{int(issues.given[row])} → {int(issues.suggested[row])}")
        st.metric("Label quality (cleanlab)", f"{issues.quality[row]:.4f}", help="Low: the label is doubtful.")
        mark = st.radio("Your verdict", ["unmarked", *MARKS], key=f"data-mark-{split}-{pick}",
                        index=(["unmarked", *MARKS].index(mine.get((split, pick), "unmarked"))))
        if mark == "unmarked":
            mine.pop((split, pick), None)
        else:
            mine[(split, pick)] = mark
            st.session_state.setdefault("data-suggested-of", {})[(split, pick)] = int(issues.suggested[row])
        if split == "test":
            st.page_link("app_pages/explore.py", label="Its maps in Explore", query_params={"index": pick},
                         icon=":material/grid_view:")
    with right:
        if cset is not None and st.toggle("Show its proponents and opponents (TracIn)", key="data-sus-inf"):
            show_influence(images[pick].numpy(), None, 8, "data-sus")
    marks_summary()


def crossval_section() -> np.ndarray | None:
    """The shipped cross-validation, or this session's re-run of it (a background job with progress and
    Cancel); returns the re-run's probabilities when the visitor chose to rank with them."""
    job = cv_job()
    with st.expander("Out-of-sample probabilities of the training digits: shipped, or re-run here"):
        st.caption("Shipped: five trainings of 3 epochs, each leaving out a fifth of the training digits "
                   "(`python -m explain.trainingdata.crossval`, run by `make assets`).")
        if job is not None and job.running:
            @st.fragment(run_every=1.0)
            def progress() -> None:
                live = cv_job()
                if live is None or not live.running:
                    st.rerun(scope="app")
                ev = live.progress
                st.progress(ev.fraction if ev else 0.0,
                            text=f"fold {ev.fold} of {ev.folds}, epoch {ev.epoch}" if ev else "starting…")
                if st.button("Cancel", key="data-cv-cancel", icon=":material/stop:"):
                    live.cancel()

            progress()
            return None
        if job is not None and job.end_reason == "cancelled":
            st.caption("Your last re-run was cancelled; the shipped probabilities are in use.")
        if job is not None and job.error:
            st.warning(f"The last re-run stopped: {job.error}.")
        if job is not None and job.result is not None:
            if st.toggle("Rank with this session's re-run", key="data-cv-use"):
                return job.result
        if st.button("Re-run the 5-fold cross-validation (five short trainings: minutes, in the background)",
                     key="data-cv-start", icon=":material/play_arrow:"):
            try:
                start_cv_job()
            except JobRefused as refused:
                st.warning(f"Every training slot on this server is busy; one frees within "
                           f"{max(1, round(refused.next_free_in_s / 60))} min at the latest.")
            else:
                st.rerun()
    return None


def marks_summary() -> None:
    mine = marks()
    suggested_of = st.session_state.get("data-suggested-of", {})
    st.subheader("Your marks")
    test = test_split()
    labels = test.labels.numpy()
    predictions = test_probabilities(loaded).argmax(axis=1)
    m1, m2, m3 = st.columns(3)
    m1.metric("Marked", len(mine), help="Kept in this browser session only")
    m2.metric("Test accuracy", f"{(predictions == labels).mean():.2%}")
    m3.metric("Test accuracy, marked labels corrected",
              f"{corrected_accuracy(predictions, labels, mine, suggested_of):.2%}",
              help="Each marked test digit takes its suggested label")
    if mine:
        given = {"test": labels, "train": train_split().labels.numpy()}
        st.download_button("Download your marks (CSV)", marks_csv(mine, given, suggested_of), "digit-lens-label-marks.csv",
                           "text/csv", key="data-marks-csv", icon=":material/download:")


def data_randomisation() -> None:
    """Adebayo et al.'s data randomisation test, shipped for the bundled model, beside Evaluate's cascade."""
    record = shipped_data_randomisation()
    if record is None:
        st.info("Not shipped with this copy: `python -m explain.trainingdata.data_randomisation --out FILE.json`.")
        return
    cascade = shipped_cascade()
    st.caption(f"A model of the same recipe trained on shuffled training labels ({record['shuffled_model']['epochs']} "
               f"epochs; it can only memorise: {record['shuffled_model']['test_accuracy']:.1%} test accuracy). A "
               "method whose maps stay alike for both models does not depend on what the data taught: lower is "
               f"better. Mean over {record['n']} test digits of the {record['similarity']}; beside it, Evaluate's "
               "cascading randomisation with every layer re-initialised (the bundled model only).")
    names = list(record["methods"])
    rows = {"method": [get_method(n).display for n in names],
            "shuffled labels": [record["methods"][n]["mean"] for n in names],
            "± 95 %": [record["methods"][n]["ci95"] for n in names]}
    if cascade is not None:
        rows["all layers re-initialised"] = [cascade["methods"].get(n, {}).get("mean", [None])[-1] for n in names]
    st.dataframe(rows, hide_index=True, key="data-randomisation", height=35 * (len(names) + 1) + 3,  # every row
                 column_config={k: st.column_config.NumberColumn(format="%.3f") for k in rows if k != "method"})


lazy_tabs("data-tab", dict(zip(SECTIONS, (suspect_labels, taught, data_randomisation), strict=True)),
          keep=("data-target", "data-k", "data-split", "data-rank", "data-given", "data-suggested", "data-pick",
                "data-sus-inf"))
