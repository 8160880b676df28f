"""Train a model in the browser, watch it learn, stop it, evaluate it, use it, download it, upload one."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from app.figures import confusion_figure
from app.text import plain, safe_name
from app.state import (
    MAX_TRAINING_JOBS,
    active_model,
    add_model,
    make_loaded,
    model_report,
    training_slots,
)
from model.checkpoint import MAX_CHECKPOINT_BYTES, CheckpointMeta, checkpoint_bytes, load_uploaded_checkpoint
from model.jobs import TrainJob
from model.train import TrainConfig

JOB_KEY = "train_job"
TRAIN_SIZES = [60_000, 20_000, 5_000, 1_000]

st.title("Train a model")
st.caption("Training runs in the background of your session only: other people's sessions and models "
           "are not affected, and you can keep using the other pages meanwhile.")


def training_curves(job: TrainJob) -> go.Figure:
    """Loss per report and test accuracy per epoch, on two y axes."""
    from plotly.subplots import make_subplots

    events = job.snapshot()
    at = [(e.epoch - 1) + e.step / e.steps_per_epoch for e in events]
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Scatter(x=at, y=[e.loss for e in events], name="training loss", mode="lines"),
                  secondary_y=False)
    ends = [(x, e.test_accuracy) for x, e in zip(at, events, strict=True) if e.test_accuracy is not None]
    fig.add_trace(go.Scatter(x=[x for x, _ in ends], y=[a for _, a in ends], name="test accuracy",
                             mode="lines+markers"), secondary_y=True)
    fig.update_yaxes(title_text="loss", secondary_y=False)
    fig.update_yaxes(title_text="test accuracy", range=[0, 1], tickformat=".0%", secondary_y=True)
    fig.update_xaxes(title_text="epoch")
    fig.update_layout(height=320, margin=dict(l=40, r=40, t=20, b=36))
    return fig


with st.form("train-form"):
    c1, c2, c3 = st.columns(3)
    hidden_text = c1.text_input("Hidden layer sizes", "128,64", help="comma separated, e.g. 256 or 128,64")
    epochs = c2.number_input("Epochs", 1, 30, 3)
    lr = c3.number_input("Learning rate", 1e-5, 1.0, 1e-3, format="%.5f")
    c4, c5, c6 = st.columns(3)
    batch = c4.number_input("Batch size", 8, 4096, 64)
    seed = c5.number_input("Seed", 0, 2**31 - 1, 0)
    size = c6.selectbox("Training digits", TRAIN_SIZES, format_func=lambda n: f"{n:,}")
    start = st.form_submit_button("Train", type="primary")

job: TrainJob | None = st.session_state.get(JOB_KEY)
if start:
    if job is not None and job.running:
        st.warning("A training run is already going in this session; stop it first.")
    else:
        try:
            hidden = tuple(int(h) for h in hidden_text.replace(" ", "").split(",") if h)
            config = TrainConfig(hidden=hidden, epochs=int(epochs), lr=float(lr), batch_size=int(batch),
                                 seed=int(seed), train_size=None if size == 60_000 else int(size))
        except ValueError as exc:
            st.error(f"Cannot train with these settings: {plain(exc)}")
        else:
            slots = training_slots()
            if not slots.acquire(blocking=False):
                st.warning(f"{MAX_TRAINING_JOBS} training runs are already going on this server; "
                           "try again in a minute.")
            else:
                job = TrainJob(config, on_done=slots.release).start()
                st.session_state[JOB_KEY] = job
                st.session_state.pop("train_done_for", None)


@st.fragment(run_every=0.7)
def progress() -> None:
    """Polls the running job; only on the page while one runs, so idle sessions send no reruns."""
    job: TrainJob | None = st.session_state.get(JOB_KEY)
    if job is None:
        return
    events = job.snapshot()
    if job.running:
        last = events[-1] if events else None
        frac = 0.0 if last is None else ((last.epoch - 1) * last.steps_per_epoch + last.step) / (
            last.epochs * last.steps_per_epoch)
        st.progress(frac, text="Stopping after this step…" if job.stopping else
                    f"Epoch {last.epoch if last else 1} of {job.config.epochs}")
        if st.button("Stop", icon=":material/stop:", key="train-stop"):
            job.stop()
    if events:
        st.plotly_chart(training_curves(job), key="train-curves")
    if not job.running and st.session_state.get("train_done_for") is not job:
        st.session_state["train_done_for"] = job
        st.rerun()  # the whole page: show the finished model's report below


job = st.session_state.get(JOB_KEY)
if job is not None and (job.running or st.session_state.get("train_done_for") is not job):
    progress()
elif job is not None and job.snapshot():
    st.plotly_chart(training_curves(job), key="train-curves-final")

if job is not None and not job.running:
    if job.error:
        st.error(f"Training failed: {plain(job.error)}")
    elif job.result is not None:
        r = job.result
        name = f"trained {r.model.config.name} seed {job.config.seed}"
        if st.session_state.get("train_added") is not job:  # once per job, even if later evicted
            st.session_state["train_added"] = job
            meta = CheckpointMeta.for_training(r.model.config, job.config, r)
            add_model(make_loaded(name, r.model, meta))
            st.rerun()  # so the sidebar's model switcher shows it too
        verb = "stopped early, kept the best completed epoch" if r.stopped else "finished"
        st.success(f"Training {verb}: {r.epochs_completed} epoch(s) in {r.seconds:.1f} s. "
                   f"**{name}** is now this session's active model on every page.")

loaded = active_model()
st.subheader(f"Active model: {loaded.name}")
report = model_report(loaded.key, loaded.model)
m1, m2, m3 = st.columns(3)
m1.metric("Test accuracy", f"{report.accuracy:.2%}")
m2.metric("Architecture", loaded.model.config.name)
m3.metric("Epochs", loaded.meta.epochs if loaded.meta.epochs is not None else "–")
left, right = st.columns([1.2, 1])
with left:
    event = st.plotly_chart(confusion_figure(report.confusion), key="train-cm", on_select="rerun",
                            selection_mode="points")
    st.caption("Click a cell to open those test digits in the explorer.")
    points = event.selection.points if event and event.selection else []
    if points:
        st.session_state["ex-true"] = int(points[0]["y"])
        st.session_state["ex-pred"] = int(points[0]["x"])
        st.switch_page("app_pages/explore.py")
with right:
    st.dataframe([{"digit": c.digit, "precision": round(c.precision, 4), "recall": round(c.recall, 4),
                   "F1": round(c.f1, 4)} for c in report.per_class], hide_index=True)
    safe = "".join(ch if ch.isalnum() else "-" for ch in loaded.name)
    st.download_button("Download this model (.safetensors)", checkpoint_bytes(loaded.model, loaded.meta),
                       f"digit-lens-{safe}.safetensors", "application/octet-stream", key="train-download")

st.subheader("Upload a model")
st.caption(f"`.safetensors` files saved by Digit Lens (up to {MAX_CHECKPOINT_BYTES // 2**20} MB). Pickle files "
           "(`.pt`, `.pth`, `.ckpt`, `.bin`) are refused: loading one can run any code its author put in it.")
up = st.file_uploader("Checkpoint", type=["safetensors", "pt", "pth", "ckpt", "bin"], key="train-upload",
                      max_upload_size=MAX_CHECKPOINT_BYTES // 2**20)
if up is not None and st.session_state.get("train-upload-done") != up.file_id:
    try:
        model, meta = load_uploaded_checkpoint(up.name, up.getvalue())
    except ValueError as exc:
        st.error(f"{safe_name(up.name)} was not loaded; the active model is unchanged. {plain(exc)}")
    else:
        add_model(make_loaded(f"uploaded {safe_name(up.name)}", model, meta))
        st.session_state["train-upload-done"] = up.file_id
        st.rerun()
