"""Train a model in the browser, watch it learn, stop it, evaluate it, use it, download it, upload one."""

from __future__ import annotations

import streamlit as st

from app.figures.training import cell_from_selection, clickable_confusion, training_curves
from app.safe_text import plain, safe_name
from app.state.caches import model_report
from app.state.inputs import file_upload
from app.state.models import active_model, add_model
from app.state.resources import job_runner, make_loaded
from app.state.session import TRAIN_ADDED, TRAIN_DONE_FOR, TRAIN_JOB, TRAIN_UPLOAD_DONE, TRAIN_UPLOAD_NOTE
from app.state.training_records import keep_record, recorder_factory
from app.state.trainingdata import keep_run_checkpoints
from app.streamlit_private import session_alive_check
from model.checkpoint import MAX_CHECKPOINT_BYTES, checkpoint_bytes, load_uploaded_checkpoint
from model.jobs import JobRefused
from model.train import TrainConfig, checkpoint_meta
from model.train_job import JobLimits, TrainJob

LIMITS = JobLimits()
VALIDATION = 5_000  # training digits held out for the curves and the best-epoch choice
TRAIN_SIZES = [60_000 - VALIDATION, 20_000, 5_000, 1_000]
END_WORDS = {"finished": "finished", "cancelled": "was stopped", "budget": "reached its time budget",
             "owner gone": "ended when its session closed"}

st.title("Train a model")
st.caption(f"Training runs in the background of your session only: other people's sessions and models are not "
           f"affected, and you can keep using the other pages meanwhile. Each job may run for "
           f"{LIMITS.budget_s / 60:.0f} minutes and ends when you close this tab. {VALIDATION:,} of the 60,000 "
           "training digits are held out as a validation split for the curves and for choosing the best epoch; "
           "the 10,000 test digits are used only for the final report.")


def minutes(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    return f"{m} min {s:02d} s" if m else f"{s} s"


def display_name(file_name: str, limit: int = 120) -> str:
    """An uploaded file's name for labels: whole when it fits, else shortened in the middle."""
    name = safe_name(file_name, limit=1000)
    return name if len(name) <= limit else f"{name[: limit // 2 - 1]}…{name[-(limit // 2):]}"


job: TrainJob | None = TRAIN_JOB.get()
# The form shows the settings of this session's job (running or last), so returning to the page
# during a run shows what is actually training.
shown = job.config if job is not None else TrainConfig(epochs=3, validation_size=VALIDATION)
with st.form("train-form"):
    c1, c2, c3 = st.columns(3)
    hidden_text = c1.text_input("Hidden layer sizes", ",".join(map(str, shown.hidden)),
                                help=f"comma separated, e.g. 256 or 128,64; at most {LIMITS.max_hidden} units each")
    epochs = c2.number_input("Epochs", 1, LIMITS.max_epochs, shown.epochs)
    lr = c3.number_input("Learning rate", 1e-5, 1.0, shown.lr, format="%.5f")
    c4, c5, c6, c7 = st.columns(4)
    batch = c4.number_input("Batch size", LIMITS.min_batch, 4096, shown.batch_size)
    seed = c5.number_input("Seed", 0, 2**32 - 1, shown.seed)
    runs = c6.number_input("Runs (seeds)", 1, LIMITS.max_runs, 1 + len(job.more) if job else 1,
                           help="Several runs with seeds seed, seed+1, … one after another, as one job.")
    sizes = TRAIN_SIZES if shown.train_size in (None, *TRAIN_SIZES) else [*TRAIN_SIZES, shown.train_size]
    size = c7.selectbox("Training digits", sizes, index=sizes.index(shown.train_size or TRAIN_SIZES[0]),
                        format_func=lambda n: f"{n:,}")
    start = st.form_submit_button("Train", type="primary")

if start:
    if job is not None and job.running:
        st.warning("A training run is already going in this session; stop it first.")
    else:
        try:
            hidden = tuple(int(h) for h in hidden_text.replace(" ", "").split(",") if h)
            configs = [TrainConfig(hidden=hidden, epochs=int(epochs), lr=float(lr), batch_size=int(batch),
                                   seed=int(seed) + i, train_size=int(size), validation_size=VALIDATION)
                       for i in range(int(runs))]
            LIMITS.check(configs)
        except ValueError as exc:
            st.error(f"Cannot train with these settings: {plain(exc)}")
        else:
            new = TrainJob(configs[0], more=tuple(configs[1:]), budget_s=LIMITS.budget_s,
                           alive=session_alive_check(), on_epoch_factory=recorder_factory(),
                           keep_checkpoints=True)  # ~5 epochs for the Data page's TracIn
            try:
                new.start(job_runner())
            except JobRefused as refused:
                st.warning(f"{refused.cap} training jobs are already running on this server. A slot frees "
                           f"within {minutes(refused.next_free_in_s)} at the latest (every job stops at its "
                           f"{LIMITS.budget_s / 60:.0f}-minute budget); try again then.")
            else:
                job = TRAIN_JOB.set(new)
                TRAIN_DONE_FOR.pop()
                st.rerun()  # the form now shows the running job's settings


def curves(job: TrainJob, key: str) -> None:
    events = job.snapshot()
    if events:
        label = (f"validation accuracy ({job.config.validation_size:,} held-out digits)"
                 if job.config.validation_size else "test accuracy")
        st.plotly_chart(training_curves(events, job.config.epochs, label), key=key)


@st.fragment(run_every=0.7)
def progress() -> None:
    """Polls the running job; only on the page while one runs, so idle sessions send no reruns."""
    job: TrainJob | None = TRAIN_JOB.get()
    if job is None:
        return
    if job.running:
        state = job.progress()  # one consistent snapshot: this run's events beside its index
        last = state.events[-1] if state.events else None
        frac = 0.0 if last is None else ((last.epoch - 1) * last.steps_per_epoch + last.step) / (
            last.epochs * last.steps_per_epoch)
        run = f"run {state.run + 1} of {len(job.configs)} (seed {job.configs[state.run].seed}) · " \
            if len(job.configs) > 1 else ""
        st.progress(min(frac, 1.0), text="Stopping after this step…" if job.stopping else
                    f"{run}Epoch {last.epoch if last else 1} of {job.config.epochs} · "
                    f"{minutes(job.remaining_s())} left of the {LIMITS.budget_s / 60:.0f}-minute budget")
        if st.button("Stop", icon=":material/stop:", key="train-stop"):
            job.stop()
    curves(job, "train-curves")
    if not job.running and TRAIN_DONE_FOR.get() is not job:
        TRAIN_DONE_FOR.set(job)
        st.rerun()  # the whole page: show the finished model's report below


if job is not None and (job.running or TRAIN_DONE_FOR.get() is not job):
    progress()
elif job is not None:
    curves(job, "train-curves-final")

if job is not None and not job.running:
    if job.error:
        st.error(f"Training failed: {plain(job.error)}")
    elif job.results:
        if TRAIN_ADDED.get() is not job:  # once per job, even if later evicted
            TRAIN_ADDED.set(job)
            for r, hook, kept in zip(job.results, job.epoch_hooks, job.checkpoints):
                trained = make_loaded(f"trained {r.model.config.name} seed {r.config.seed}", r.model,
                                      checkpoint_meta(r))
                add_model(trained)
                keep_record(trained.key, hook)  # for the Map page's "Across training"
                keep_run_checkpoints(trained.key, kept)  # for the Data page's proponents and opponents

            st.rerun()  # so the sidebar's model switcher shows them too
        r = job.result
        name = f"trained {r.model.config.name} seed {r.config.seed}"
        kept = (f"kept epoch {r.best_epoch}, the completed epoch with the best validation accuracy "
                f"(on {r.config.validation_size:,} held-out training digits)" if r.best_epoch else "kept the final weights")
        done = f"Training {END_WORDS.get(job.end_reason or '', 'ended')}: {r.epochs_completed} epoch(s) in " \
               f"{r.seconds:.1f} s; {kept}."
        if len(job.results) > 1:
            done += f" {len(job.results)} runs (seeds {job.results[0].config.seed}–{r.config.seed}) are in the sidebar."
        # Only while the trained model is the active one: after switching models this would be stale.
        if active_model().name == name:
            st.success(f"{done} **{name}** is now this session's active model on every page.")
        else:
            st.info(done)

loaded = active_model()
upload_note = TRAIN_UPLOAD_NOTE.get()
if upload_note and upload_note == loaded.name:
    st.success(f"Loaded **{plain(loaded.name, 120)}**: it is now this session's active model on every page.")
st.subheader(f"Active model: {loaded.name}")
report = model_report(loaded)
m1, m2, m3 = st.columns(3)
m1.metric("Test accuracy", f"{report.accuracy:.2%}")
m2.metric("Architecture", loaded.model.config.name)
m3.metric("Epochs", loaded.meta.epochs if loaded.meta.epochs is not None else "–")
left, right = st.columns([1.2, 1])
with left:
    event = st.plotly_chart(clickable_confusion(report.confusion), key="train-cm", on_select="rerun",
                            selection_mode="points")
    st.caption("Click a cell to open those test digits in Explore (rows: true digit, columns: predicted).")
    cell = cell_from_selection(event.selection.points if event and event.selection else [])
    if cell is not None:
        st.switch_page("app_pages/explore.py", query_params={"true": str(cell[0]), "pred": str(cell[1])})
with right:
    st.dataframe([{"digit": c.digit, "precision": c.precision, "recall": c.recall, "F1": c.f1}
                  for c in report.per_class], hide_index=True,
                 column_config={k: st.column_config.NumberColumn(k, format="%.3f") for k in ("precision", "recall", "F1")})
    safe = "".join(ch if ch.isalnum() else "-" for ch in loaded.name)
    st.download_button("Download this model (.safetensors)", checkpoint_bytes(loaded.model, loaded.meta),
                       f"digit-lens-{safe}.safetensors", "application/octet-stream", key="train-download")
    from app.sections.workspace import save_model_button

    save_model_button(loaded, report.accuracy, [{"digit": c.digit, "precision": c.precision, "recall": c.recall,
                                                 "f1": c.f1} for c in report.per_class])

st.subheader("Upload a model")
limit_mb = MAX_CHECKPOINT_BYTES // 2**20
st.caption(f"`.safetensors` files (up to {limit_mb} MB) saved by Digit Lens, or the state dict of any 784 → … → 10 "
           "stack of Linear layers (`safetensors.torch.save_file(model.state_dict(), 'model.safetensors')`; its "
           "input is taken to be normalised with MNIST's mean 0.1307 and std 0.3081). Pickle files (`.pt`, `.pth`, "
           "`.ckpt`, `.bin`) are not taken: loading one can run any code its author put in it.")
# No registered MIME type exists for these files; naming one that none has keeps the browser's filter as is.
up = file_upload("Checkpoint", ["safetensors"], "train-upload",
                 ["application/x-safetensors"], max_upload_size=limit_mb)
if up is not None and TRAIN_UPLOAD_DONE.get() != up.file_id:
    label = display_name(up.name)
    try:
        if up.size > MAX_CHECKPOINT_BYTES:  # the browser checks too, but a client can skip that
            raise ValueError(f"it is {up.size / 2**20:.1f} MB; models may be at most {limit_mb} MB")
        model, meta = load_uploaded_checkpoint(up.name, up.getvalue())
    except ValueError as exc:
        st.error(f"{label} was not loaded; the active model is unchanged. {plain(exc)}")
    else:
        name = f"uploaded {label}"
        add_model(make_loaded(name, model, meta))
        TRAIN_UPLOAD_DONE.set(up.file_id)
        TRAIN_UPLOAD_NOTE.set(name)
        st.rerun()
